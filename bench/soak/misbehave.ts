// The misbehaving client mix that runs beside the soak's good traffic: slow-header clients, silent idle
// connections, clients that never read their (large) responses, and requests to a guest that loops to
// its deadline. Each keeps its number of connections and reopens what the host closes.

import http from 'node:http';
import net from 'node:net';

export interface MisbehaveOptions {
  readonly base: string;
  readonly slowHeaders: number;
  readonly idle: number;
  readonly nonReaders: number;
  /** Clients sending requests to the looping guest back to back. */
  readonly loopers: number;
  /** Path of the looping guest. */
  readonly loopPath: string;
  /** Path of an echo service: non-readers POST 1 MiB there and never read the echo. */
  readonly echoPath: string;
}

export interface MisbehaveStats {
  /**
   * Connections the host closed (or refused) per kind: what its timeouts and limits did to them. A
   * non-reader cannot see it (it never reads the FIN): it gives up after 10 s and opens another.
   */
  closedByHost: Record<string, number>;
  opened: Record<string, number>;
  /** Statuses the looping guest's requests got (a deadline or overload status is expected). */
  loopStatuses: Record<string, number>;
}

export interface Misbehaving {
  readonly stats: MisbehaveStats;
  stop(): Promise<void>;
}

export function startMisbehaving(opts: MisbehaveOptions): Misbehaving {
  const url = new URL(opts.base);
  const port = Number(url.port);
  const host = url.hostname;
  const stats: MisbehaveStats = {
    closedByHost: { slowHeaders: 0, idle: 0, nonReader: 0 },
    opened: { slowHeaders: 0, idle: 0, nonReader: 0 },
    loopStatuses: {},
  };
  let stopping = false;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const pending: Promise<void>[] = [];

  // A client that holds a connection its own way; when the host closes it, another one opens after a
  // pause (so a host that refuses at once is not hammered in a tight loop).
  const hold = (
    kind: 'slowHeaders' | 'idle' | 'nonReader',
    setup: (s: net.Socket) => void,
    lifetimeMs?: number,
  ) => {
    const open = () => {
      if (stopping) return;
      stats.opened[kind]!++;
      const s = net.connect({ host, port });
      sockets.add(s);
      s.on('error', () => {});
      let gaveUp = false;
      if (lifetimeMs !== undefined) {
        const t = setTimeout(() => {
          timers.delete(t);
          gaveUp = true;
          s.destroy();
        }, lifetimeMs);
        timers.add(t);
        s.once('close', () => {
          clearTimeout(t);
          timers.delete(t);
        });
      }
      s.once('close', () => {
        sockets.delete(s);
        if (stopping) return;
        if (!gaveUp) stats.closedByHost[kind]!++;
        const t = setTimeout(() => {
          timers.delete(t);
          open();
        }, 200);
        timers.add(t);
      });
      setup(s);
    };
    open();
  };

  for (let i = 0; i < opts.slowHeaders; i++) {
    hold('slowHeaders', (s) => {
      // One header byte a second into a header line that never ends: the head never completes.
      s.write(`GET /hello HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `);
      const t = setInterval(() => {
        if (!s.destroyed) s.write('x');
      }, 1000);
      s.once('close', () => clearInterval(t));
    });
  }
  for (let i = 0; i < opts.idle; i++) hold('idle', () => {});
  for (let i = 0; i < opts.nonReaders; i++) {
    hold(
      'nonReader',
      (s) => {
        const size = 1 << 20;
        // Pipelined POSTs whose echoes are never read: the host's send buffer fills, then it must wait.
        s.pause();
        for (let k = 0; k < 4; k++) {
          s.write(
            `POST ${opts.echoPath} HTTP/1.1\r\nHost: ${host}\r\ncontent-type: application/octet-stream\r\ncontent-length: ${size}\r\n\r\n`,
          );
          s.write(Buffer.alloc(size, 'n'));
        }
        // A paused socket never sees the host's FIN: it gives up after a while and a new one comes.
      },
      10_000,
    );
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, opts.loopers) });
  for (let i = 0; i < opts.loopers; i++) {
    pending.push(
      (async () => {
        while (!stopping) {
          const status = await new Promise<string>((resolve) => {
            const req = http.get({ host, port, path: opts.loopPath, agent }, (res) => {
              res.resume();
              res.on('end', () => resolve(String(res.statusCode)));
              res.on('error', () => resolve('response error'));
            });
            req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
            req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
          });
          stats.loopStatuses[status] = (stats.loopStatuses[status] ?? 0) + 1;
          // A 503 (the service at its concurrency limit) comes back at once: do not spin on it.
          if (status === '503') await new Promise((r) => setTimeout(r, 50));
        }
      })(),
    );
  }
  return {
    stats,
    async stop() {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await Promise.all(pending);
      agent.destroy();
    },
  };
}
