// The wasmkube command line: wires commands to their functions and nothing else; each command lives in
// src/cli/commands/ and calls the library, and errors print as code, message and fix.

import { Command, Option } from 'commander';
import { printError } from './output.ts';

const program = new Command('wasmkube')
  .description('Build, run and ship WebAssembly microservices to Kubernetes')
  .version('0.1.0')
  .showHelpAfterError();

program
  .command('up')
  .description('serve an app (wasmkube.yaml) or a single .wasm locally, or pull one from a registry (oci://)')
  .argument(
    '[app]',
    'app folder or manifest file, or oci://REGISTRY/REPO[:TAG] (a wasmkube app image or a Wasm artifact; plain-HTTP registries: list them in WASMKUBE_INSECURE_REGISTRIES)',
    undefined,
  )
  .option(
    '--from <file.wasm>',
    'serve one module or component on every path, without a manifest (a path or oci://REGISTRY/REPO[:TAG] of a Wasm artifact)',
  )
  .option('--listen <address>', 'host:port to listen on (overrides host.listen)')
  .option('--workers <n>', "serving threads: a number or 'auto' (one per CPU)")
  .option('--service <name...>', 'serve only these services of the app')
  .option('--keep-going', 'serve the services that load even if others fail')
  .option(
    '--reuse-port',
    'share the port with another wasmkube process (SO_REUSEPORT), for a rolling restart on one machine',
  )
  .option('--build', 'rebuild every service with a build command before serving')
  .option(
    '--isolation <mode>',
    "with --from: 'auto' (default; fetch-event guests get a fresh instance per request), 'reuse' or 'fresh'",
  )
  .option(
    '--drain-delay <duration>',
    'after SIGTERM, how long /ready is 503 before the listener closes (default: host.shutdown.drainDelay in a pod, 0 elsewhere)',
  )
  .option(
    '--grace-period <duration>',
    'how long in-flight requests get to finish (overrides host.shutdown.gracePeriod)',
  )
  .option('--log-format <format>', 'json or pretty', 'json')
  .option('--log-level <level>', 'trace, debug, info, warn, error or silent', 'info')
  .option('--watch', 'rebuild a service when its build.watch files change and swap it in, no restart')
  .option('--insecure', 'plain HTTP to the oci:// registry (a local one)')
  .action(async (app, flags) => (await import('./commands/up.ts')).up(app, flags));

program
  .command('init')
  .description('create an app: wasmkube.yaml, .gitignore and a README')
  .argument('[dir]', 'folder of the new app', '.')
  .action(async (dir) => (await import('./commands/init.ts')).init(dir));

program
  .command('new')
  .description('add a service from a template to the app (wasmkube new --list shows them)')
  .argument('[template]', 'template name, e.g. http-ts')
  .argument('[name]', 'service name; it is served on /NAME')
  .option('--app <dir>', 'app folder or manifest file (default: the current folder)')
  .option('--list', 'list the templates')
  .action(async (template, name, flags) =>
    (await import('./commands/init.ts')).newCommand(template, name, flags),
  );

program
  .command('build')
  .description("build the app's services (declared toolchains or build commands), skipping up-to-date ones")
  .argument('[app]', 'app folder or manifest file')
  .option('--service <name...>', 'only these services')
  .option('--force', 'rebuild even when the inputs have not changed')
  .action(async (app, flags) => (await import('./commands/build.ts')).build(app, flags));

program
  .command('schema')
  .description('print the JSON Schema of wasmkube.yaml')
  .action(async () => (await import('./commands/schema.ts')).schema());

/** How images are built: the same options for package and push. */
function imageBuildOptions(): Option[] {
  return [
    new Option('--kind <kind>', 'wasm, container or all').default('all'),
    new Option(
      '--base <ref>',
      'base of the container image: a reference or an OCI layout (needed offline: the default is pulled from Docker Hub)',
    ).default('docker.io/library/node:24-slim'),
    new Option('--platform <os/arch>', 'platform to take from a base image index').default('linux/amd64'),
    new Option('--format <format>', 'Wasm artifact layout: cncf or spin').default('cncf'),
  ];
}

const packageCmd = program
  .command('package')
  .description(
    "build the app's images: a Wasm artifact per service and/or a container image, as an OCI layout",
  )
  .argument('[app]', 'app folder or manifest file')
  .option('--out <dir>', 'OCI image layout folder to write (default ./oci unless --tar)')
  .option('--tar <file>', 'also write the layout as one tarball (podman load -i FILE)')
  .option(
    '--registry <registry>',
    'name the images REGISTRY/APP[-SERVICE]:TAG (default: kubernetes.registry; none: APP[-SERVICE]:TAG)',
  )
  .option('--tag <tag>', 'image tag (default: kubernetes.tag, else latest)')
  .option('--env <name>', 'take registry and tag from this environment of kubernetes.environments')
  .option('--dockerfile', 'also write an equivalent Dockerfile and build context (OUT/docker)')
  .option(
    '--insecure',
    'plain HTTP for a base image on the --registry host or on localhost/127.0.0.1 (other hosts: WASMKUBE_INSECURE_REGISTRIES)',
  )
  .action(async (app, flags) => (await import('./commands/package.ts')).packageCommand(app, flags));
for (const option of imageBuildOptions()) packageCmd.addOption(option);

const pushCmd = program
  .command('push')
  .description('package the app and push its images to a registry; prints each REF@DIGEST')
  .argument('[app]', 'app folder or manifest file')
  .option(
    '--registry <registry>',
    'registry and namespace, e.g. ghcr.io/acme (default: kubernetes.registry, as k8s render uses)',
  )
  .option('--tag <tag>', 'image tag (default: kubernetes.tag, else latest)')
  .option('--env <name>', 'take registry and tag from this environment of kubernetes.environments')
  .option('--chunk-size <bytes>', 'upload blobs larger than this in chunks')
  .option(
    '--insecure',
    'plain HTTP to the --registry host (and a base image on it or on localhost/127.0.0.1; other hosts: WASMKUBE_INSECURE_REGISTRIES)',
  )
  .action(async (app, flags) => (await import('./commands/push.ts')).pushCommand(app, flags));
for (const option of imageBuildOptions()) pushCmd.addOption(option);

program
  .command('pull')
  .description('pull an image or Wasm artifact into an OCI layout folder (digests verified)')
  .argument('<ref>', 'REGISTRY/REPOSITORY[:TAG][@DIGEST]')
  .option('--out <dir>', 'folder to write (default ./REPOSITORY-NAME)')
  .option('--platform <os/arch>', 'platform to take from an index', 'linux/amd64')
  .option('--insecure', "plain HTTP to REF's registry, for a local one")
  .action(async (ref, flags) => (await import('./commands/pull.ts')).pullCommand(ref, flags));
program
  .command('base-image')
  .description(
    "make a Node.js 24 base image offline from this machine's Node (for package/push --kind container --base)",
  )
  .option('--out <dir>', 'OCI layout folder to write (default ./node-base unless --tar or --push)')
  .option('--tar <file>', 'write the layout as one tarball')
  .option('--push <ref>', 'push it, e.g. 127.0.0.1:5000/base/node:24')
  .option('--insecure', 'plain HTTP to the --push registry (a local one)')
  .action(async (flags) => (await import('./commands/base-image.ts')).baseImage(flags));

const k8s = program.command('k8s').description('Kubernetes manifests of an app');
k8s
  .command('render')
  .description('render validated Kubernetes manifests of an app (YAML on stdout by default)')
  .argument('[app]', 'app folder or manifest file')
  .option('--out <dir>', 'write files under this folder instead of printing')
  .option('--env <name>', 'merge this environment of kubernetes.environments over the base')
  .option('--format <format>', 'yaml, kustomize (base + overlays) or helm (a chart)', 'yaml')
  .option(
    '--registry <registry>',
    'registry of the pushed images, e.g. ghcr.io/acme (overrides kubernetes.registry)',
  )
  .option('--tag <tag>', 'image tag (overrides kubernetes.tag)')
  .option('--namespace <namespace>', 'namespace of every object (overrides kubernetes.namespace)')
  .action(async (app, flags) => (await import('./commands/k8s.ts')).render(app, flags));

/** Flags of every command that talks to a cluster. */
function clusterCommand(name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .argument('[app]', 'app folder or manifest file')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--namespace <namespace>', 'namespace (overrides kubernetes.namespace)')
    .option('--env <name>', 'environment of kubernetes.environments');
}

// Only deploy writes image references; status and delete find objects by name and ApplySet label.
clusterCommand('deploy', 'server-side apply the app to Kubernetes, prune, and wait for rollouts')
  .option('--registry <registry>', 'registry of the pushed images (overrides kubernetes.registry)')
  .option('--tag <tag>', 'image tag (overrides kubernetes.tag)')
  .option(
    '--dry-run [mode]',
    "'server': the API server checks and admits everything, nothing is stored; 'client': render and validate offline, no cluster",
  )
  .option('--prune', 'delete objects of this app that it no longer renders (ApplySet)')
  .option('--no-wait', 'do not wait for workloads to become ready')
  .option('--timeout <duration>', 'how long to wait for rollouts', '5m')
  .action(async (app, flags) => (await import('./commands/deploy.ts')).deploy(app, flags));

clusterCommand('status', "show each service's workload, ready replicas and URL in the cluster").action(
  async (app, flags) => (await import('./commands/status.ts')).status(app, flags),
);

clusterCommand('delete', "remove the app's objects from the cluster")
  .option('--dry-run [mode]', "only 'server'")
  .option('--include-namespace', "also delete the app's namespace")
  .option(
    '--include-cluster-scoped',
    'also delete the RuntimeClasses, Shims and CRDs the app applied (other apps may use them)',
  )
  .action(async (app, flags) => (await import('./commands/delete.ts')).remove(app, flags));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = printError(err);
}
