// Raw TCP clients for tests that speak broken, slow or hostile HTTP to the host: what Node's own client
// refuses to send (or would fix up) goes over a plain socket here.

import net from 'node:net';

export interface RawConnection {
  readonly socket: net.Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves once the peer has closed (or reset) the connection. */
  readonly closed: Promise<{ reset: boolean }>;
  /** Resolves when `pred` holds for what has been received (rejects if the connection closes first). */
  waitFor(pred: (text: string) => boolean): Promise<string>;
}

export function connect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let text = '';
    let done = false;
    const watchers: (() => void)[] = [];
    let reset = false;
    socket.on('data', (d) => {
      text += d.toString('latin1');
      for (const w of watchers.slice()) w();
    });
    socket.on('error', () => {
      reset = true;
    });
    const closed = new Promise<{ reset: boolean }>((r) =>
      socket.on('close', () => {
        done = true;
        for (const w of watchers.slice()) w();
        r({ reset });
      }),
    );
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({
        socket,
        received: () => text,
        closed,
        waitFor: (pred) =>
          new Promise((res, rej) => {
            const check = () => {
              if (pred(text)) {
                watchers.splice(watchers.indexOf(check), 1);
                res(text);
              } else if (done) {
                watchers.splice(watchers.indexOf(check), 1);
                rej(new Error(`connection closed; received: ${JSON.stringify(text.slice(0, 500))}`));
              }
            };
            watchers.push(check);
            check();
          }),
      });
    });
  });
}

/** Sends `head` (and `body`) on a new connection and resolves with the first response's status line. */
export async function rawRequest(url: string, head: string): Promise<{ status: number; text: string }> {
  const c = await connect(url);
  c.socket.write(head);
  const text = await c.waitFor((t) => /\r\n\r\n/.test(t));
  c.socket.destroy();
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text };
}

/** Writes until the peer stops taking bytes (closes or resets); resolves with how many it took. */
export function writeUntilClosed(c: RawConnection, chunk: Buffer, maxBytes: number): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      resolve(written);
    };
    void c.closed.then(stop);
    c.socket.on('error', stop);
    const pump = () => {
      while (!stopped && written < maxBytes) {
        written += chunk.length;
        if (!c.socket.write(chunk)) {
          c.socket.once('drain', pump);
          return;
        }
      }
      if (written >= maxBytes) stop();
    };
    pump();
  });
}
