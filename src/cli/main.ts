// The wasmkube command line: wires commands to their functions and nothing else; each command lives in
// src/cli/commands/ and calls the library, and errors print as code, message and fix.

import { Command } from 'commander';
import { printError } from './output.ts';

const program = new Command('wasmkube')
  .description('Build, run and ship WebAssembly microservices to Kubernetes')
  .version('0.1.0')
  .showHelpAfterError();

program
  .command('up')
  .description('serve an app (wasmkube.yaml) or a single .wasm locally')
  .argument('[app]', 'app folder or manifest file', undefined)
  .option('--from <file.wasm>', 'serve one module or component on every path, without a manifest')
  .option('--listen <address>', 'host:port to listen on (overrides host.listen)')
  .option('--workers <n>', "serving threads: a number or 'auto' (one per CPU)")
  .option('--service <name...>', 'serve only these services of the app')
  .option('--keep-going', 'serve the services that load even if others fail')
  .option('--build', 'rebuild every service with a build command before serving')
  .option(
    '--drain-delay <duration>',
    'after SIGTERM, how long /ready is 503 before the listener closes (overrides host.shutdown.drainDelay)',
  )
  .option(
    '--grace-period <duration>',
    'how long in-flight requests get to finish (overrides host.shutdown.gracePeriod)',
  )
  .option('--log-format <format>', 'json or pretty', 'json')
  .option('--log-level <level>', 'trace, debug, info, warn, error or silent', 'info')
  .action(async (app, flags) => (await import('./commands/up.ts')).up(app, flags));

program
  .command('build')
  .description("run each service's build command from wasmkube.yaml")
  .argument('[app]', 'app folder or manifest file')
  .option('--service <name...>', 'only these services')
  .action(async (app, flags) => (await import('./commands/build.ts')).build(app, flags));

program
  .command('schema')
  .description('print the JSON Schema of wasmkube.yaml')
  .action(async () => (await import('./commands/schema.ts')).schema());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = printError(err);
}
