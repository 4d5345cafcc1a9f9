// A registry client over fetch, per the OCI distribution spec: blobs (HEAD, monolithic and chunked
// upload, cross-repository mount), manifests and indexes, auth challenges, retries with backoff.
// @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md

import { WasmkubeError } from '../errors.ts';
import { basicHeader, type Challenge, fetchToken, parseChallenge } from './auth-challenge.ts';
import { type Credentials, credentialsFor } from './credentials.ts';
import { sha256, verifyDigest } from './digest.ts';
import { MEDIA } from './types.ts';

export interface RegistryClientOptions {
  /** Plain HTTP instead of HTTPS, for a local registry; only when asked. @default false */
  readonly insecure?: boolean;
  /** @default read from $DOCKER_CONFIG/config.json or ~/.docker/config.json */
  readonly credentials?: Credentials;
  /** Tries per request on a dropped connection, 429 or 5xx. @default 4 */
  readonly attempts?: number;
  /** First retry delay, doubled each time. @default 200 */
  readonly backoffMs?: number;
  /** Blobs larger than this are uploaded in PATCH chunks of this size. @default 16 MiB */
  readonly chunkSize?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Told when something is allowed but worth a look (credentials sent to a token service on another
   * host). @default a `wasmkube: warning: …` line on stderr
   */
  readonly onWarning?: (message: string) => void;
}

export type BlobPushResult = 'exists' | 'mounted' | 'uploaded';

const MANIFEST_ACCEPT = [MEDIA.manifest, MEDIA.index, MEDIA.dockerManifest, MEDIA.dockerList].join(', ');

interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array;
  /** Repository scopes this request needs, for Bearer tokens. */
  readonly scopes: readonly string[];
  /** Retry transient failures; off for requests that continue an upload session. @default true */
  readonly retry?: boolean;
}

export class RegistryClient {
  readonly registry: string;
  readonly #base: string;
  readonly #opts: RegistryClientOptions;
  readonly #fetch: typeof fetch;
  #credentials: Credentials | undefined | null = null;
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, string>();
  readonly #warned = new Set<string>();

  constructor(registry: string, opts: RegistryClientOptions = {}) {
    this.registry = registry;
    this.#opts = opts;
    this.#base = `${opts.insecure ? 'http' : 'https'}://${registry}`;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    if (opts.credentials) this.#credentials = opts.credentials;
  }

  /** True when the repository has the blob (HEAD). */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.#request('HEAD', `/v2/${repository}/blobs/${digest}`, {
      scopes: [pull(repository)],
    });
    if (res.status === 404) return false;
    await this.#expect(res, [200], `HEAD blob ${digest} in ${repository}`);
    return true;
  }

  /**
   * Makes sure the repository has the blob: nothing when it has it, a mount when `mountFrom` (another
   * repository on this registry) has it, else an upload (chunked above `chunkSize`).
   */
  async pushBlob(
    repository: string,
    digest: string,
    data: Uint8Array,
    mountFrom?: string,
  ): Promise<BlobPushResult> {
    if (await this.hasBlob(repository, digest)) return 'exists';
    const scopes = [push(repository), ...(mountFrom ? [pull(mountFrom)] : [])];
    const attempts = this.#opts.attempts ?? 4;
    // An upload session does not survive a dropped connection: retry the whole upload, not one request.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#upload(repository, digest, data, scopes, mountFrom);
      } catch (err) {
        if (!isTransient(err) || attempt >= attempts) throw err;
        await sleep(this.#backoff(attempt));
      }
    }
  }

  async #upload(
    repository: string,
    digest: string,
    data: Uint8Array,
    scopes: readonly string[],
    mountFrom: string | undefined,
  ): Promise<BlobPushResult> {
    const query = mountFrom
      ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}`
      : '';
    const start = await this.#request('POST', `/v2/${repository}/blobs/uploads/${query}`, {
      scopes,
      retry: false,
    });
    if (mountFrom && start.status === 201) {
      await start.body?.cancel();
      return 'mounted';
    }
    await this.#expect(start, [202], `start upload of ${digest} to ${repository}`);
    let location = this.#location(start);
    const chunkSize = this.#opts.chunkSize ?? 16 * 1024 * 1024;
    let body: Uint8Array | undefined = data;
    if (data.byteLength > chunkSize) {
      for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
        const chunk = data.subarray(offset, Math.min(offset + chunkSize, data.byteLength));
        const res = await this.#request('PATCH', location, {
          scopes,
          retry: false,
          body: chunk,
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + chunk.byteLength - 1}`,
          },
        });
        await this.#expect(res, [202], `upload chunk at ${offset} of ${digest} to ${repository}`);
        location = this.#location(res);
      }
      body = undefined;
    }
    const sep = location.includes('?') ? '&' : '?';
    const done = await this.#request('PUT', `${location}${sep}digest=${encodeURIComponent(digest)}`, {
      scopes,
      retry: false,
      ...(body ? { body, headers: { 'content-type': 'application/octet-stream' } } : {}),
    });
    await this.#expect(done, [201], `finish upload of ${digest} to ${repository}`);
    return 'uploaded';
  }

  /** The blob's bytes, verified against its digest. */
  async getBlob(repository: string, digest: string): Promise<Uint8Array> {
    const res = await this.#request('GET', `/v2/${repository}/blobs/${digest}`, {
      scopes: [pull(repository)],
    });
    await this.#expect(res, [200], `blob ${digest} in ${repository}`);
    const data = await this.#readBody(res, `blob ${digest} in ${repository}`);
    verifyDigest(data, digest, `${this.registry}/${repository} blob`);
    return data;
  }

  /**
   * A manifest or index by tag or digest, with its media type and digest. By digest it is verified; by
   * tag it is checked against the `Docker-Content-Digest` the registry sends.
   */
  async getManifest(
    repository: string,
    target: string,
  ): Promise<{ mediaType: string; digest: string; data: Uint8Array }> {
    const res = await this.#request('GET', `/v2/${repository}/manifests/${target}`, {
      scopes: [pull(repository)],
      headers: { accept: MANIFEST_ACCEPT },
    });
    await this.#expect(res, [200], `manifest ${target} in ${repository}`);
    const data = await this.#readBody(res, `manifest ${target} in ${repository}`);
    const what = `${this.registry}/${repository} manifest ${target}`;
    const sent = res.headers.get('docker-content-digest');
    if (target.startsWith('sha256:')) verifyDigest(data, target, what);
    else if (sent?.startsWith('sha256:')) verifyDigest(data, sent, what);
    let mediaType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    try {
      mediaType =
        (JSON.parse(Buffer.from(data).toString('utf8')) as { mediaType?: string }).mediaType ?? mediaType;
    } catch (cause) {
      throw new WasmkubeError('OCI_UNSUPPORTED', `${what} is not JSON`, {
        cause,
        fix: 'check the reference',
      });
    }
    return { mediaType, digest: sha256(data), data };
  }

  /** Puts a manifest (or index) under a tag or its digest; returns the digest. */
  async putManifest(
    repository: string,
    target: string,
    mediaType: string,
    data: Uint8Array,
  ): Promise<string> {
    const res = await this.#request('PUT', `/v2/${repository}/manifests/${target}`, {
      scopes: [push(repository)],
      body: data,
      headers: { 'content-type': mediaType },
    });
    await this.#expect(res, [201], `put manifest ${target} to ${repository}`);
    return sha256(data);
  }

  /** True when the tag (or digest) exists. */
  async hasManifest(repository: string, target: string): Promise<boolean> {
    const res = await this.#request('HEAD', `/v2/${repository}/manifests/${target}`, {
      scopes: [pull(repository)],
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) return false;
    await this.#expect(res, [200], `HEAD manifest ${target} in ${repository}`);
    return true;
  }

  #location(res: Response): string {
    const loc = res.headers.get('location');
    if (!loc) {
      throw new WasmkubeError(
        'OCI_REGISTRY',
        `${this.registry} started an upload without a Location header`,
        {
          fix: 'this registry does not follow the distribution spec; try another registry',
        },
      );
    }
    return new URL(loc, this.#base).href;
  }

  #backoff(attempt: number): number {
    return (this.#opts.backoffMs ?? 200) * 2 ** (attempt - 1);
  }

  async #readBody(res: Response, what: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await res.arrayBuffer());
    } catch (cause) {
      throw networkError(this.registry, what, cause);
    }
  }

  async #request(method: string, pathOrUrl: string, opts: RequestOptions): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.#base}${pathOrUrl}`;
    const attempts = opts.retry === false ? 1 : (this.#opts.attempts ?? 4);
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await this.#authorized(method, url, opts);
      } catch (err) {
        const wrapped = isWasmkubeErrorLike(err) ? err : networkError(this.registry, `${method} ${url}`, err);
        if (!isTransient(wrapped) || attempt >= attempts) throw wrapped;
        await sleep(this.#backoff(attempt));
        continue;
      }
      if ((res.status === 429 || res.status >= 500) && attempt < attempts) {
        await res.body?.cancel();
        await sleep(this.#backoff(attempt));
        continue;
      }
      return res;
    }
  }

  async #authorized(method: string, url: string, opts: RequestOptions): Promise<Response> {
    const send = (authorization: string | undefined) =>
      this.#fetch(url, {
        method,
        headers: { ...opts.headers, ...(authorization ? { authorization } : {}) },
        ...(opts.body ? { body: opts.body as Uint8Array<ArrayBuffer> } : {}),
        redirect: 'follow',
      });
    let res = await send(this.#authHeader(opts.scopes));
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get('www-authenticate'));
    await res.body?.cancel();
    const credentials = this.#creds();
    if (!challenge) throw this.#denied(401, credentials);
    this.#challenge = challenge;
    if (challenge.scheme === 'basic' && !credentials) throw this.#denied(401, credentials);
    if (challenge.scheme === 'bearer') {
      const scope = opts.scopes.join(' ');
      this.#tokens.set(
        scope,
        await fetchToken(this.registry, challenge, opts.scopes, credentials, this.#fetch, {
          insecure: this.#opts.insecure ?? false,
          onWarning: (m) => this.#warn(m),
        }),
      );
    }
    res = await send(this.#authHeader(opts.scopes));
    if (res.status === 401) {
      await res.body?.cancel();
      throw this.#denied(401, credentials);
    }
    return res;
  }

  #authHeader(scopes: readonly string[]): string | undefined {
    if (!this.#challenge) return undefined;
    if (this.#challenge.scheme === 'basic') {
      const c = this.#creds();
      return c ? basicHeader(c) : undefined;
    }
    const token = this.#tokens.get(scopes.join(' '));
    return token ? `Bearer ${token}` : undefined;
  }

  /** Each warning once per client (every scope would repeat it). */
  #warn(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    if (this.#opts.onWarning) this.#opts.onWarning(message);
    else process.stderr.write(`wasmkube: warning: ${message}\n`);
  }

  #creds(): Credentials | undefined {
    if (this.#credentials === null) this.#credentials = credentialsFor(this.registry);
    return this.#credentials;
  }

  #denied(status: number, credentials: Credentials | undefined): WasmkubeError {
    return new WasmkubeError(
      'OCI_AUTH',
      credentials
        ? `${this.registry} rejected the credentials of user ${credentials.username} (HTTP ${status})`
        : `${this.registry} needs credentials and none are stored for it (HTTP ${status})`,
      {
        fix: `log in with \`podman login ${this.registry}\` or \`docker login ${this.registry}\` (wasmkube reads $DOCKER_CONFIG/config.json or ~/.docker/config.json)`,
      },
    );
  }

  async #expect(res: Response, ok: readonly number[], what: string): Promise<void> {
    if (ok.includes(res.status)) return;
    const text = await res.text().catch(() => '');
    let detail = text.slice(0, 300);
    try {
      const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
      if (errors.length > 0) detail = errors.map((e) => `${e.code}: ${e.message}`).join('; ');
    } catch {}
    const message = `${this.registry}: ${what} failed with HTTP ${res.status}${detail ? ` (${detail})` : ''}`;
    if (res.status === 401 || res.status === 403) {
      throw new WasmkubeError('OCI_AUTH', message, {
        fix: `check that your user may ${what.startsWith('put') || what.includes('upload') ? 'push to' : 'pull from'} this repository; log in with \`podman login ${this.registry}\``,
      });
    }
    if (res.status === 404) {
      throw new WasmkubeError('OCI_NOT_FOUND', message, { fix: 'check the registry, repository and tag' });
    }
    if (/DIGEST_INVALID|BLOB_UPLOAD_INVALID|SIZE_INVALID/.test(detail)) {
      throw new WasmkubeError('OCI_DIGEST', message, {
        fix: 'the uploaded bytes do not match their digest: rebuild the image and push again',
      });
    }
    const err = new WasmkubeError('OCI_REGISTRY', message, {
      fix:
        res.status >= 500
          ? 'the registry failed; try again later'
          : 'the registry refused the request; see its message',
    });
    if (res.status >= 500 || res.status === 429) TRANSIENT.add(err);
    throw err;
  }
}

function pull(repository: string): string {
  return `repository:${repository}:pull`;
}

function push(repository: string): string {
  return `repository:${repository}:pull,push`;
}

function isWasmkubeErrorLike(err: unknown): err is WasmkubeError {
  return err instanceof WasmkubeError;
}

/** Registry answers worth another try (5xx, 429) once the requests that return them are not retried alone. */
const TRANSIENT = new WeakSet<Error>();

function isTransient(err: unknown): boolean {
  return err instanceof WasmkubeError && (err.code === 'OCI_NETWORK' || TRANSIENT.has(err));
}

function networkError(registry: string, what: string, cause: unknown): WasmkubeError {
  const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
  const detail = reason?.code ?? reason?.message ?? (cause instanceof Error ? cause.message : String(cause));
  return new WasmkubeError('OCI_NETWORK', `${registry}: ${what}: connection failed (${detail})`, {
    cause,
    fix:
      detail.includes('EPROTO') || /SSL|TLS|wrong version/i.test(detail)
        ? 'the registry speaks plain HTTP: pass --insecure for a local registry'
        : 'check that the registry is running and reachable; wasmkube retried with backoff',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
