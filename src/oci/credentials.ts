// Registry credentials the way docker, podman and skopeo share them: `$DOCKER_CONFIG/config.json`, else
// `~/.docker/config.json`, entries keyed by registry host, written as `auth` (base64) or username/password.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WasmkubeError } from '../errors.ts';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

interface AuthEntry {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
}

/** The config file that would be read, whether it exists or not. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** Keys are written as `host`, `host:port` or a URL (`https://index.docker.io/v1/`); compare hosts. */
function keyHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'docker.io' ? 'registry-1.docker.io' : host;
}

/**
 * The credentials stored for a registry, or undefined when there are none (no file, no entry).
 * @throws WasmkubeError OCI_AUTH when the file or the entry cannot be read, naming the file and the entry
 */
export function credentialsFor(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Credentials | undefined {
  const file = dockerConfigPath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let config: { auths?: Record<string, AuthEntry> };
  try {
    config = JSON.parse(text);
  } catch (cause) {
    throw new WasmkubeError('OCI_AUTH', `${file} is not valid JSON`, {
      cause,
      fix: 'fix the file, or log in again with `podman login` / `docker login`',
    });
  }
  const entry = Object.entries(config.auths ?? {}).find(([key]) => keyHost(key) === registry)?.[1];
  if (!entry) return undefined;
  if (entry.username !== undefined && entry.password !== undefined) {
    return { username: entry.username, password: entry.password };
  }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    throw new WasmkubeError('OCI_AUTH', `${file}: auths["${registry}"].auth is not base64 of user:password`, {
      fix: `log in again (\`podman login ${registry}\`), or write "auth": "$(echo -n user:password | base64)"`,
    });
  }
  return undefined;
}
