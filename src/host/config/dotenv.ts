// Reads a `.env` file: `NAME=value` lines, `#` comments, an optional `export `, single or double quotes
// (double quotes understand \n, \t, \" and \\). Malformed lines are reported by line number, never by value.

import { readFileSync } from 'node:fs';
import { WasmkubeError } from '../../errors.ts';

/** The most a .env file may hold: it is read at start-up, by every serving thread. */
const MAX_BYTES = 1024 * 1024;

/** Entries of the file, or an empty map when there is none. */
export function readDotenv(path: string): Map<string, string> {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.byteLength > MAX_BYTES) {
      throw new WasmkubeError('BAD_ARGUMENT', `${path} is larger than 1 MiB`, {
        fix: 'keep only NAME=value lines for the app variables in it',
      });
    }
    text = bytes.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    if (err instanceof WasmkubeError) throw err;
    throw new WasmkubeError('BAD_ARGUMENT', `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
      fix: 'check its permissions, or remove it',
    });
  }
  return parseDotenv(text, path);
}

export function parseDotenv(text: string, file = '.env'): Map<string, string> {
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m === null) {
      throw new WasmkubeError('BAD_ARGUMENT', `${file}:${i + 1}: not a NAME=value line`, {
        fix: 'write NAME=value (or WASMKUBE_VAR_NAME=value), one per line; # starts a comment',
      });
    }
    out.set(m[1]!, unquote(m[2]!, `${file}:${i + 1}`));
  });
  return out;
}

function unquote(value: string, where: string): string {
  const q = value[0];
  if (q !== '"' && q !== "'") return value.replace(/\s+#.*$/, '');
  const end = value.lastIndexOf(q);
  if (end === 0) {
    throw new WasmkubeError('BAD_ARGUMENT', `${where}: the quoted value is not closed`, {
      fix: `end the value with ${q}`,
    });
  }
  const inner = value.slice(1, end);
  if (q === "'") return inner;
  return inner.replace(/\\([nt"\\])/g, (_, c: string) => ({ n: '\n', t: '\t', '"': '"', '\\': '\\' })[c]!);
}
