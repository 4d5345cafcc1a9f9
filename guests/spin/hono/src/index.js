// A Hono app the way Spin's JS templates write it: routes on an app, `fire()` registers the fetch event.
import { Hono } from 'hono';
import { fire } from 'hono/service-worker';

const app = new Hono();
let served = 0;
app.get('/', (c) => c.text('hello from hono\n'));
app.get('/hono/count', (c) => c.json({ served: ++served }));
app.post('/hono/echo', async (c) => c.text(await c.req.text()));
app.get('*', (c) => c.text(`hono saw ${new URL(c.req.url).pathname}\n`));

fire(app);
