// CGI plumbing shared by the shop's WAGI services (AssemblyScript): the request from the environment
// and stdin, a JSON response on stdout, and the two JSON fields the services read from a body.

export function env(name: string): string {
  return process.env.has(name) ? process.env.get(name) : '';
}

/** WAGI splits the URL into SCRIPT_NAME (the route) and PATH_INFO (the rest): join them back. */
export function requestPath(): string {
  let path = env('SCRIPT_NAME') + env('PATH_INFO');
  while (path.length > 1 && path.endsWith('/')) path = path.substring(0, path.length - 1);
  return path;
}

export function respond(status: string, json: string): void {
  process.stdout.write('Status: ' + status + '\nContent-Type: application/json\n\n' + json + '\n');
}

export function readStdin(): Uint8Array {
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

function valueStart(json: string, key: string): i32 {
  const at = json.indexOf('"' + key + '"');
  if (at < 0) return -1;
  let i = json.indexOf(':', at + key.length + 2);
  if (i < 0) return -1;
  i++;
  while (i < json.length && (json.charAt(i) == ' ' || json.charAt(i) == '\n' || json.charAt(i) == '\t')) i++;
  return i;
}

/** The string value of `key` in a flat JSON object, or '' (no escapes: names and ids only). */
export function jsonString(json: string, key: string): string {
  const i = valueStart(json, key);
  if (i < 0 || i >= json.length || json.charAt(i) != '"') return '';
  const end = json.indexOf('"', i + 1);
  if (end < 0) return '';
  const value = json.substring(i + 1, end);
  return value.indexOf('\\') >= 0 ? '' : value;
}

/** The non-negative integer value of `key` in a flat JSON object, or -1. */
export function jsonInt(json: string, key: string): i64 {
  const i = valueStart(json, key);
  if (i < 0) return -1;
  let n: i64 = 0;
  let digits = 0;
  for (let j = i; j < json.length && digits < 12; j++) {
    const c = json.charCodeAt(j);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits == 0 ? -1 : n;
}

/** Only letters, digits, '-' and '_': safe to put in a log line or a JSON string unescaped. */
export function isName(value: string): bool {
  if (value.length == 0 || value.length > 64) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95;
    if (!ok) return false;
  }
  return true;
}
