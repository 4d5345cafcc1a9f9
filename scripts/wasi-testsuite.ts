// Runs the prebuilt wasm32-wasip1 tests of WebAssembly/wasi-testsuite through the WAGI host's preview1
// (src/host/engines/wagi/preview1.ts) and prints pass/fail counts. Usage:
//   WASI_TESTSUITE_DIR=/path/to/wasi-testsuite/tests node scripts/wasi-testsuite.ts [--verbose] [FILTER]
// Each test's `root` directory is copied to a temp dir first and preopened as `/`, as the suite's
// wasmtime adapter does; each test runs in a child process, killed after 20 s.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface TestConfig {
  readonly args?: string[];
  readonly env?: Record<string, string>;
  readonly root?: string;
  readonly exit_code?: number;
  readonly stdout?: string;
}

async function runOne(wasm: string, configPath: string): Promise<void> {
  const { openHostDir } = await import('../src/host/files/grant.ts');
  const { createPreview1, ProcExit } = await import('../src/host/engines/wagi/preview1.ts');
  const config: TestConfig = existsSync(configPath) ? JSON.parse(readFileSync(configPath, 'utf8')) : {};
  let tmp: string | undefined;
  const preopens = [];
  if (config.root) {
    tmp = mkdtempSync(join(tmpdir(), 'wasi-testsuite-'));
    cpSync(join(dirname(wasm), config.root), tmp, { recursive: true, verbatimSymlinks: true });
    preopens.push({ guestPath: '/', node: openHostDir(tmp, false) });
  }
  const out: Uint8Array[] = [];
  const wasi = createPreview1(
    {
      args: [basename(wasm), ...(config.args ?? [])],
      env: Object.entries(config.env ?? {}).map(([k, v]) => `${k}=${v}`),
      stdin: new Uint8Array(0),
      stdout: (c) => out.push(c),
      stderr: (c) => process.stderr.write(c),
    },
    { preopens, ownLinks: new Set() },
  );
  const module = await WebAssembly.compile(readFileSync(wasm));
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.imports });
  wasi.bind(instance.exports.memory as WebAssembly.Memory);
  let code = 0;
  try {
    (instance.exports._start as () => void)();
  } catch (err) {
    if (err instanceof ProcExit) code = err.code;
    else {
      process.stderr.write(`trap: ${err instanceof Error ? err.stack : err}\n`);
      code = 134;
    }
  }
  wasi.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  const stdout = Buffer.concat(out).toString();
  const problems: string[] = [];
  if (code !== (config.exit_code ?? 0)) problems.push(`exit code ${code}, expected ${config.exit_code ?? 0}`);
  if (config.stdout !== undefined && stdout !== config.stdout) {
    problems.push(`stdout ${JSON.stringify(stdout)}, expected ${JSON.stringify(config.stdout)}`);
  }
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('; ')}\n`);
    process.exit(1);
  }
  process.exit(0);
}

function main(): void {
  const root = process.env.WASI_TESTSUITE_DIR;
  if (!root) {
    process.stderr.write('set WASI_TESTSUITE_DIR to the tests/ folder of a wasi-testsuite checkout\n');
    process.exit(2);
  }
  const verbose = process.argv.includes('--verbose');
  const filter = process.argv.slice(2).find((a) => !a.startsWith('--'));
  const self = fileURLToPath(import.meta.url);
  let pass = 0;
  const failed: string[] = [];
  for (const suite of ['assemblyscript', 'c', 'rust']) {
    const dir = join(root, suite, 'testsuite', 'wasm32-wasip1');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)
      .filter((f) => f.endsWith('.wasm'))
      .sort()) {
      const id = `${suite}/${name.slice(0, -5)}`;
      if (filter && !id.includes(filter)) continue;
      const wasm = join(dir, name);
      const r = spawnSync(process.execPath, [self, '--one', wasm, wasm.replace(/\.wasm$/, '.json')], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      if (r.status === 0) pass++;
      else failed.push(id);
      const detail = (r.stderr || '')
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('    at ') && !l.startsWith('note: '))
        .slice(-4)
        .join(' | ');
      if (verbose || r.status !== 0)
        process.stdout.write(
          `${r.status === 0 ? 'pass' : 'FAIL'} ${id}${r.status === 0 ? '' : `: ${detail}`}\n`,
        );
    }
  }
  process.stdout.write(`\nwasi-testsuite wasm32-wasip1: ${pass} of ${pass + failed.length} passed\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

if (process.argv[2] === '--one') await runOne(process.argv[3]!, process.argv[4]!);
else main();
