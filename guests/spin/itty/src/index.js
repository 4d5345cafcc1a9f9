// An itty-router app registered with a plain `addEventListener('fetch', …)`, as Spin's JS SDK examples do.
import { AutoRouter } from 'itty-router';

const router = AutoRouter();
router.get('/itty', () => new Response('hello from itty\n'));
router.get('/itty/hello/:name', ({ params }) => ({ hello: params.name }));
router.post('/itty/echo', async (request) => new Response(await request.text()));

addEventListener('fetch', (event) => {
  event.respondWith(router.fetch(event.request));
});
