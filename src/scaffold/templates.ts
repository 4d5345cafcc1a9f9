// The service templates of `wasmkube new`: one source file each (templates/*.tmpl, `{{NAME}}` filled
// in) and the manifest entry that builds it with a declared toolchain and routes /NAME to it.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Toolchain } from '../manifest/types.ts';

export interface Template {
  readonly name: string;
  /** One line for `wasmkube new --list`. */
  readonly description: string;
  readonly toolchain: Toolchain;
  /** The source file inside the service folder. */
  readonly entry: string;
  /** What it needs that may be missing here (checked by the builder, which names the packages). */
  readonly needs?: string;
}

export const TEMPLATES: readonly Template[] = [
  {
    name: 'http-ts',
    description: 'wasi:http component in TypeScript: (req: Request) => Response, with fetch and env',
    toolchain: 'ts',
    entry: 'src/index.ts',
  },
  {
    name: 'http-js',
    description: 'wasi:http component in JavaScript: the same handler API as http-ts',
    toolchain: 'js',
    entry: 'src/index.js',
  },
  {
    name: 'http-wat',
    description: 'a tiny hand-written wasi:http component in WAT, to see the ABI (~7 KB)',
    toolchain: 'wat',
    entry: 'src/service.wat',
  },
  {
    name: 'wagi-as',
    description: 'WAGI module in AssemblyScript (CGI over WASI preview1, ~10 KB)',
    toolchain: 'assemblyscript',
    entry: 'src/index.ts',
  },
  {
    name: 'wagi-c',
    description: 'WAGI module in C with clang --target=wasm32-wasi',
    toolchain: 'c',
    entry: 'src/main.c',
    needs: 'apt-get install clang lld wasi-libc libclang-rt-dev-wasm32',
  },
  {
    name: 'wagi-rust',
    description: "WAGI module in Rust with Debian's rustc and its wasm32 std",
    toolchain: 'rust',
    entry: 'src/main.rs',
    needs: 'apt-get install rustc libstd-rust-dev-wasm32 lld',
  },
];

const FILES: Readonly<Record<string, string>> = {
  'http-ts': 'http-ts.ts.tmpl',
  'http-js': 'http-js.js.tmpl',
  'http-wat': 'http-wat.wat.tmpl',
  'wagi-as': 'wagi-as.ts.tmpl',
  'wagi-c': 'wagi-c.c.tmpl',
  'wagi-rust': 'wagi-rust.rs.tmpl',
};

export function findTemplate(name: string): Template | undefined {
  return TEMPLATES.find((t) => t.name === name);
}

/** The template's source with the service name filled in. */
export async function renderTemplate(template: Template, service: string): Promise<string> {
  const path = fileURLToPath(new URL(`../../templates/${FILES[template.name]}`, import.meta.url));
  const text = await readFile(path, 'utf8');
  const message = `hello from ${service}\n`;
  return text
    .replaceAll('{{NAME}}', service)
    .replaceAll('{{MESSAGE_LEN}}', String(Buffer.byteLength(message)));
}
