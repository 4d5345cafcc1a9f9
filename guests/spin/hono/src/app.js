// The Hono app shared by the two builds of this guest: fetch-event.js (the Spin SDK way) and
// incoming-handler.js (wasmkube's handler API), so the bench compares the same handler. Its routes
// work under any first path segment (the two builds are served on /hono and /hono-reuse).
import { Hono } from 'hono';

export const app = new Hono();
let served = 0;
app.get('/:base', (c) => c.text(`hello from hono on /${c.req.param('base')}\n`));
// Counts requests in this instance: always 1 under a fresh instance per request.
app.get('/:base/count', (c) => c.json({ served: ++served }));
app.post('/:base/echo', async (c) => c.text(await c.req.text()));
