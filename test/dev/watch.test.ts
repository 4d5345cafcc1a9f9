// `up --watch` against the real CLI: an edit rebuilds only its service and swaps it into every serving
// thread under load with no failed request; a broken edit is reported with file and line, the old one serves.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { appDir, ROOT, startUp, type UpProcess } from '../helpers/host.ts';

const HELLO = await readFile(join(ROOT, 'guests/wat/hello-component.wat'), 'utf8');
/** The hello component answering "hello from waNN\n" (the same length as the original text). */
const version = (n: number) =>
  HELLO.replaceAll('"hello from wasm\\n"', `"hello from wa${String(n).padStart(2, '0')}\\n"`);
const BUILD = (name: string) =>
  `node ${join(ROOT, 'src/build/cli.ts')} wat ${name}/src/hello.wat -o ${name}/dist/${name}.wasm`;

async function app(names: readonly string[], workers: number): Promise<string> {
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: watched
host: { workers: ${workers} }
services:
${names
  .map(
    (n) => `  ${n}:
    source: ${n}/dist/${n}.wasm
    build: { command: "${BUILD(n)}", watch: ["${n}/src/**"] }
    routes: ["/${n}"]`,
  )
  .join('\n')}
`);
  const { mkdir } = await import('node:fs/promises');
  for (const n of names) {
    await mkdir(join(dir, n, 'src'), { recursive: true });
    await writeFile(join(dir, n, 'src/hello.wat'), version(1));
  }
  return dir;
}

const running: UpProcess[] = [];
after(async () => {
  for (const up of running) await up.stop();
});

async function up(dir: string): Promise<UpProcess> {
  const u = await startUp([dir, '--watch'], { env: { WASMKUBE_CACHE_DIR: join(dir, '.cache') } });
  running.push(u);
  return u;
}

/** The index-th log line with msg `msg` for `service` (0-based), waiting for it. */
function nth(u: UpProcess, msg: string, service: string, index: number) {
  return u.waitForLog(
    (l) =>
      l.msg === msg &&
      l.service === service &&
      u.logs.filter((x) => x.msg === msg && x.service === service).indexOf(l) === index,
    90_000,
  );
}

async function stderrMatches(u: UpProcess, re: RegExp): Promise<void> {
  // stderr and stdout are separate pipes: a progress line may land after the JSON line it goes with.
  for (let i = 0; i < 100 && !re.test(u.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(u.stderr(), re);
}

async function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: agent ?? false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** POSTs `parts` `gapMs` apart, so the request stays in flight; resolves with status and body. */
function slowPost(url: string, parts: string[], gapMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('close', () => {
        if (!res.complete) reject(new Error(`response cut off after ${body.length} bytes`));
      });
    });
    req.on('error', reject);
    (async () => {
      for (const p of parts) {
        req.write(p);
        await new Promise((r) => setTimeout(r, gapMs));
      }
      req.end();
    })();
  });
}

describe('up --watch', () => {
  test('a request in flight finishes on the old version while new ones get the new one (a .wasm replaced)', async () => {
    const { guestPath } = await import('../helpers/guests.ts');
    const { copyFile, mkdir, rename } = await import('node:fs/promises');
    const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: replaced
host: { workers: 1 }
services:
  svc: { source: dist/svc.wasm, routes: ["/..."] }
`);
    await mkdir(join(dir, 'dist'));
    await copyFile(await guestPath('echo-component'), join(dir, 'dist/svc.wasm'));
    const hello = await guestPath('hello-component');
    const u = await up(dir);
    const parts = Array.from({ length: 30 }, (_, i) => `part ${i};`);
    let finished = false;
    const inFlight = slowPost(`${u.url}/slow`, parts, 300).finally(() => {
      finished = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    // Replaced the way a build tool does: written next to it, renamed over it.
    await copyFile(hello, join(dir, 'dist/svc.wasm.tmp'));
    await rename(join(dir, 'dist/svc.wasm.tmp'), join(dir, 'dist/svc.wasm'));
    await nth(u, 'reloaded', 'svc', 0);
    assert.equal((await get(`${u.url}/new`)).body, 'hello from wasm\n', 'new requests: the new module');
    assert.equal(finished, false, 'the slow request was still in flight across the swap');
    const old = await inFlight;
    assert.equal(old.status, 200);
    assert.equal(old.body, parts.join(''), 'the request in flight finished on the old module, whole');
  });

  test('an edit swaps in under load on every thread: no failed request, new connections get it', async () => {
    const dir = await app(['hello'], 2);
    const u = await up(dir);
    assert.equal((await get(`${u.url}/hello`)).body, 'hello from wa01\n');

    // Bounded load: 8 keep-alive clients, each looping until told to stop (at most 60 s).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const results = { ok: 0, failed: [] as string[], bodies: new Set<string>() };
    let stop = false;
    const deadline = Date.now() + 60_000;
    const client = async () => {
      while (!stop && Date.now() < deadline) {
        try {
          const r = await get(`${u.url}/hello`, agent);
          if (r.status === 200) results.ok++;
          else results.failed.push(`${r.status} ${r.body}`);
          results.bodies.add(r.body);
        } catch (err) {
          results.failed.push(String(err));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, client));
    for (const n of [2, 3]) {
      await writeFile(join(dir, 'hello/src/hello.wat'), version(n));
      await nth(u, 'reloaded', 'hello', n - 2);
      // reload resolves once every thread swapped: fresh connections (either thread) get the new one.
      for (let i = 0; i < 10; i++) assert.equal((await get(`${u.url}/hello`)).body, `hello from wa0${n}\n`);
    }
    stop = true;
    await load;
    agent.destroy();
    assert.deepEqual(results.failed, [], 'no request failed during the swaps');
    assert.ok(results.ok > 50, `requests served under load: ${results.ok}`);
    assert.deepEqual(
      [...results.bodies].sort(),
      ['hello from wa01\n', 'hello from wa02\n', 'hello from wa03\n'].filter((b) => results.bodies.has(b)),
    );
    assert.ok(results.bodies.has('hello from wa03\n'), 'the keep-alive connections moved to the new version');
  });

  test('a broken edit is reported with file and line and the old version keeps serving; the fix swaps in', async () => {
    const dir = await app(['hello'], 1);
    const u = await up(dir);
    const broken = version(2).replace(
      '(memory (export "memory") 1)',
      '(memory (export "memory") 1)\n  (func oops',
    );
    await writeFile(join(dir, 'hello/src/hello.wat'), broken);
    const failed = await nth(u, 'failed', 'hello', 0);
    assert.equal(failed.stage, 'build');
    await stderrMatches(u, /hello: build failed; the previous version keeps serving/);
    assert.match(u.stderr(), /hello\/src\/hello\.wat:23:9: unknown operator or unexpected token/);
    assert.equal((await get(`${u.url}/hello`)).body, 'hello from wa01\n');
    await writeFile(join(dir, 'hello/src/hello.wat'), version(4));
    await nth(u, 'reloaded', 'hello', 0);
    assert.equal((await get(`${u.url}/hello`)).body, 'hello from wa04\n');
  });

  test('a declared toolchain is watched through its sources by default; its errors name file and line', async () => {
    const { mkdir } = await import('node:fs/promises');
    const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: declared
host: { workers: 1 }
services:
  svc:
    source: svc/dist/svc.wasm
    build: { toolchain: wat, entry: svc/src/hello.wat }
    routes: ["/svc"]
`);
    await mkdir(join(dir, 'svc/src'), { recursive: true });
    await writeFile(join(dir, 'svc/src/hello.wat'), version(1));
    const u = await up(dir);
    assert.equal((await get(`${u.url}/svc`)).body, 'hello from wa01\n');
    await writeFile(
      join(dir, 'svc/src/hello.wat'),
      version(1).replace('(memory (export "memory") 1)', '(memory (export "memory") 1)\n  (func oops'),
    );
    await nth(u, 'failed', 'svc', 0);
    await stderrMatches(u, /svc\/src\/hello\.wat:23:9: unknown operator or unexpected token/);
    assert.equal((await get(`${u.url}/svc`)).body, 'hello from wa01\n');
    await writeFile(join(dir, 'svc/src/hello.wat'), version(6));
    await nth(u, 'reloaded', 'svc', 0);
    assert.equal((await get(`${u.url}/svc`)).body, 'hello from wa06\n');
  });

  test('only the edited service rebuilds; the others keep their engine', async () => {
    const dir = await app(['alpha', 'beta'], 1);
    const u = await up(dir);
    const startupBuilds = (u.stderr().match(/building /g) ?? []).length;
    assert.equal(startupBuilds, 2, 'both were built at start (no .wasm yet)');
    await writeFile(join(dir, 'alpha/src/hello.wat'), version(5));
    await nth(u, 'reloaded', 'alpha', 0);
    assert.equal((await get(`${u.url}/alpha`)).body, 'hello from wa05\n');
    assert.equal((await get(`${u.url}/beta`)).body, 'hello from wa01\n');
    const after = u
      .stderr()
      .split('\n')
      .filter((l) => /building /.test(l));
    assert.deepEqual(
      after.slice(2).map((l) => /building (\w+)/.exec(l)?.[1]),
      ['alpha'],
    );
    assert.ok(!u.logs.some((l) => l.service === 'beta' && (l.msg === 'changed' || l.msg === 'reloaded')));
  });
});
