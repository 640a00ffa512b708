/**
 * The step series of an export: per run, one answer downsampled to EXPORT_POINTS per line
 * (what a chart shows before any zoom), and beside it every point of each downsampled line in
 * chunks of UI_EXPORT_CHUNK_POINTS, which the page loads on zoom (docs/ui-api.md "Static
 * export"). A line too large for the export's budget keeps only its downsampled points, and
 * says so in `full.omitted` so the page can tell the reader.
 */
import { isGitTrackError } from '../../errors.js';
import { UI_EXPORT_CHUNK_POINTS, UI_EXPORT_FULL_POINTS, UI_EXPORT_SERIES_POINTS } from '../../limits.js';
import { resolveRun } from '../../runs/resolve-run.js';
import { readSeriesColumns } from '../../series/series-columns.js';
import { columnsLine } from '../../series/series-lines.js';
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

/** The default budget: UI_EXPORT_SERIES_POINTS per line, UI_EXPORT_FULL_POINTS in all. */
export function fullBudget(): FullBudget {
  return { perSeries: UI_EXPORT_SERIES_POINTS, left: UI_EXPORT_FULL_POINTS };
}

/** Where a line's every point is: chunks `[first step, last step, points]`, or why it is not there. */
export type FullSeries = { chunks: [number, number, number][] } | { omitted: 'series-limit' | 'export-limit'; limit: number };

/**
 * Write the series answers of run `id` through `put(key, body)`: `series?runs=<id>` and, for
 * each line downsampled in it, `series-points?chunk=<i>&metric=<m>&run=<id>` = `{x, y}`.
 * Returns false when the run has no series.
 *
 * @example
 * exportRunSeries(state, '3f9a21c0b7d4', put, fullBudget());
 */
export function exportRunSeries(state: UiState, id: string, put: (key: string, body: unknown) => void, budget: FullBudget): boolean {
  const answer = answerApi(state, 'series', new URLSearchParams({ runs: id, points: String(EXPORT_POINTS) }));
  const body = answer.body as { lines: { metric: string; total: number; downsampled: boolean; full?: FullSeries }[] };
  if (answer.status !== 200 || body.lines.length === 0) return false;
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
    let points: { x: Float64Array; y: Float64Array };
    try {
      points = columnsLine(readSeriesColumns(state.ctx, tree, line.metric, `run ${id}`), 'step');
    } catch (err) {
      // The downsampled answer already warned about a damaged series; it just has no chunks.
      if (!isGitTrackError(err)) throw err;
      continue;
    }
    const chunks: [number, number, number][] = [];
    for (let from = 0, i = 0; from < points.x.length; from += UI_EXPORT_CHUNK_POINTS, i++) {
      const x = Array.from(points.x.subarray(from, from + UI_EXPORT_CHUNK_POINTS));
      const y = Array.from(points.y.subarray(from, from + UI_EXPORT_CHUNK_POINTS));
      put(exportKey('series-points', { chunk: String(i), metric: line.metric, run: id }), { x, y });
      chunks.push([x[0]!, x[x.length - 1]!, x.length]);
    }
    budget.left -= points.x.length;
    line.full = { chunks };
  }
  put(exportKey('series', { runs: id }), body);
  return true;
}
