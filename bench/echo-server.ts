// Baseline for the POST echo row: a plain node:http server that streams the request body back as it
// arrives, 200 application/octet-stream (what echo-component does). Prints its URL as JSON, like
// `wasmkube up` does.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  req.pipe(res);
});
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
