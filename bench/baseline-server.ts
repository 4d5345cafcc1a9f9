// The baseline every host row is compared with: a plain node:http hello-world, the physical limit for
// a Node-hosted runtime on this machine. Prints its URL as JSON, like `wasmkube up` does.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.from('hello from node\n');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
