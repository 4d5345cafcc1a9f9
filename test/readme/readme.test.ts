// The README as pasted: every ```sh block of README.md runs, in order, in a fresh copy of this checkout
// (the example app unbuilt), against a registry and podman on 127.0.0.1. Servers that a command starts
// (`wasmkube up`, `docker-registry serve`, `podman run`) run in the background until a later one takes
// their port, or the end; `cd` changes the folder for the rest of its block. Only the SUBSTITUTIONS below
// change a command; blocks that cannot run here carry
// `<!-- readme-test: skip (why) -->`.

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from '../helpers/host.ts';
import { freePort } from '../helpers/registry.ts';
import { readmeBlocks } from './blocks.ts';

const HOST = await freePort();
const REGISTRY = await freePort();

/** Every change the test makes to a README command, in order; each names what it stands for. */
const SUBSTITUTIONS: readonly (readonly [RegExp, string, string])[] = [
  [/127\.0\.0\.1:8080/g, `127.0.0.1:${HOST}`, "the example's listen address: a free port here"],
  [/127\.0\.0\.1:5000/g, `127.0.0.1:${REGISTRY}`, 'the local registry: a free port here'],
  [/ghcr\.io\/acme/g, `127.0.0.1:${REGISTRY}/acme`, '"your registry": the local one'],
  [/^npm install$/, 'test -d node_modules', 'installed once for this checkout; the test does not reinstall'],
  [/^curl /, 'curl -fsS ', 'an HTTP error status fails the block'],
];
/** The ghcr.io stand-in speaks plain HTTP (the README's own local-registry commands pass --insecure). */
const ENV: NodeJS.ProcessEnv = (() => {
  const env: NodeJS.ProcessEnv = { ...process.env, WASMKUBE_INSECURE_REGISTRIES: `127.0.0.1:${REGISTRY}` };
  // A local run, not a pod: the test must not inherit a pod's drain delay.
  delete env.KUBERNETES_SERVICE_HOST;
  return env;
})();

function substitute(command: string): string {
  let out = command;
  for (const [re, to] of SUBSTITUTIONS) out = out.replace(re, to);
  return out;
}

interface Server {
  readonly command: string;
  readonly port: number;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  output: string;
}

const servers: Server[] = [];
const podmanImages = new Set<string>();
let work: string | undefined;

after(async () => {
  for (const s of servers.splice(0)) await stop(s);
  for (const image of podmanImages) {
    try {
      execFileSync('podman', ['rmi', '-f', image], { stdio: 'ignore' });
    } catch {}
  }
  if (work) await rm(work, { recursive: true, force: true });
});

/** The server a command starts and the port it is on, or undefined for a command that runs to its end. */
function serverPort(command: string): number | undefined {
  if (/\bwasmkube up\b/.test(command)) return HOST;
  if (/^docker-registry serve\b/.test(command)) return REGISTRY;
  if (/^podman run\b/.test(command) && !/\s-d\b/.test(command)) return HOST;
  return undefined;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function waitFor(
  what: string,
  ok: () => Promise<boolean> | boolean,
  timeoutMs: number,
  server?: Server,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline || server?.proc.exitCode != null)
      throw new Error(
        `${what} did not happen within ${timeoutMs} ms${server ? `; output:\n${server.output}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Signals the server's whole process group (podman, or npx → sh → wasmkube, not only the first). */
function signal(s: Server, sig: NodeJS.Signals): void {
  try {
    process.kill(-s.proc.pid!, sig);
  } catch {
    // Already gone.
  }
}

/** The containers publishing `port`: podman run does not always pass a signal on to its container. */
function podmanContainers(port: number): string[] {
  try {
    // podman 4.3 has no `publish` filter: match the published ports.
    return execFileSync('podman', ['ps', '--format', '{{.ID}} {{.Ports}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(`:${port}->`))
      .map((line) => line.split(' ')[0]!);
  } catch {
    return [];
  }
}

async function stop(s: Server): Promise<void> {
  if (/^podman run\b/.test(s.command)) {
    const ids = podmanContainers(s.port);
    if (ids.length > 0) execFileSync('podman', ['stop', '--time', '10', ...ids], { stdio: 'ignore' });
  }
  if (s.proc.exitCode === null) signal(s, 'SIGTERM');
  const killer = setTimeout(() => signal(s, 'SIGKILL'), 30_000);
  await s.exited;
  clearTimeout(killer);
  // `npx wasmkube up` is a grandchild of what was started: it is gone when its port is.
  await waitFor(`${s.command} stopping`, async () => !(await portOpen(s.port)), 20_000);
}

async function startServer(command: string, port: number, line: number, cwd: string): Promise<void> {
  for (const s of servers.filter((x) => x.port === port)) {
    servers.splice(servers.indexOf(s), 1);
    await stop(s);
  }
  const proc = spawn('bash', ['-c', `exec ${command}`], {
    cwd,
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping it reaches everything it started.
    detached: true,
  });
  const server: Server = {
    command,
    port,
    proc,
    exited: new Promise((r) => proc.on('exit', () => r())),
    output: '',
  };
  proc.stdout!.on('data', (d) => {
    server.output += d;
  });
  proc.stderr!.on('data', (d) => {
    server.output += d;
  });
  servers.push(server);
  const what = `README.md:${line}: \`${command}\` serving`;
  if (/\bwasmkube up\b/.test(command))
    await waitFor(what, () => server.output.includes('"msg":"listening"'), 240_000, server);
  else if (/^docker-registry/.test(command))
    await waitFor(
      what,
      () =>
        fetch(`http://127.0.0.1:${port}/v2/`).then(
          (r) => r.ok,
          () => false,
        ),
      30_000,
      server,
    );
  else {
    const image = /\s(127\.0\.0\.1:\d+\/\S+)/.exec(command)?.[1];
    if (image) podmanImages.add(image);
    await waitFor(
      what,
      () =>
        fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        ),
      120_000,
      server,
    );
  }
}

function run(command: string, line: number, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn('bash', ['-c', command], { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d) => {
      output += d;
    });
    proc.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 240_000);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `README.md:${line}: \`${command}\` failed (${signal ?? `exit ${code}`}):\n${output.slice(-4000)}`,
          ),
        );
    });
  });
}

/** A fresh copy of this checkout's files (what git would check out, plus new files), node_modules linked. */
async function freshCheckout(): Promise<string> {
  const dir = join(tmpdir(), `wasmkube-readme-${process.pid}-${Date.now().toString(36)}`);
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    await mkdir(dirname(join(dir, f)), { recursive: true });
    await cp(join(ROOT, f), join(dir, f)).catch((err: NodeJS.ErrnoException) => {
      // A file deleted but not yet staged: not part of the checkout.
      if (err.code !== 'ENOENT') throw err;
    });
  }
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const manifest = join(dir, 'examples/shop/wasmkube.yaml');
  await writeFile(
    manifest,
    substitute((await readFile(manifest, 'utf8')).replace(/^ {2}listen: .*$/m, (l) => substitute(l))),
  );
  return dir;
}

test('every ```sh block of README.md runs as pasted', { timeout: 900_000 }, async (t) => {
  const blocks = readmeBlocks(await readFile(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(blocks.length >= 8, `README.md has its command blocks (${blocks.length})`);
  const skipped = blocks.filter((b) => b.skip);
  assert.ok(
    skipped.length <= 4,
    `at most 4 blocks are skipped: ${skipped.map((b) => `${b.line} (${b.skip})`).join(', ')}`,
  );
  work = await freshCheckout();
  const timings: [number, string][] = [];
  for (const block of blocks) {
    if (block.skip) continue;
    // Each block starts at the checkout's root, as a terminal there would; `cd` holds to the block's end.
    let cwd = work;
    for (const original of block.commands) {
      const command = substitute(original);
      const cd = /^cd (\S+)$/.exec(command);
      if (cd) {
        cwd = join(cwd, cd[1]!);
        continue;
      }
      const port = serverPort(command);
      const started = performance.now();
      // Progress on stderr: a slow or stuck command shows where it is.
      process.stderr.write(`readme: README.md:${block.line}: ${command.slice(0, 100)}\n`);
      if (port === undefined) await run(command, block.line, cwd);
      else await startServer(command, port, block.line, cwd);
      timings.push([performance.now() - started, `README.md:${block.line}: ${original.slice(0, 70)}`]);
    }
  }
  // Where the time goes, slowest first (the whole test should stay around 3 minutes).
  for (const [ms, what] of timings.sort((a, b) => b[0] - a[0]).slice(0, 5))
    t.diagnostic(`${(ms / 1000).toFixed(1)} s  ${what}`);
});
