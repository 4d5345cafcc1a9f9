// wagi-test: the WAGI engine's test guest, a WASI preview1 command dispatching on PATH_INFO
// (hello, echo, env, loop, grow, trap, log, created, redirect, args, bad-header, bad-status, flood).
// Built with asc + wasi-shim.

function env(name: string, fallback: string = ''): string {
  return process.env.has(name) ? process.env.get(name) : fallback;
}

function respond(headers: string, body: string): void {
  process.stdout.write(headers + '\n\n' + body);
}

function echo(): void {
  process.stdout.write('Content-Type: ' + env('CONTENT_TYPE', 'application/octet-stream') + '\n\n');
  const buffer = new ArrayBuffer(65536);
  while (true) {
    const n = process.stdin.read(buffer);
    if (n <= 0) break;
    process.stdout.write(buffer.slice(0, n));
  }
}

function listEnv(): void {
  const keys = process.env.keys().sort();
  let out = '';
  for (let i = 0; i < keys.length; i++) out += keys[i] + '=' + process.env.get(keys[i]) + '\n';
  respond('Content-Type: text/plain', out);
}

function queryParam(name: string): string {
  const pairs = env('QUERY_STRING').split('&');
  for (let i = 0; i < pairs.length; i++) {
    const eq = pairs[i].indexOf('=');
    if (eq > 0 && pairs[i].substring(0, eq) == name) return pairs[i].substring(eq + 1);
  }
  return '';
}

// Grows linear memory by `mb` MiB (without a bound when `mb` is empty), touching each new page so the
// host really commits it; when the host refuses to grow, aborts as a real out-of-memory guest would.
function grow(mb: string): void {
  const limit = mb.length > 0 ? I32.parseInt(mb) * 16 : i32.MAX_VALUE;
  let grown = 0;
  while (grown < limit) {
    const before = memory.grow(16);
    if (before < 0) {
      process.stderr.write('wagi-test: memory.grow failed after ' + (grown / 16).toString() + ' MiB\n');
      unreachable();
    }
    store<u8>(<usize>before << 16, 1);
    grown += 16;
  }
  respond('Content-Type: text/plain', 'grew ' + mb + ' MiB\n');
}

function spin(): void {
  let i: u32 = 0;
  while (true) {
    i++;
    // Never true in practice; keeps the loop from being optimised into nothing.
    if (i == 0) process.stderr.write('wagi-test: still looping\n');
  }
}

function listArgs(): void {
  let out = '';
  for (let i = 0; i < process.argv.length; i++) out += process.argv[i] + '\n';
  respond('Content-Type: text/plain', out);
}

const path = env('PATH_INFO', '/');
if (path == '/hello') {
  respond('Content-Type: text/plain', 'hello from wagi\n');
} else if (path == '/echo') {
  echo();
} else if (path == '/env') {
  listEnv();
} else if (path == '/loop') {
  spin();
} else if (path == '/grow') {
  grow(queryParam('mb'));
} else if (path == '/trap') {
  unreachable();
} else if (path == '/log') {
  process.stderr.write('wagi-test: log line to stderr\n');
  respond('Content-Type: text/plain', 'logged\n');
} else if (path == '/created') {
  respond('Status: 201 Created\nContent-Type: application/json', '{"created":true}\n');
} else if (path == '/redirect') {
  respond('Location: /hello', '');
} else if (path == '/args') {
  listArgs();
} else if (path == '/bad-header') {
  // A header name with a space: HTTP forbids it, the host must refuse it without falling over.
  respond('Content-Type: text/plain\nX Bad: value', 'bad header\n');
} else if (path == '/bad-status') {
  respond('Status: 101 Switching Protocols\nContent-Type: text/plain', 'no\n');
} else if (path == '/flood') {
  // Prints without end: the host bounds what it holds of a CGI response.
  process.stdout.write('Content-Type: text/plain\n\n');
  const chunk = new ArrayBuffer(65536);
  while (true) process.stdout.write(chunk);
} else {
  respond('Status: 404 Not Found\nContent-Type: text/plain', 'not found: ' + path + '\n');
}
