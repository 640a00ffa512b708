/**
 * A stored series read as three typed arrays instead of one object per point. For drawing
 * many long series (the dashboard, `plot`) this matters: 10 runs × 100,000 steps decoded as
 * point objects with timestamp strings took ~4 s and ~250 MB (mostly garbage collection);
 * as columns the same is a few hundred ms and 2.4 MB a series.
 */
import { metricDirection, type DirectionOptions } from '../compare/direction.js';
import { SERIES_HEADER } from '../capture/series-files.js';
import { GitTrackError } from '../errors.js';
import { readBoundedBlob } from '../git/bounded-read.js';
import { lookupPath } from '../git/tree-edit.js';
import { MAX_SERIES_BYTES } from '../limits.js';
import type { TrackerContext } from '../tracker-context.js';
import type { SeriesSummary } from './read-series.js';
import { seriesPath } from './series-file.js';

export interface SeriesColumns {
  step: Float64Array;
  value: Float64Array;
  /** Milliseconds since the epoch; NaN where the point has no timestamp. */
  time: Float64Array;
}

/**
 * Series `metric` of the run whose directory tree is `tree` (the manifest must list it).
 *
 * @example
 * const { entry } = resolveRun(ctx, 'latest');
 * readSeriesColumns(ctx, entry.tree, 'loss', 'run 3f9a21c0b7d4').value.length; // 100000
 */
export function readSeriesColumns(ctx: TrackerContext, tree: string, metric: string, what: string, options: { times?: boolean } = {}): SeriesColumns & { oid: string } {
  const path = seriesPath(metric);
  const file = lookupPath(ctx.store, tree, path);
  if (!file || !(file.mode === '100644' || file.mode === '100755')) throw new GitTrackError('INVALID_MANIFEST', `${what} lists series '${metric}' but has no ${path}`, { metric });
  const blob = readBoundedBlob(ctx.store, file.oid, MAX_SERIES_BYTES, `${what} ${path}`, 'INVALID_MANIFEST');
  return { oid: file.oid, ...decodeSeriesColumns(blob.toString('utf8'), `${what} ${path}`, options) };
}

/**
 * TSV text (`step\tvalue\ttimestamp`) → columns; the same checks as `decodeSeries`. Parsing
 * the timestamps is most of the cost (measured: ~2/3 of 160 ms for 100,000 points), so it is
 * done only with `times` (else `time` is all NaN).
 *
 * @example
 * decodeSeriesColumns('step\tvalue\ttimestamp\n1\t0.5\t\n', 'series/loss.tsv').value; // Float64Array [0.5]
 */
export function decodeSeriesColumns(text: string, source: string, options: { times?: boolean } = {}): SeriesColumns {
  const times = options.times ?? true;
  const headerEnd = text.indexOf('\n');
  if ((headerEnd < 0 ? text : text.slice(0, headerEnd)) !== SERIES_HEADER) {
    throw new GitTrackError('INVALID_MANIFEST', `${source}: expected the header '${SERIES_HEADER.replace(/\t/g, '\\t')}'`, { source });
  }
  let lines = 0;
  for (let i = headerEnd; i >= 0 && i < text.length; i = text.indexOf('\n', i + 1)) lines++;
  const step = new Float64Array(lines);
  const value = new Float64Array(lines);
  const time = new Float64Array(lines);
  let n = 0;
  let line = 1;
  for (let start = headerEnd + 1; headerEnd >= 0 && start < text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const tab1 = text.indexOf('\t', start);
      const tab2 = tab1 < 0 || tab1 > end ? -1 : text.indexOf('\t', tab1 + 1);
      const s = Number(text.slice(start, tab1 < 0 || tab1 > end ? end : tab1));
      const v = tab1 < 0 || tab1 > end ? NaN : Number(text.slice(tab1 + 1, tab2 < 0 || tab2 > end ? end : tab2));
      if (!Number.isFinite(s) || !Number.isFinite(v)) throw new GitTrackError('INVALID_MANIFEST', `${source}:${line + 1}: not a step and a finite value`, { source });
      step[n] = s;
      value[n] = v;
      time[n] = !times || tab2 < 0 || tab2 >= end - 1 ? NaN : Date.parse(text.slice(tab2 + 1, end));
      n++;
    }
    start = end + 1;
  }
  return { step: step.subarray(0, n), value: value.subarray(0, n), time: time.subarray(0, n) };
}

/**
 * The summary `metrics` shows (points, last, min, max, best), from columns.
 *
 * @example
 * summariseColumns('loss', cols); // { points: 3, last: 0.5, min: 0.4, max: 0.9, direction: 'lower', best: 0.4, bestStep: 2 }
 */
export function summariseColumns(metric: string, c: SeriesColumns, options: DirectionOptions = {}): SeriesSummary {
  let last = 0;
  let minAt = 0;
  let maxAt = 0;
  for (let i = 0; i < c.value.length; i++) {
    if (c.step[i]! >= c.step[last]!) last = i;
    if (c.value[i]! < c.value[minAt]!) minAt = i;
    if (c.value[i]! > c.value[maxAt]!) maxAt = i;
  }
  const direction = metricDirection(metric, options);
  const best = direction === 'lower' ? minAt : direction === 'higher' ? maxAt : undefined;
  return {
    points: c.value.length,
    last: c.value[last]!,
    min: c.value[minAt]!,
    max: c.value[maxAt]!,
    ...(direction ? { direction } : {}),
    ...(best !== undefined ? { best: c.value[best]!, bestStep: c.step[best]! } : {}),
  };
}
