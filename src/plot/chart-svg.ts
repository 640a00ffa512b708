/**
 * The chart of metric series as SVG text: one panel per metric, a line per run in its stable
 * colour, axes with round-numbered ticks, and a legend. SVG is plain text, so this needs no
 * drawing library and renders the same on GitHub, in a browser and through resvg (PNG). Pure.
 */
import type { XAxis } from '../series/series-lines.js';

export interface ChartLine {
  run: string;
  label: string;
  color: string;
  x: number[];
  y: number[];
}

export interface ChartPanel {
  metric: string;
  lines: ChartLine[];
}

const WIDTH = 760;
const PANEL_HEIGHT = 250;
const MARGIN = { left: 70, right: 20, top: 30, bottom: 42 };
const LEGEND_ROW = 20;
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

/**
 * The SVG document of `panels` with `x` as the horizontal axis.
 *
 * @example
 * chartSvg([{ metric: 'loss', lines: [{ run: 'a1', label: 'baseline', color: '#4e79a7', x: [0, 1], y: [0.9, 0.5] }] }], 'step');
 */
export function chartSvg(panels: ChartPanel[], x: XAxis): string {
  const runs = uniqueRuns(panels);
  const perRow = 3;
  const legendHeight = Math.ceil(runs.length / perRow) * LEGEND_ROW + 12;
  const height = legendHeight + panels.length * PANEL_HEIGHT;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(`<g class="legend">`);
  runs.forEach((r, i) => {
    const lx = 12 + (i % perRow) * ((WIDTH - 24) / perRow);
    const ly = 16 + Math.floor(i / perRow) * LEGEND_ROW;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="18" height="4" fill="${r.color}"/><text x="${lx + 24}" y="${ly - 3}">${escapeXml(clip(r.label, 38))}</text>`);
  });
  out.push(`</g>`);
  panels.forEach((p, i) => out.push(panelSvg(p, x, legendHeight + i * PANEL_HEIGHT)));
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}

function panelSvg(panel: ChartPanel, axis: XAxis, top: number): string {
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const y0 = top + MARGIN.top;
  const y1 = top + PANEL_HEIGHT - MARGIN.bottom;
  const xs = panel.lines.flatMap((l) => extent(l.x));
  const ys = panel.lines.flatMap((l) => extent(l.y));
  const xr = padRange(Math.min(...xs), Math.max(...xs), 0);
  const yr = padRange(Math.min(...ys), Math.max(...ys), 0.05);
  const px = (v: number) => left + ((v - xr[0]) / (xr[1] - xr[0])) * (right - left);
  const py = (v: number) => y1 - ((v - yr[0]) / (yr[1] - yr[0])) * (y1 - y0);
  const out: string[] = [`<g class="panel" data-metric="${escapeXml(panel.metric)}">`];
  out.push(`<text x="${left}" y="${top + 18}" font-size="14" font-weight="bold">${escapeXml(panel.metric)}</text>`);
  for (const t of niceTicks(yr[0], yr[1], 5)) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#555">${formatTick(t)}</text>`);
  }
  for (const t of niceTicks(xr[0], xr[1], 6)) {
    const xpos = px(t).toFixed(1);
    out.push(`<line x1="${xpos}" x2="${xpos}" y1="${y1}" y2="${y1 + 4}" stroke="#555"/><text x="${xpos}" y="${y1 + 16}" text-anchor="middle" fill="#555">${axis === 'time' ? formatTime(t) : formatTick(t)}</text>`);
  }
  out.push(`<line x1="${left}" x2="${right}" y1="${y1}" y2="${y1}" stroke="#555"/><line x1="${left}" x2="${left}" y1="${y0}" y2="${y1}" stroke="#555"/>`);
  out.push(`<text x="${(left + right) / 2}" y="${y1 + 34}" text-anchor="middle" fill="#333">${AXIS_LABEL[axis]}</text>`);
  for (const l of panel.lines) {
    const d = l.x.map((v, i) => `${i === 0 ? 'M' : 'L'}${px(v).toFixed(1)} ${py(l.y[i]!).toFixed(1)}`).join(' ');
    // A single point draws nothing as a path: mark it.
    if (l.x.length === 1) out.push(`<circle class="point" cx="${px(l.x[0]!).toFixed(1)}" cy="${py(l.y[0]!).toFixed(1)}" r="3" fill="${l.color}"/>`);
    out.push(`<path class="line" data-run="${escapeXml(l.run)}" data-points="${l.x.length}" d="${d}" fill="none" stroke="${l.color}" stroke-width="1.5" stroke-linejoin="round"/>`);
  }
  out.push(`</g>`);
  return out.join('\n');
}

const AXIS_LABEL: Record<XAxis, string> = { step: 'step', time: 'time (UTC)', relative: 'seconds since start' };

function uniqueRuns(panels: ChartPanel[]): { run: string; label: string; color: string }[] {
  const seen = new Map<string, { run: string; label: string; color: string }>();
  for (const p of panels) for (const l of p.lines) if (!seen.has(l.run)) seen.set(l.run, { run: l.run, label: l.label, color: l.color });
  return [...seen.values()];
}

function extent(v: number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const n of v) (lo = Math.min(lo, n)), (hi = Math.max(hi, n));
  return v.length ? [lo, hi] : [];
}

/** A range with room around it; a flat line gets a range around its value. */
function padRange(lo: number, hi: number, pad: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) return lo === 0 ? [-1, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

/**
 * Round tick values (1, 2 or 5 × 10^k apart) inside `[lo, hi]`, about `count` of them.
 *
 * @example
 * niceTicks(0, 1, 5); // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(4)).toString();
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(5, 16).replace('T', ' ');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Text made safe inside SVG elements and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}
