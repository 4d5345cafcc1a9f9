// wagi-hostile: a WAGI guest that tries the host's bounds, dispatching on PATH_INFO: /big?mb=N (an
// N MiB body), /head?kb=N (N KiB of CGI headers), /stderr?mb=N (N MiB of stderr lines), /env.

function env(name: string, fallback: string = ''): string {
  return process.env.has(name) ? process.env.get(name) : fallback;
}

function queryInt(name: string): i32 {
  const pairs = env('QUERY_STRING').split('&');
  for (let i = 0; i < pairs.length; i++) {
    const eq = pairs[i].indexOf('=');
    if (eq > 0 && pairs[i].substring(0, eq) == name) return I32.parseInt(pairs[i].substring(eq + 1));
  }
  return 0;
}

function big(mb: i32): void {
  process.stdout.write('Content-Type: application/octet-stream\n\n');
  const chunk = new ArrayBuffer(65536);
  for (let i = 0; i < mb * 16; i++) process.stdout.write(chunk);
}

// Header lines of 1 KiB each (`X-Pad-N: aaa...`), then a one-line body.
function head(kb: i32): void {
  let pad = '';
  for (let i = 0; i < 1000; i++) pad += 'a';
  let out = 'Content-Type: text/plain\n';
  for (let i = 0; i < kb; i++) out += 'X-Pad-' + i.toString() + ': ' + pad + '\n';
  process.stdout.write(out + '\nhead of ' + kb.toString() + ' KiB\n');
}

// 100-byte lines on stderr, 64 KiB per write.
function flood(mb: i32): void {
  let line = '';
  for (let i = 0; i < 99; i++) line += 'e';
  line += '\n';
  let block = '';
  for (let i = 0; i < 655; i++) block += line;
  for (let i = 0; i < mb * 16; i++) process.stderr.write(block);
  process.stdout.write('Content-Type: text/plain\n\nflooded\n');
}

function listEnv(): void {
  const keys = process.env.keys().sort();
  let out = '';
  for (let i = 0; i < keys.length; i++) out += keys[i] + '=' + process.env.get(keys[i]) + '\n';
  process.stdout.write('Content-Type: text/plain\n\n' + out);
}

const path = env('PATH_INFO', '/');
if (path == '/big') big(queryInt('mb'));
else if (path == '/head') head(queryInt('kb'));
else if (path == '/stderr') flood(queryInt('mb'));
else if (path == '/env') listEnv();
else process.stdout.write('Status: 404 Not Found\nContent-Type: text/plain\n\nnot found: ' + path + '\n');
