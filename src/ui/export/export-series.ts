/**
 * The step series of an export: per run, answers by step and by wall time downsampled to
 * EXPORT_POINTS per line (what a chart shows before any zoom), and beside them every point of
 * each downsampled line in chunks of UI_EXPORT_CHUNK_POINTS, which the page loads on zoom (docs/ui-api.md "Static
 * export"). A line too large for the export's budget keeps only its downsampled points, and
 * says so in `full.omitted` so the page can tell the reader.
 */
import { isGitTrackError } from '../../errors.js';
import { UI_EXPORT_CHUNK_POINTS, UI_EXPORT_FULL_POINTS, UI_EXPORT_SERIES_POINTS } from '../../limits.js';
import { resolveRun } from '../../runs/resolve-run.js';
import { readSeriesColumns, type SeriesColumns } from '../../series/series-columns.js';
import { answerApi } from '../server/answer-api.js';
import type { UiState } from '../server/ui-state.js';
import { exportKey } from './export-key.js';

/** Points per line in an export's first view: no zoom detail by itself, every line keeps its shape. */
export const EXPORT_POINTS = 2000;

/** How many raw points the export may still write (shared by every run of one export). */
export interface FullBudget {
  perSeries: number;
  left: number;
}

/**
 * The default budget: UI_EXPORT_SERIES_POINTS per line, UI_EXPORT_FULL_POINTS in all.
 * @example const budget = fullBudget(); for (const id of ids) exportRunSeries(state, id, put, budget);
 */
export function fullBudget(): FullBudget {
  return { perSeries: UI_EXPORT_SERIES_POINTS, left: UI_EXPORT_FULL_POINTS };
}

/**
 * Where a line's every point is: chunks `[first step, last step, points]` and each chunk's
 * earliest and latest time (null: no point of it has one), or why it is not there.
 */
export type FullSeries = { chunks: [number, number, number][]; times?: ([number, number] | null)[] } | { omitted: 'series-limit' | 'export-limit'; limit: number };

type Line = { metric: string; total: number; downsampled: boolean; full?: FullSeries };

/**
 * Write the series answers of run `id` through `put(key, body)`: `series?runs=<id>` (by step),
 * `series?runs=<id>&x=time` (by wall time, when a series has timestamps) and, for each line
 * downsampled in them, `series-points?chunk=<i>&metric=<m>&run=<id>` = `{x, y, t?}`: steps,
 * values and (when the series has any) times in ms, null where a point has none. Returns
 * false when the run has no series.
 *
 * @example
 * exportRunSeries(state, '3f9a21c0b7d4', put, fullBudget());
 */
export function exportRunSeries(state: UiState, id: string, put: (key: string, body: unknown) => void, budget: FullBudget): boolean {
  const ask = (x: string) => answerApi(state, 'series', new URLSearchParams({ runs: id, points: String(EXPORT_POINTS), x }));
  const byStep = ask('step');
  const body = byStep.body as { lines: Line[] };
  if (byStep.status !== 200 || body.lines.length === 0) return false;
  let tree: string | null = null;
  for (const line of body.lines) {
    if (!line.downsampled) continue;
    if (line.total > budget.perSeries) {
      line.full = { omitted: 'series-limit', limit: budget.perSeries };
      continue;
    }
    if (line.total > budget.left) {
      line.full = { omitted: 'export-limit', limit: UI_EXPORT_FULL_POINTS };
      continue;
    }
    tree ??= resolveRun(state.ctx, id).entry.tree;
    let columns: SeriesColumns;
    try {
      columns = readSeriesColumns(state.ctx, tree, line.metric, `run ${id}`, { times: true });
    } catch (err) {
      // The downsampled answer already warned about a damaged series; it just has no chunks.
      if (!isGitTrackError(err)) throw err;
      continue;
    }
    line.full = writeChunks(columns, (i, chunk) => put(exportKey('series-points', { chunk: String(i), metric: line.metric, run: id }), chunk));
    budget.left -= columns.step.length;
  }
  put(exportKey('series', { runs: id }), body);
  const byTime = ask('time');
  const timed = byTime.body as { lines: Line[] };
  if (byTime.status === 200 && timed.lines.length > 0) {
    // The time lines point at the same chunks: they hold each point's time too.
    const full = new Map(body.lines.map((l) => [l.metric, l.full]));
    for (const line of timed.lines) if (line.downsampled && full.get(line.metric)) line.full = full.get(line.metric);
    put(exportKey('series', { runs: id, x: 'time' }), timed);
  }
  return true;
}

/** The series in chunks of UI_EXPORT_CHUNK_POINTS points ascending by step; returns where they are. */
function writeChunks(c: SeriesColumns, put: (i: number, chunk: object) => void): FullSeries {
  const n = c.step.length;
  let order: number[] | null = null;
  for (let i = 1; i < n && !order; i++) if (c.step[i - 1]! > c.step[i]!) order = Array.from({ length: n }, (_, k) => k).sort((a, b) => c.step[a]! - c.step[b]! || a - b);
  const at = (k: number) => (order ? order[k]! : k);
  const timed = c.time.some((t) => !Number.isNaN(t));
  const chunks: [number, number, number][] = [];
  const times: ([number, number] | null)[] = [];
  for (let from = 0, i = 0; from < n; from += UI_EXPORT_CHUNK_POINTS, i++) {
    const idx = Array.from({ length: Math.min(UI_EXPORT_CHUNK_POINTS, n - from) }, (_, k) => at(from + k));
    const x = idx.map((k) => c.step[k]!);
    const y = idx.map((k) => c.value[k]!);
    const t = timed ? idx.map((k) => (Number.isNaN(c.time[k]!) ? null : c.time[k]!)) : undefined;
    put(i, t ? { x, y, t } : { x, y });
    chunks.push([x[0]!, x[x.length - 1]!, x.length]);
    const known = t?.filter((v): v is number => v !== null) ?? [];
    times.push(known.length ? [Math.min(...known), Math.max(...known)] : null);
  }
  return timed ? { chunks, times } : { chunks };
}
