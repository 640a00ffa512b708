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
  return { oid: file.oid, ...decodeSeriesBytes(blob, `${what} ${path}`, options) };
}

/**
 * TSV text (`step\tvalue\ttimestamp`) → columns; the same checks as `decodeSeries`.
 *
 * @example
 * decodeSeriesColumns('step\tvalue\ttimestamp\n1\t0.5\t\n', 'series/loss.tsv').value; // Float64Array [0.5]
 */
export function decodeSeriesColumns(text: string, source: string, options: { times?: boolean } = {}): SeriesColumns {
  return decodeSeriesBytes(Buffer.from(text, 'utf8'), source, options);
}

const HEADER = Buffer.from(SERIES_HEADER);
const NL = 10;
const TAB = 9;

/**
 * {@link decodeSeriesColumns} straight from the blob's bytes: no string of the whole file and
 * none per number on the common path, so decoding 10 × 100,000 points leaves little garbage
 * (the dashboard's memory budget). Timestamps are parsed only with `times` (they are most
 * of the cost); else `time` is all NaN.
 */
export function decodeSeriesBytes(buf: Buffer, source: string, options: { times?: boolean } = {}): SeriesColumns {
  const times = options.times ?? true;
  const headerEnd = buf.indexOf(NL);
  const header = headerEnd < 0 ? buf : buf.subarray(0, headerEnd);
  if (!header.equals(HEADER)) throw new GitTrackError('INVALID_MANIFEST', `${source}: expected the header '${SERIES_HEADER.replace(/\t/g, '\\t')}'`, { source });
  let lines = 0;
  for (let i = headerEnd; i >= 0 && i < buf.length; i = buf.indexOf(NL, i + 1)) lines++;
  const step = new Float64Array(lines);
  const value = new Float64Array(lines);
  const time = new Float64Array(lines);
  let n = 0;
  let line = 1;
  for (let start = headerEnd + 1; headerEnd >= 0 && start < buf.length; line++) {
    let end = buf.indexOf(NL, start);
    if (end < 0) end = buf.length;
    if (end > start) {
      let tab1 = buf.indexOf(TAB, start);
      if (tab1 > end) tab1 = -1;
      let tab2 = tab1 < 0 ? -1 : buf.indexOf(TAB, tab1 + 1);
      if (tab2 > end) tab2 = -1;
      const s = parseNumber(buf, start, tab1 < 0 ? end : tab1);
      const v = tab1 < 0 ? NaN : parseNumber(buf, tab1 + 1, tab2 < 0 ? end : tab2);
      if (!Number.isFinite(s) || !Number.isFinite(v)) throw new GitTrackError('INVALID_MANIFEST', `${source}:${line + 1}: not a step and a finite value`, { source });
      step[n] = s;
      value[n] = v;
      time[n] = !times || tab2 < 0 || tab2 >= end - 1 ? NaN : Date.parse(buf.toString('latin1', tab2 + 1, end));
      n++;
    }
    start = end + 1;
  }
  return { step: step.subarray(0, n), value: value.subarray(0, n), time: time.subarray(0, n) };
}

/** Exact powers of ten as doubles (10^22 is the largest exact one). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * `Number(text)` of the bytes `[start, end)`. Plain decimals with at most 15 significant
 * digits are computed as one exact integer scaled by one exact power of ten — a single
 * correctly rounded operation, so the same double `Number()` gives; anything else goes
 * through `Number()` itself.
 */
function parseNumber(buf: Buffer, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (buf[i] === 45 || buf[i] === 43) (negative = buf[i] === 45), i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let seenDigit = false;
  let dot = false;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) {
      seenDigit = true;
      if (digits === 0 && c === 48) {
        if (dot) scale--;
        continue;
      }
      if (++digits > 15) return Number(buf.toString('latin1', start, end));
      mantissa = mantissa * 10 + (c - 48);
      if (dot) scale--;
    } else if (c === 46 && !dot) dot = true;
    else break;
  }
  if (!seenDigit) return Number(buf.toString('latin1', start, end));
  if (i < end) {
    const c = buf[i]!;
    if (c !== 101 && c !== 69) return Number(buf.toString('latin1', start, end));
    i++;
    let expNegative = false;
    if (buf[i] === 45 || buf[i] === 43) (expNegative = buf[i] === 45), i++;
    let exp = 0;
    let expDigits = 0;
    for (; i < end; i++) {
      const d = buf[i]!;
      if (d < 48 || d > 57 || ++expDigits > 4) return Number(buf.toString('latin1', start, end));
      exp = exp * 10 + (d - 48);
    }
    if (expDigits === 0) return Number(buf.toString('latin1', start, end));
    scale += expNegative ? -exp : exp;
  }
  if (mantissa === 0) return negative ? -0 : 0;
  if (scale < -22 || scale > 22) return Number(buf.toString('latin1', start, end));
  const abs = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
  // A product past 2^53 may round twice; hand it to Number() (rare: big steps in e-notation).
  if (scale > 0 && abs > Number.MAX_SAFE_INTEGER) return Number(buf.toString('latin1', start, end));
  return negative ? -abs : abs;
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
