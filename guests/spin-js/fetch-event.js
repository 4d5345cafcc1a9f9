// fetch-event: a guest the way Spin's JS SDK builds one (componentize-js 0.19 inside
// @spinframework/build-tools, wasi:http 0.2.3): GET /?url=U fetches U and answers what it got, or 502
// "rejected: …" when fetch() rejects.

addEventListener('fetch', (event) =>
  event.respondWith(
    (async () => {
      const url = new URL(event.request.url).searchParams.get('url') ?? 'http://denied.example/';
      try {
        const res = await fetch(url);
        return new Response(`got ${res.status} ${await res.text()}`);
      } catch (err) {
        return new Response(`rejected: ${err}`, { status: 502 });
      }
    })(),
  ),
);
