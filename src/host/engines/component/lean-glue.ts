// Post-processes the JS glue jco-transpile 0.1 generates into the lean glue the host runs: no debug
// logging, no per-call task bookkeeping, results passed through, and owned host resources dropped.

/**
 * Each rewrite is anchored on a shape jco emits and checked by the component tests; together they take
 * the tiny component from ~10k to ~22k req/s (docs/benchmarks.md):
 * - `_debugLog(...)` statements go: each read `process.env.JCO_DEBUG` (~30% of CPU) and some allocate.
 * - `startCurrentTask`/`endCurrentTask` go: they allocate a task, a promise and a BigInt per import
 *   call, for component-model async features a wasi:http 0.2 guest cannot use.
 * - `ret = { tag: 'ok', val: CALL };` becomes `ret = asResult(CALL);`: jco 0.1 expects host functions
 *   returning a `result` to throw for `err`; the host may return `{ tag, val }` instead (no exception on
 *   a hot path such as the end of a body), as later jco releases accept.
 * - jco 0.1 throws "unreachable trampoline" when a guest drops an owned resource the host created (the
 *   incoming request); it is disposed of instead, as later jco releases do.
 * - Byte lists are copied out of guest memory with `TypedArray#slice`, not `ArrayBuffer#slice`: small
 *   copies then live on V8's heap instead of in a malloc'd backing store each.
 * - `output-stream.write` and `blocking-write-and-flush` get a view of guest memory; the host copies.
 * - The exports gain `__wasmkubeHeld()`: how many host resources the guest still owns. An instance that
 *   holds none can be reset to its first state (see snapshot.ts); one that holds any cannot.
 */
export function leanGlue(js: string): string {
  let out = stripStatements(js, '_debugLog(');
  out = out
    .replace(/^\s*const _(?:interface|wasm)_call_currentTaskID = startCurrentTask\([^;\n]*\);\n/gm, '')
    .replace(/^\s*endCurrentTask\(0\);\n/gm, '')
    .replace(/^(\s*)ret = \{ tag: 'ok', val: (.*)\};$/gm, '$1ret = asResult($2);')
    .replace(
      /throw new TypeError\('unreachable trampoline for resource \[ResourceIndex\((\d+)\)\]'\)/g,
      '{ const rsc = captureTable$1.get(handleEntry.rep); if (rsc) { rsc[symbolDispose]?.(); captureTable$1.delete(handleEntry.rep); } }',
    )
    .replaceAll('globalThis?.process?.env?.JCO_DEBUG', 'false')
    .replace(
      /new Uint8Array\((memory\d+)\.buffer\.slice\((\w+), \2 \+ (\w+) \* 1\)\)/g,
      'new Uint8Array($1.buffer, $2, $3).slice()',
    );
  // Stream writes get a view of guest memory, not a copy: the host copies what it keeps (io.ts), into
  // buffers of its own choosing, while the call lasts.
  out = out.replace(
    /var (result\d+) = new Uint8Array\((memory\d+)\.buffer, (\w+), (\w+)\)\.slice\(\);((?:(?!\bfunction\b)[\s\S])*?rsc0\.(?:write|blockingWriteAndFlush)\(\1\))/g,
    'var $1 = new Uint8Array($2.buffer, $3, $4);$5',
  );
  // The exported handler hands back the promise JSPI gives, without an async wrapper around it.
  out = out.replace(
    /async function handle\((arg0, arg1)\) \{([\s\S]*?)await (incomingHandler\d+Handle)\(handle0, handle1\);\n(\s*)\}/,
    'function handle($1) {$2return $3(handle0, handle1);\n$4}',
  );
  const tables = [...out.matchAll(/const (captureTable\d+) ?= ?new Map\(\);/g)].map((m) => `${m[1]}.size`);
  out = out.replace(
    /return \{ incomingHandler: /,
    `return { __wasmkubeHeld: () => ${tables.length > 0 ? tables.join(' + ') : '0'}, incomingHandler: `,
  );
  return `${AS_RESULT}\n${out}`;
}

const AS_RESULT = `function asResult(v) {
  return v !== null && typeof v === 'object' && (v.tag === 'ok' || v.tag === 'err') ? v : { tag: 'ok', val: v };
}`;

/** Removes every statement `CALL...);` that starts a line, matching parentheses and skipping strings. */
function stripStatements(js: string, call: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const at = js.indexOf(call, from);
    if (at === -1) break;
    const lineStart = js.lastIndexOf('\n', at) + 1;
    if (js.slice(lineStart, at).trim() !== '') {
      out += js.slice(from, at + call.length);
      from = at + call.length;
      continue;
    }
    const end = closingParen(js, at + call.length);
    if (end === -1 || js[end + 1] !== ';') {
      out += js.slice(from, at + call.length);
      from = at + call.length;
      continue;
    }
    out += js.slice(from, lineStart);
    from = end + 2;
    if (js[from] === '\n') from++;
  }
  return out + js.slice(from);
}

function closingParen(js: string, i: number): number {
  let depth = 1;
  while (i < js.length) {
    const c = js[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < js.length && js[i] !== c) i += js[i] === '\\' ? 2 : 1;
    } else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      if (--depth === 0) return c === ')' ? i : -1;
    }
    i++;
  }
  return -1;
}
