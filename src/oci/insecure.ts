// Which registries may be spoken to over plain HTTP: `--insecure` covers the registry the command names
// (and loopback, which never leaves the machine); any other host only when listed by the user.

/** True when the user listed the registry as plain HTTP in $WASMKUBE_INSECURE_REGISTRIES (comma-separated). */
export function insecureByEnv(registry: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.WASMKUBE_INSECURE_REGISTRIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes(registry);
}

/** `localhost`, `127.x.x.x` or `[::1]`, with or without a port. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : registry.split(':')[0]!;
  return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

export interface InsecureScope {
  /** The command's --insecure. @default false */
  readonly insecure?: boolean;
  /** The host that --insecure is about (the --registry host). */
  readonly registry?: string;
}

/**
 * Plain HTTP for `registry`: with --insecure for the named registry's host and loopback hosts; for any
 * host listed in $WASMKUBE_INSECURE_REGISTRIES. Never for a public host just because --insecure was given.
 */
export function plainHttpAllowed(
  registry: string,
  scope: InsecureScope,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (insecureByEnv(registry, env)) return true;
  if (!scope.insecure) return false;
  return registry === scope.registry || isLoopbackRegistry(registry);
}
