// docs/benchmarks.svg from the results: for every req/s row, the baseline's bar and the measured bar,
// with the target drawn as a dashed line. Each pair has its own scale (the baselines range from ~100 to
// ~100k req/s); the numbers are printed next to the bars. No dependencies: plain SVG text.

import type { Results, Row } from './schema.ts';

const W = 900;
const LEFT = 130;
const BAR_MAX = 500;
const BAR_H = 16;
const GROUP_H = 78;
const TOP = 64;

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function short(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function group(row: Row, y: number): string {
  const out: string[] = [];
  const title = `${row.what} — target ${row.target}`;
  out.push(`<text x="10" y="${y}" class="title">${esc(short(title, 118))}</text>`);
  const baseY = y + 10;
  const valueY = baseY + BAR_H + 6;
  out.push(
    `<text x="10" y="${baseY + 12}" class="label">${esc(short(row.baselineLabel ?? 'baseline', 22))}</text>`,
  );
  out.push(
    `<text x="10" y="${valueY + 12}" class="label">${row.id.startsWith('scaling-') ? '2 workers' : 'wasmkube'}</text>`,
  );
  if (row.status !== 'measured' || row.value === null || row.baseline === null) {
    out.push(
      `<text x="${LEFT}" y="${valueY + 12}" class="fail">${esc(short(`${row.status}: ${row.reason ?? ''}`, 100))}</text>`,
    );
    return out.join('\n');
  }
  const target = row.check.threshold * row.baseline;
  const scale = BAR_MAX / Math.max(row.baseline, row.value, target, 1);
  const bw = Math.max(1, row.baseline * scale);
  const vw = Math.max(1, row.value * scale);
  out.push(`<rect x="${LEFT}" y="${baseY}" width="${bw.toFixed(1)}" height="${BAR_H}" class="base"/>`);
  out.push(
    `<text x="${(LEFT + bw + 6).toFixed(1)}" y="${baseY + 12}" class="num">${fmt(row.baseline)} req/s</text>`,
  );
  out.push(
    `<rect x="${LEFT}" y="${valueY}" width="${vw.toFixed(1)}" height="${BAR_H}" class="${row.met ? 'met' : 'miss'}"/>`,
  );
  out.push(
    `<text x="${(LEFT + vw + 6).toFixed(1)}" y="${valueY + 12}" class="num">${fmt(row.value)} req/s (${row.ratio?.toFixed(2)}×${row.met ? ', met' : ''})</text>`,
  );
  const tx = LEFT + target * scale;
  out.push(
    `<line x1="${tx.toFixed(1)}" y1="${baseY - 3}" x2="${tx.toFixed(1)}" y2="${valueY + BAR_H + 3}" class="target"/>`,
  );
  return out.join('\n');
}

/** The chart, or undefined when there is no req/s row. */
export function chartSvg(results: Results): string | undefined {
  const rows = results.rows.filter((r) => r.unit === 'req/s' && r.check.of === 'baseline');
  if (rows.length === 0) return undefined;
  const h = TOP + rows.length * GROUP_H + 10;
  const m = results.machine;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="system-ui, sans-serif" role="img" aria-labelledby="chart-title">
<title id="chart-title">wasmkube host: req/s against the baseline measured in the same run</title>
<style>
.title { font-size: 13px; font-weight: 600; fill: #222; }
.label { font-size: 11px; fill: #555; }
.num { font-size: 11px; fill: #222; }
.fail { font-size: 12px; fill: #b00020; }
.base { fill: #9aa5b1; }
.met { fill: #2e8b57; }
.miss { fill: #d9822b; }
.target { stroke: #b00020; stroke-width: 1.5; stroke-dasharray: 4 3; }
.head { font-size: 15px; font-weight: 700; fill: #111; }
.sub { font-size: 11px; fill: #555; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" class="head">wasmkube host: req/s against the baseline measured in the same run</text>
<text x="10" y="40" class="sub">${esc(`${m.cpus}, Node ${m.node}, ${m.generator}, ${m.connections} connections, ${m.durationS} s per run × ${m.rounds} round(s), ${m.date}`)}</text>
<text x="10" y="54" class="sub">grey: baseline; green: target met; orange: not met; dashed red line: target. Medians over rounds; ratio: median of per-round ratios. Each pair has its own scale.</text>
${rows.map((r, i) => group(r, TOP + 14 + i * GROUP_H)).join('\n')}
</svg>
`;
}
