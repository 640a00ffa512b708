/**
 * `/api/series` answered from an export's files (docs/ui-api.md "Static export"): each run's
 * lines by step (`series?runs=<id>`) and by wall time (`series?runs=<id>&x=time`), 2,000
 * points each, merged across runs; "time since start" is the wall-time line less its first
 * time. A zoom into a downsampled line reads the chunks of its every point that cover the
 * range (when few enough) and cuts and downsamples them like the server.
 */
import { exportKey } from '../export/export-key.js';
import { viewLine } from '../../series/series-lines.js';
import { UI_EXPORT_ZOOM_POINTS } from '../../limits.js';
import type { Param } from './data-source.js';
import type { SeriesAnswer, SeriesLine } from './api-types.js';

/** How the export's data source reads an answer: `has` without loading, `take` loads once and forgets. */
export interface ExportFiles {
  has(key: string): boolean;
  load<T>(key: string): Promise<T>;
  take<T>(key: string): Promise<T | undefined>;
}

interface Chunk {
  x: number[];
  y: number[];
  t?: (number | null)[];
}

type Range = { min?: number; max?: number; points: number };

/**
 * The series answer of `params` (runs, metrics, x, xmin, xmax, points) from the export's files.
 * @example await exportSeries(files, { runs: 'a1b2,c3d4', x: 'relative' });
 */
export async function exportSeries(files: ExportFiles, params: Record<string, Param>): Promise<SeriesAnswer> {
  const ids = String(params['runs'] ?? '').split(',').filter(Boolean);
  const metrics = params['metrics'] ? new Set(String(params['metrics']).split(',')) : null;
  const x = params['x'] === 'time' || params['x'] === 'relative' ? params['x'] : 'step';
  const num = (v: Param) => (v === undefined || v === '' || v === false ? undefined : Number(v));
  const range: Range = { min: num(params['xmin']), max: num(params['xmax']), points: num(params['points']) ?? 1000 };
  const zoomed = range.min !== undefined || range.max !== undefined;
  const out: SeriesAnswer = { x, lines: [], missing: [], warnings: [] };
  for (const id of ids) {
    const stepKey = exportKey('series', { runs: id });
    const timeKey = exportKey('series', { runs: id, x: 'time' });
    const byStep = files.has(stepKey) ? await files.load<SeriesAnswer>(stepKey) : null;
    const answer = x === 'step' ? byStep : files.has(timeKey) ? await files.load<SeriesAnswer>(timeKey) : null;
    for (const line of answer?.lines ?? []) {
      if (metrics && !metrics.has(line.metric)) continue;
      out.lines.push(zoomed ? await zoomLine(files, line, range, x) : onAxis(line, x));
    }
    // A series without timestamps has a step line but no time line: the page counts them.
    const have = new Set(answer?.lines.map((l) => l.metric));
    const wanted = metrics ? [...metrics] : (byStep?.lines.map((l) => l.metric) ?? []);
    for (const m of wanted) if (!have.has(m)) out.missing.push({ run: id, metric: m });
  }
  return out;
}

/** A line as stored (x = step or wall time), on the axis asked for. */
function onAxis(line: SeriesLine, x: string): SeriesLine {
  if (x !== 'relative' || line.x.length === 0) return { ...line };
  // LTTB keeps a line's first point, so x[0] is the series' first time, as the server counts it.
  const t0 = line.x[0]!;
  return { ...line, x: line.x.map((t) => (t - t0) / 1000) };
}

async function zoomLine(files: ExportFiles, line: SeriesLine, r: Range, x: string): Promise<SeriesLine> {
  const t0 = line.x[0] ?? 0;
  // The range in the stored line's units (steps, or milliseconds for both time axes).
  const min = x === 'relative' && r.min !== undefined ? t0 + r.min * 1000 : r.min;
  const max = x === 'relative' && r.max !== undefined ? t0 + r.max * 1000 : r.max;
  let from: { x: Float64Array; y: Float64Array } = { x: Float64Array.from(line.x), y: Float64Array.from(line.y) };
  let exact = !line.downsampled;
  const full = line.full && 'chunks' in line.full ? line.full : null;
  if (full) {
    const spans = x === 'step' ? full.chunks.map((c) => [c[0], c[1]] as const) : full.times ?? [];
    const wanted = full.chunks.map((c, i) => ({ n: c[2], i, span: spans[i] })).filter((w) => w.span && (max === undefined || w.span[0] <= max) && (min === undefined || w.span[1] >= min));
    if (wanted.reduce((n, w) => n + w.n, 0) <= UI_EXPORT_ZOOM_POINTS) {
      const parts = await Promise.all(wanted.map((w) => files.take<Chunk>(exportKey('series-points', { chunk: String(w.i), metric: line.metric, run: line.run }))));
      const ok = parts.filter((p): p is Chunk => p !== undefined && Array.isArray(p.x) && Array.isArray(p.y) && (x === 'step' || Array.isArray(p.t)));
      if (ok.length === parts.length) {
        from = x === 'step' ? { x: Float64Array.from(ok.flatMap((p) => p.x)), y: Float64Array.from(ok.flatMap((p) => p.y)) } : byTime(ok);
        exact = true;
      }
    }
  }
  const view = viewLine(from, { points: r.points, min, max });
  const xs = x === 'relative' ? view.x.map((t) => (t - t0) / 1000) : view.x;
  return { ...line, x: xs, y: view.y, inRange: view.inRange, downsampled: exact ? view.downsampled : true };
}

/** The points of chunks that have a time, ascending by time (stable, like the server's line). */
function byTime(parts: Chunk[]): { x: Float64Array; y: Float64Array } {
  const pts: [number, number][] = [];
  for (const p of parts) p.t!.forEach((t, k) => t !== null && pts.push([t, p.y[k]!]));
  pts.sort((a, b) => a[0] - b[0]);
  return { x: Float64Array.from(pts, (p) => p[0]), y: Float64Array.from(pts, (p) => p[1]) };
}
