// parseManifest: a full manifest normalizes to the app model, and each kind of mistake is reported at
// its exact file:line:col with the field path and a fix, all mistakes in one error.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AppManifest,
  appManifestForSingleModule,
  ManifestError,
  parseManifest,
} from '../../src/manifest/index.ts';

const FULL = `apiVersion: wasmkube.dev/v1alpha1
kind: App
name: shop
host:
  listen: 0.0.0.0:9090
  workers: 4
  shutdown:
    drainDelay: 2s
    gracePeriod: 1m
services:
  payments:
    source: oci://ghcr.io/acme/payments:1.2.0
    routes: ["/payments/...", "/refunds/"]
  orders:
    source: orders/dist/orders.wasm
    build:
      command: npm run build
      workdir: orders
      watch: ["orders/src/**"]
    routes: ["/orders"]
    env: { LOG_LEVEL: info, A_FIRST: "1" }
    allowedOutboundHosts: ["http://payments", "https://api.example.com:443", "http://payments/"]
    limits:
      memory: 64Mi
      timeout: 10s
      maxBodySize: 1Mi
      concurrency: 64
    isolation: fresh
    kubernetes:
      mode: wasm
      replicas: 2
      runtimeClassName: wasmtime
      resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: 0.5, memory: 128Mi } }
      autoscaling: { minReplicas: 2, maxReplicas: 10, cpu: 70, memory: 80 }
`;

const DEFAULT_KUBERNETES = {
  mode: 'container',
  replicas: 1,
  resources: { requests: {}, limits: {} },
} as const;
const DEFAULT_HTTP = {
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  firstByteTimeoutMs: 5000,
  maxConnections: 4096,
  maxHeaderBytes: 16 * 1024,
  maxUrlBytes: 8 * 1024,
};

const DEFAULT_LIMITS = {
  memoryBytes: 128 * 2 ** 20,
  timeoutMs: 30_000,
  maxBodyBytes: 10 * 2 ** 20,
  concurrency: 1000,
};

/** Parses `text` expecting failure; returns the error. */
function failure(text: string): ManifestError {
  try {
    parseManifest(text, 'wasmkube.yaml');
  } catch (err) {
    assert.ok(err instanceof ManifestError, `expected a ManifestError, got ${err}`);
    return err;
  }
  assert.fail('expected parseManifest to throw');
}

/** A minimal valid manifest with `extra` lines appended to service `orders`. */
function withOrders(extra: string): string {
  return `apiVersion: wasmkube.dev/v1alpha1
name: shop
services:
  orders:
    source: orders.wasm
    routes: ["/orders"]
${extra}`;
}

describe('parseManifest: valid input', () => {
  it('normalizes a full manifest', () => {
    const expected: AppManifest = {
      apiVersion: 'wasmkube.dev/v1alpha1',
      name: 'shop',
      host: {
        listen: { host: '0.0.0.0', port: 9090 },
        workers: 4,
        shutdown: { drainDelayMs: 2000, gracePeriodMs: 60_000 },
        http: DEFAULT_HTTP,
      },
      services: [
        {
          name: 'orders',
          source: { kind: 'file', path: 'orders/dist/orders.wasm' },
          build: { command: 'npm run build', workdir: 'orders', watch: ['orders/src/**'] },
          routes: [{ pattern: '/orders', prefix: '/orders', wildcard: false }],
          env: { A_FIRST: '1', LOG_LEVEL: 'info' },
          allowedOutboundHosts: ['http://payments', 'https://api.example.com:443'],
          limits: { memoryBytes: 64 * 2 ** 20, timeoutMs: 10_000, maxBodyBytes: 2 ** 20, concurrency: 64 },
          isolation: 'fresh',
          kubernetes: {
            mode: 'wasm',
            replicas: 2,
            runtimeClassName: 'wasmtime',
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '0.5', memory: '128Mi' } },
            autoscaling: { minReplicas: 2, maxReplicas: 10, cpu: 70, memory: 80 },
          },
        },
        {
          name: 'payments',
          source: { kind: 'oci', ref: 'ghcr.io/acme/payments:1.2.0' },
          routes: [
            { pattern: '/payments/...', prefix: '/payments', wildcard: true },
            { pattern: '/refunds/', prefix: '/refunds', wildcard: false },
          ],
          env: {},
          allowedOutboundHosts: [],
          limits: DEFAULT_LIMITS,
          isolation: 'auto',
          kubernetes: DEFAULT_KUBERNETES,
        },
      ],
    };
    assert.deepStrictEqual(parseManifest(FULL, 'wasmkube.yaml'), expected);
  });

  it('fills in every default', () => {
    const app = parseManifest(withOrders(''), 'wasmkube.yaml');
    assert.deepStrictEqual(app, {
      apiVersion: 'wasmkube.dev/v1alpha1',
      name: 'shop',
      host: {
        listen: { host: '127.0.0.1', port: 8080 },
        workers: 'auto',
        shutdown: { drainDelayMs: 5000, gracePeriodMs: 30_000 },
        http: DEFAULT_HTTP,
      },
      services: [
        {
          name: 'orders',
          source: { kind: 'file', path: 'orders.wasm' },
          routes: [{ pattern: '/orders', prefix: '/orders', wildcard: false }],
          env: {},
          allowedOutboundHosts: [],
          limits: DEFAULT_LIMITS,
          isolation: 'auto',
          kubernetes: DEFAULT_KUBERNETES,
        },
      ],
    });
  });

  it('defaults build.workdir to the manifest folder and autoscaling to 80% cpu', () => {
    const app = parseManifest(
      withOrders('    build: { command: make }\n    kubernetes: { autoscaling: { maxReplicas: 3 } }\n'),
      'wasmkube.yaml',
    );
    assert.deepStrictEqual(app.services[0].build, { command: 'make', workdir: '.', watch: [] });
    assert.deepStrictEqual(app.services[0].kubernetes.autoscaling, {
      minReplicas: 1,
      maxReplicas: 3,
      cpu: 80,
    });
  });

  it('accepts integer bytes, integer milliseconds and a bare port', () => {
    const text = withOrders('    limits: { memory: 1048576, timeout: 250, maxBodySize: 0 }\n').replace(
      'name: shop\n',
      'name: shop\nhost: { listen: 3000 }\n',
    );
    const app = parseManifest(text, 'wasmkube.yaml');
    assert.deepStrictEqual(app.host.listen, { host: '127.0.0.1', port: 3000 });
    assert.deepStrictEqual(app.services[0].limits, {
      memoryBytes: 1048576,
      timeoutMs: 250,
      maxBodyBytes: 0,
      concurrency: 1000,
    });
  });
});

describe('parseManifest: errors', () => {
  const cases: { name: string; text: string; lines: (string | RegExp)[]; fix: RegExp | string }[] = [
    {
      name: 'unknown key with a suggestion',
      text: withOrders('    limts:\n      memory: 64Mi\n'),
      lines: ["wasmkube.yaml:7:5: services.orders.limts: unknown field 'limts': did you mean limits?"],
      fix: 'rename it to limits',
    },
    {
      name: 'unknown key without a suggestion',
      text: withOrders('    colour: blue\n'),
      lines: ["wasmkube.yaml:7:5: services.orders.colour: unknown field 'colour'"],
      fix: /^remove it; allowed here: source, build, routes, /,
    },
    {
      name: 'wrong type',
      text: withOrders('    limits: 64Mi\n'),
      lines: ["wasmkube.yaml:7:13: services.orders.limits: expected a map, got the string '64Mi'"],
      fix: 'write limits: followed by indented fields',
    },
    {
      name: 'bad size',
      text: withOrders('    limits:\n      memory: 64MB!\n'),
      lines: ["wasmkube.yaml:8:15: services.orders.limits.memory: '64MB!' is not a size"],
      fix: /use a size such as 64Mi/,
    },
    {
      name: 'size out of range',
      text: withOrders('    limits: { memory: 8Gi }\n'),
      lines: [
        "wasmkube.yaml:7:23: services.orders.limits.memory: '8Gi' is out of range: must be from 64Ki to 4Gi",
      ],
      fix: 'use a size from 64Ki to 4Gi',
    },
    {
      name: 'bad duration',
      text: withOrders('    limits:\n      timeout: 10 seconds\n'),
      lines: ["wasmkube.yaml:8:16: services.orders.limits.timeout: '10 seconds' is not a duration"],
      fix: /use a duration such as 500ms, 10s/,
    },
    {
      name: 'duration of the wrong type',
      text: withOrders('    limits:\n      timeout: true\n'),
      lines: [
        'wasmkube.yaml:8:16: services.orders.limits.timeout: expected a duration such as 10s or a number of milliseconds, got the boolean true',
      ],
      fix: 'use a duration such as 500ms, 10s or 2m',
    },
    {
      name: 'bad route',
      text: withOrders('').replace('["/orders"]', '["/orders", "orders/*"]'),
      lines: ["wasmkube.yaml:6:25: services.orders.routes[1]: route 'orders/*' does not start with '/'"],
      fix: "write it as '/orders/*'",
    },
    {
      name: 'reserved route',
      text: withOrders('').replace('["/orders"]', '["/orders", "/health"]'),
      lines: [
        "wasmkube.yaml:6:25: services.orders.routes[1]: route '/health' is reserved: the host serves /health itself",
      ],
      fix: /^choose another path/,
    },
    {
      name: 'no routes',
      text: withOrders('').replace('["/orders"]', '[]'),
      lines: ['wasmkube.yaml:6:13: services.orders.routes: needs at least one route'],
      fix: /routes: \["\/orders"\]/,
    },
    {
      name: 'duplicate route across services',
      text: withOrders(
        '  carts:\n    source: carts.wasm\n    routes:\n      - /carts\n      - /orders/...\n',
      ),
      lines: [
        "wasmkube.yaml:11:9: services.carts.routes[1]: route '/orders/...' is already claimed by service orders (as '/orders')",
      ],
      fix: 'give /orders to one service: remove it here or from orders',
    },
    {
      name: 'env number value',
      text: withOrders('    env:\n      LOG_LEVEL: info\n      PORT: 8080\n'),
      lines: [
        'wasmkube.yaml:9:13: services.orders.env.PORT: env var PORT must be a string, got the number 8080',
      ],
      fix: 'quote it: PORT: "8080"',
    },
    {
      name: 'env boolean value',
      text: withOrders('    env: { DEBUG: yes, VERBOSE: true }\n'),
      lines: [
        'wasmkube.yaml:7:33: services.orders.env.VERBOSE: env var VERBOSE must be a string, got the boolean true',
      ],
      fix: 'quote it: VERBOSE: "true"',
    },
    {
      name: 'missing services',
      text: 'apiVersion: wasmkube.dev/v1alpha1\nname: shop\n',
      lines: ["wasmkube.yaml:1:1: services: missing required field 'services'"],
      fix: /services:/,
    },
    {
      name: 'empty services',
      text: 'apiVersion: wasmkube.dev/v1alpha1\nname: shop\nservices: {}\n',
      lines: ['wasmkube.yaml:3:11: services: has no services'],
      fix: /^add a service/,
    },
    {
      name: 'missing required field in a service',
      text: withOrders('').replace('    source: orders.wasm\n', ''),
      lines: ["wasmkube.yaml:5:5: services.orders.source: missing required field 'source'"],
      fix: 'write source: path/to/service.wasm',
    },
    {
      name: 'bad service name',
      text: withOrders('  Order_Items:\n    source: items.wasm\n    routes: ["/items"]\n'),
      lines: [
        "wasmkube.yaml:7:3: services.Order_Items: 'Order_Items' is not a valid service name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
      ],
      fix: 'rename it, e.g. my-service',
    },
    {
      name: 'bad app name',
      text: withOrders('').replace('name: shop', 'name: -shop'),
      lines: [/^wasmkube\.yaml:2:7: name: '-shop' is not a valid app name/],
      fix: /^rename it/,
    },
    {
      name: 'wrong apiVersion',
      text: withOrders('').replace('v1alpha1', 'v1'),
      lines: [
        "wasmkube.yaml:1:13: apiVersion: expected wasmkube.dev/v1alpha1, got the string 'wasmkube.dev/v1'",
      ],
      fix: 'write apiVersion: wasmkube.dev/v1alpha1 as the first line',
    },
    {
      name: 'empty service',
      text: withOrders('  carts:\n'),
      lines: ['wasmkube.yaml:7:3: services.carts: expected a map, got an empty value'],
      fix: 'write carts: followed by indented fields',
    },
    {
      name: 'runtimeClassName without mode wasm',
      text: withOrders('    kubernetes:\n      runtimeClassName: wasmtime\n'),
      lines: [
        'wasmkube.yaml:8:25: services.orders.kubernetes.runtimeClassName: runtimeClassName only applies to mode: wasm, not container',
      ],
      fix: 'set mode: wasm, or remove runtimeClassName',
    },
    {
      name: 'bad outbound host',
      text: withOrders('    allowedOutboundHosts: ["https://api.example.com/v1"]\n'),
      lines: [
        "wasmkube.yaml:7:28: services.orders.allowedOutboundHosts[0]: 'https://api.example.com/v1' is not scheme://host[:port]: remove the path",
      ],
      fix: /^write scheme:\/\/host\[:port\]/,
    },
    {
      name: 'bad workers',
      text: withOrders('').replace('name: shop\n', 'name: shop\nhost:\n  workers: many\n'),
      lines: [
        "wasmkube.yaml:4:12: host.workers: expected 'auto' or a whole number from 1 to 256, got the string 'many'",
      ],
      fix: /^use 'auto'/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const err = failure(c.text);
      assert.equal(err.code, 'MANIFEST_INVALID');
      const lines = err.message.split('\n');
      assert.equal(lines.length, c.lines.length, err.message);
      c.lines.forEach((line, i) => {
        if (typeof line === 'string') assert.equal(lines[i], line);
        else assert.match(lines[i], line);
      });
      if (typeof c.fix === 'string') assert.equal(err.fix, c.fix);
      else assert.match(err.fix ?? '', c.fix);
    });
  }

  it('reports YAML syntax errors as MANIFEST_PARSE with a position', () => {
    const err = failure('apiVersion: wasmkube.dev/v1alpha1\nname: shop: cart\n');
    assert.equal(err.code, 'MANIFEST_PARSE');
    assert.equal(
      err.message,
      'wasmkube.yaml:2:7: YAML syntax: Nested mappings are not allowed in compact mappings',
    );
    assert.match(err.fix ?? '', /^quote a value/);
  });

  it('reports an unclosed flow list with the bracket to add', () => {
    const err = failure(
      'apiVersion: wasmkube.dev/v1alpha1\nname: shop\nservices:\n  orders:\n    routes: ["/orders"\n',
    );
    assert.equal(err.code, 'MANIFEST_PARSE');
    assert.match(err.message, /^wasmkube\.yaml:6:1: YAML syntax: Flow sequence .* end with a \]$/);
    assert.match(err.fix ?? '', /^close it with \]/);
  });

  it('reports tabs used as indentation', () => {
    const err = failure('apiVersion: wasmkube.dev/v1alpha1\nhost:\n\tworkers: 2\n');
    assert.equal(err.code, 'MANIFEST_PARSE');
    assert.equal(err.message, 'wasmkube.yaml:3:1: YAML syntax: Tabs are not allowed as indentation');
    assert.equal(err.fix, 'indent with spaces, not tabs');
  });

  it('reports duplicate keys as YAML errors', () => {
    const err = failure('apiVersion: wasmkube.dev/v1alpha1\nname: shop\nname: cart\n');
    assert.equal(err.code, 'MANIFEST_PARSE');
    assert.equal(err.message, "wasmkube.yaml:3:1: YAML syntax: duplicate key 'name'");
  });

  it('reports an empty file', () => {
    const err = failure('# nothing yet\n');
    assert.equal(err.message, 'wasmkube.yaml:1:1: the manifest is empty');
    assert.match(err.fix ?? '', /apiVersion: wasmkube\.dev\/v1alpha1/);
  });

  it('reports every issue, sorted by position, each with a fix', () => {
    const text = `apiVersion: wasmkube.dev/v1alpha1
name: shop
servces: {}
services:
  orders:
    source: orders.wasm
    routes: ["/orders"]
    limits: { memory: 64Q, timeout: 1d }
    env: { PORT: 8080 }
  carts:
    source: carts.wasm
    routes: ["/orders"]
`;
    const err = failure(text);
    assert.deepEqual(err.message.split('\n'), [
      "wasmkube.yaml:3:1: servces: unknown field 'servces': did you mean services?",
      "wasmkube.yaml:8:23: services.orders.limits.memory: '64Q' has an unknown size unit 'Q'",
      "wasmkube.yaml:8:37: services.orders.limits.timeout: '1d' has an unknown duration unit 'd'",
      'wasmkube.yaml:9:18: services.orders.env.PORT: env var PORT must be a string, got the number 8080',
      "wasmkube.yaml:12:14: services.carts.routes[0]: route '/orders' is already claimed by service orders (as '/orders')",
    ]);
    assert.equal(err.issues.length, 5);
    assert.deepEqual(
      err.issues.map((i) => [i.line, i.col, i.path]),
      [
        [3, 1, 'servces'],
        [8, 23, 'services.orders.limits.memory'],
        [8, 37, 'services.orders.limits.timeout'],
        [9, 18, 'services.orders.env.PORT'],
        [12, 14, 'services.carts.routes[0]'],
      ],
    );
    assert.equal(err.fix?.split('\n').length, 5);
    assert.match(err.fix ?? '', /^servces: rename it to services$/m);
  });
});

describe('appManifestForSingleModule', () => {
  it('serves one module on every path with default limits', () => {
    const app = appManifestForSingleModule('/tmp/build/Hello_World.wasm', ':9000');
    assert.equal(app.name, 'hello-world');
    assert.deepStrictEqual(app.host.listen, { host: '0.0.0.0', port: 9000 });
    assert.deepStrictEqual(app.services, [
      {
        name: 'hello-world',
        source: { kind: 'file', path: '/tmp/build/Hello_World.wasm' },
        routes: [{ pattern: '/...', prefix: '/', wildcard: true }],
        env: {},
        allowedOutboundHosts: [],
        limits: DEFAULT_LIMITS,
        isolation: 'auto',
        kubernetes: DEFAULT_KUBERNETES,
      },
    ]);
  });

  it('defaults the listen address and names odd files', () => {
    const app = appManifestForSingleModule('/x/__.wasm');
    assert.equal(app.services[0].name, 'service');
    assert.deepStrictEqual(app.host.listen, { host: '127.0.0.1', port: 8080 });
  });

  it('refuses a bad listen address as a bad argument', () => {
    assert.throws(() => appManifestForSingleModule('a.wasm', 'nope'), {
      code: 'BAD_ARGUMENT',
      message: /^--listen: /,
    });
  });
});
