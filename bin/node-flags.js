// The V8 flags wasmkube runs with; bin/wasmkube.js's shebang carries the same (a test checks), and
// everything that starts the host another way (the Node 20 re-exec, container images, the bench) adds these.

/**
 * A small young generation: a request's garbage dies young, and scavenging the tens of MB V8 grows it to
 * under load stalls every request in flight for milliseconds (p99 ~2x lower here, same throughput).
 * Runtime `v8.setFlagsFromString` comes too late for this one: it must be on the command line.
 */
export const NODE_FLAGS = ['--max-semi-space-size=4'];
