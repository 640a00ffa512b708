/**
 * `/api/series`: the step series of many runs, one line per (run, metric), LTTB-downsampled
 * to the points the chart can show (full detail inside a zoomed x-range). See docs/ui-api.md.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parseMetricStream } from '../../capture/metric-stream.js';
import { STREAM_FILE } from '../../capture/staging.js';
import { GitTrackError, isGitTrackError } from '../../errors.js';
import { MAX_SERIES_BYTES, MAX_UI_COMPARE_RUNS, MAX_UI_POINTS, MAX_UI_SERIES_LINES } from '../../limits.js';
import { runColour } from '../../plot/run-colour.js';
import { readSeriesColumns, summariseColumns, type SeriesColumns } from '../../series/series-columns.js';
import { columnsLine, pointsToColumns, viewLine, X_AXES } from '../../series/series-lines.js';
import { findRun } from './run-api.js';
import { choiceParam, intParam, listParam, numberParam } from './query-params.js';
import type { LiveRun } from './live-runs.js';
import type { UiState } from './ui-state.js';

/**
 * Lines of the runs and metrics asked for.
 *
 * @example
 * seriesAnswer(state, new URLSearchParams('runs=a1b2,c3d4&metrics=loss&points=500'));
 */
export function seriesAnswer(state: UiState, q: URLSearchParams): object {
  const refs = listParam(q, 'runs', MAX_UI_COMPARE_RUNS);
  if (!refs || refs.length === 0) throw new GitTrackError('USAGE', 'runs: name at least one run, e.g. runs=3f9a21c0b7d4');
  const metrics = listParam(q, 'metrics', MAX_UI_SERIES_LINES);
  const x = choiceParam(q, 'x', X_AXES, 'step');
  const points = intParam(q, 'points', 1000, 3, MAX_UI_POINTS);
  const min = numberParam(q, 'xmin');
  const max = numberParam(q, 'xmax');
  const lines: object[] = [];
  const missing: { run: string; metric: string }[] = [];
  for (const ref of refs) {
    const found = findRun(state, ref);
    const run = 'live' in found ? { id: found.live.id, name: found.live.name, series: liveSeries(found.live) } : recordedSeries(found.resolved.manifest, found.resolved.entry.tree);
    const names = metrics ?? [...run.series.keys()].sort();
    for (const metric of names) {
      if (lines.length >= MAX_UI_SERIES_LINES) throw new GitTrackError('USAGE', `the request asks for more than ${MAX_UI_SERIES_LINES} lines (runs × metrics)`, { limit: MAX_UI_SERIES_LINES });
      const load = run.series.get(metric);
      const stored = load ? columnsOf(state, load) : undefined;
      if (!stored || stored.value.length === 0) {
        missing.push({ run: run.id, metric });
        continue;
      }
      const line = columnsLine(stored, x);
      if (line.x.length === 0) {
        missing.push({ run: run.id, metric });
        continue;
      }
      const view = viewLine(line, { points, min, max });
      lines.push({
        run: run.id,
        name: run.name ?? null,
        metric,
        color: runColour(run.id),
        total: stored.value.length,
        inRange: view.inRange,
        downsampled: view.downsampled,
        x: view.x,
        y: view.y,
        summary: summariseColumns(metric, stored),
      });
    }
  }
  return { x, lines, missing };

  function recordedSeries(m: { id: string; name?: string; series?: string[] }, tree: string) {
    const series = new Map<string, () => SeriesColumns>((m.series ?? []).map((metric) => [metric, () => cachedColumns(state, tree, metric, `run ${m.id}`, x !== 'step')]));
    return { id: m.id, name: m.name, series };
  }
}

/** Points of decoded series kept for the next requests (a zoom, a refresh): ~24 bytes each. */
const CACHED_POINTS = 2_000_000;

/**
 * A recorded series by its run tree and metric (immutable, so never stale), the most recently
 * used kept up to {@link CACHED_POINTS} points.
 */
function cachedColumns(state: UiState, tree: string, metric: string, what: string, times: boolean): SeriesColumns {
  const key = `${tree}:${metric}`;
  const hit = state.series.get(key);
  if (hit && (!times || hit.times)) {
    state.series.delete(key);
    state.series.set(key, hit);
    return hit.columns;
  }
  const columns = readSeriesColumns(state.ctx, tree, metric, what, { times });
  state.series.set(key, { columns, times });
  let total = 0;
  for (const e of state.series.values()) total += e.columns.value.length;
  for (const [k, e] of state.series) {
    if (total <= CACHED_POINTS || k === key) break;
    state.series.delete(k);
    total -= e.columns.value.length;
  }
  return columns;
}

/** The columns of one series; a damaged series file is a warning and no line. */
function columnsOf(state: UiState, load: () => SeriesColumns): SeriesColumns | undefined {
  try {
    return load();
  } catch (err) {
    if (!isGitTrackError(err)) throw err;
    state.ctx.env.warn(err.message);
    return undefined;
  }
}

/** The series a running run streamed so far (its staging dir's metrics.jsonl). */
function liveSeries(r: LiveRun): Map<string, () => SeriesColumns> {
  const text = readStream(join(r.dir, STREAM_FILE));
  if (text === null) return new Map();
  const all = parseMetricStream(text, `run ${r.id} ${STREAM_FILE}`, () => {});
  return new Map([...all].map(([metric, points]) => [metric, () => pointsToColumns(points)]));
}

/** The stream's text (at most its last MAX_SERIES_BYTES), or null when there is none yet. */
function readStream(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - MAX_SERIES_BYTES);
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    const text = buf.subarray(0, n).toString('utf8');
    // A cut stream starts mid-line: drop the partial first line.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}
