// payments: the shop's payment service, a WAGI module in AssemblyScript (WASI preview1 command, CGI).
// GET /payments → {"status":"ok"}; POST /payments → 201 with an id derived from the request body.

function env(name: string): string {
  return process.env.has(name) ? process.env.get(name) : '';
}

function respond(status: string, json: string): void {
  process.stdout.write('Status: ' + status + '\nContent-Type: application/json\n\n' + json + '\n');
}

function readStdin(): Uint8Array {
  let total = new Uint8Array(0);
  const buffer = new ArrayBuffer(16384);
  while (true) {
    const n = process.stdin.read(buffer);
    if (n <= 0) break;
    const next = new Uint8Array(total.length + n);
    next.set(total);
    next.set(Uint8Array.wrap(buffer, 0, n), total.length);
    total = next;
  }
  return total;
}

// FNV-1a: the same body always gets the same payment id, so client retries are idempotent.
function fnv1a(bytes: Uint8Array): u32 {
  let hash: u32 = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= <u32>bytes[i];
    hash *= 0x01000193;
  }
  return hash;
}

function hex8(value: u32): string {
  const digits = '0123456789abcdef';
  let out = '';
  for (let shift = 28; shift >= 0; shift -= 4) out += digits.charAt(<i32>((value >> shift) & 0xf));
  return out;
}

// WAGI splits the URL into SCRIPT_NAME (the route) and PATH_INFO (the rest): join them back.
let path = env('SCRIPT_NAME') + env('PATH_INFO');
while (path.length > 1 && path.endsWith('/')) path = path.substring(0, path.length - 1);
const method = env('REQUEST_METHOD');

if (path != '/payments') {
  respond('404 Not Found', '{"error":"no route for ' + path + '"}');
} else if (method == 'GET') {
  respond('200 OK', '{"status":"ok","service":"payments"}');
} else if (method == 'POST') {
  const body = readStdin();
  if (body.length == 0) {
    respond('400 Bad Request', '{"error":"empty payment request; send the order as JSON"}');
  } else {
    const id = 'pay_' + hex8(fnv1a(body));
    process.stderr.write('payments: authorized ' + id + ' (' + body.length.toString() + ' bytes)\n');
    respond('201 Created', '{"id":"' + id + '","status":"authorized","bytes":' + body.length.toString() + '}');
  }
} else {
  respond('405 Method Not Allowed', '{"error":"use GET or POST on /payments"}');
}
