// How `wasmkube build` and `up` show a build: in a terminal one live line per service (spinner, elapsed
// time); elsewhere plain lines. A failed service's message (file, line, error) is printed in full.

import type { BuildEvent } from '../app/build-services.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface BuildProgress {
  readonly onProgress: (event: BuildEvent) => void;
  /** Stops the live display (call once, success or not). */
  stop(): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Plain lines through `write` (each already ends in a newline). */
export function plainProgress(write: (line: string) => void): BuildProgress {
  return {
    onProgress(e) {
      if (e.kind === 'start') write(`building ${e.service} (${e.reason}): ${e.what}\n`);
      else if (e.kind === 'done') write(`built ${e.service} in ${seconds(e.ms)}\n`);
      else if (e.kind === 'fresh')
        write(e.note ? `${e.service}: ${e.note}\n` : `${e.service} is up to date\n`);
      else if (e.kind === 'failed') write(`failed ${e.service} after ${seconds(e.ms)}\n`);
    },
    stop() {},
  };
}

/** One redrawn line per service on a TTY stream. */
export function liveProgress(stream: NodeJS.WriteStream, names: readonly string[]): BuildProgress {
  type Row = { text: string; started?: number; state: 'wait' | 'run' | 'ok' | 'fresh' | 'fail'; ms?: number };
  const rows = new Map<string, Row>(names.map((n) => [n, { text: 'waiting', state: 'wait' }]));
  const width = Math.max(...names.map((n) => n.length), 1);
  let frame = 0;
  let drawn = 0;
  const draw = () => {
    frame = (frame + 1) % FRAMES.length;
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const [name, row] of rows) {
      const mark =
        row.state === 'run'
          ? `\x1b[36m${FRAMES[frame]}\x1b[0m`
          : row.state === 'ok' || row.state === 'fresh'
            ? '\x1b[32m✔\x1b[0m'
            : row.state === 'fail'
              ? '\x1b[31m✖\x1b[0m'
              : '·';
      const time =
        row.state === 'run' && row.started !== undefined
          ? ` ${seconds(performance.now() - row.started)}`
          : row.ms !== undefined
            ? ` ${seconds(row.ms)}`
            : '';
      out += `\x1b[2K${mark} ${name.padEnd(width)}  ${row.text}${time}\n`;
    }
    drawn = rows.size;
    stream.write(out);
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  draw();
  return {
    onProgress(e) {
      const row = rows.get(e.service);
      if (!row) return;
      if (e.kind === 'start') Object.assign(row, { state: 'run', text: e.what, started: performance.now() });
      else if (e.kind === 'done') Object.assign(row, { state: 'ok', text: 'built in', ms: e.ms });
      else if (e.kind === 'fresh') Object.assign(row, { state: 'fresh', text: 'up to date' });
      else if (e.kind === 'failed') Object.assign(row, { state: 'fail', text: 'failed after', ms: e.ms });
    },
    stop() {
      clearInterval(timer);
      draw();
    },
  };
}
