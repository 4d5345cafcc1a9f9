import { componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { readFileSync } from 'node:fs';
const b = readFileSync(process.argv[2]);
console.log(await componentWit(b));
let t = Date.now();
const r = await transpileBytes(b, { name: 'guest', instantiation: { tag: 'async' } });
console.log(Date.now() - t, 'ms', Object.keys(r), r.imports, r.exports, Object.keys(r.files ?? {}));
