// payments: the shop's payment service, a WAGI module in AssemblyScript (WASI preview1 command, CGI).
// It charges with the processor key from the secret variable `payments_api_key` (its environment:
// PAYMENTS_API_KEY) and keeps a ledger in /data/ledger.log, one line per charge ("id order amount").
// GET /payments → the number of charges and their total; POST /payments {"order","amount"} → 201.

import { env, isName, jsonInt, jsonString, readStdin, requestPath, respond } from '../../lib/cgi';
import { appendDataLine, readDataFile } from '../../lib/files';

const LEDGER = 'ledger.log';

// FNV-1a over the key and the body: the same charge always gets the same id, so retries are idempotent,
// and ids made with another key differ.
function fnv1a(text: string): u32 {
  const bytes = Uint8Array.wrap(String.UTF8.encode(text));
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

const path = requestPath();
const method = env('REQUEST_METHOD');
const apiKey = env('PAYMENTS_API_KEY');

if (path != '/payments') {
  respond('404 Not Found', '{"error":"no route for that path; use /payments"}');
} else if (method == 'GET' || method == 'HEAD') {
  const lines = readDataFile(LEDGER).split('\n');
  let charges = 0;
  let total: i64 = 0;
  for (let i = 0; i < lines.length; i++) {
    const parts = lines[i].split(' ');
    if (parts.length < 3) continue;
    charges++;
    total += I64.parseInt(parts[2]);
  }
  respond(
    '200 OK',
    '{"service":"payments","charges":' + charges.toString() + ',"totalCents":' + total.toString() + '}',
  );
} else if (method == 'POST') {
  const body = String.UTF8.decode(readStdin().buffer);
  const order = jsonString(body, 'order');
  const amount = jsonInt(body, 'amountCents');
  if (apiKey.length == 0) {
    respond('503 Service Unavailable', '{"error":"no processor key: set the payments_api_key variable"}');
  } else if (!isName(order) || amount < 1) {
    respond('400 Bad Request', '{"error":"send {\\"order\\": \\"ord-1\\", \\"amountCents\\": 2500}"}');
  } else {
    const id = 'pay_' + hex8(fnv1a(apiKey + '\n' + body));
    const line = id + ' ' + order + ' ' + amount.toString();
    if (readDataFile(LEDGER).indexOf(id + ' ') < 0) appendDataLine(LEDGER, line);
    process.stderr.write('payments: charged ' + line + '\n');
    respond('201 Created', '{"id":"' + id + '","order":"' + order + '","amountCents":' + amount.toString() + '}');
  }
} else {
  respond('405 Method Not Allowed', '{"error":"use GET or POST on /payments"}');
}
