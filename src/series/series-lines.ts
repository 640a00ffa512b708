/**
 * A metric series as a line to draw: x by step, wall time or time since the line began,
 * cut to an x-range and downsampled. Shared by the dashboard's series API and `git-track
 * plot`. Pure.
 */
import { lttbIndexes } from './downsample.js';

export type XAxis = 'step' | 'time' | 'relative';

export const X_AXES: readonly XAxis[] = ['step', 'time', 'relative'];

/** A point as stored (`timestamp` ISO text) or as streamed by a running run (`ts` ms). */
export interface AnyPoint {
  step: number;
  value: number;
  timestamp?: string;
  ts?: number;
}

/**
 * The line of `points` on axis `x`, ascending in x. `time` is milliseconds since the epoch,
 * `relative` seconds since the line's first timestamp; points without a time are left out of
 * those two.
 *
 * @example
 * toLine([{ step: 1, value: 0.5 }, { step: 2, value: 0.4 }], 'step'); // { x: [1, 2], y: [0.5, 0.4] }
 */
export function toLine(points: readonly AnyPoint[], x: XAxis): { x: Float64Array; y: Float64Array } {
  return columnsLine(pointsToColumns(points), x);
}

/**
 * Points as columns (`time` NaN where a point has no timestamp).
 *
 * @example
 * pointsToColumns([{ step: 1, value: 0.5 }]); // { step: [1], value: [0.5], time: [NaN] }
 */
export function pointsToColumns(points: readonly AnyPoint[]): { step: Float64Array; value: Float64Array; time: Float64Array } {
  const n = points.length;
  const step = new Float64Array(n);
  const value = new Float64Array(n);
  const time = new Float64Array(n);
  points.forEach((p, i) => ((step[i] = p.step), (value[i] = p.value), (time[i] = timeOf(p) ?? NaN)));
  return { step, value, time };
}

/**
 * {@link toLine} over a series read as columns (`time` NaN where a point has none).
 *
 * @example
 * columnsLine(readSeriesColumns(ctx, tree, 'loss', 'run 3f9a'), 'relative');
 */
export function columnsLine(c: { step: Float64Array; value: Float64Array; time: Float64Array }, x: XAxis): { x: Float64Array; y: Float64Array } {
  if (x === 'step') return sortedLine(c.step, c.value);
  const n = c.value.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(c.time[i]!)) continue;
    xs[k] = c.time[i]!;
    ys[k++] = c.value[i]!;
  }
  const line = sortedLine(xs.subarray(0, k), ys.subarray(0, k));
  if (x === 'relative' && k > 0) {
    const t0 = line.x[0]!;
    // Never rewrite the caller's columns: sortedLine may have returned them as they are.
    return { x: Float64Array.from(line.x, (t) => (t - t0) / 1000), y: line.y };
  }
  return line;
}

/** The line ascending in x (stable for equal x); the arrays themselves when already so. */
function sortedLine(xs: Float64Array, ys: Float64Array): { x: Float64Array; y: Float64Array } {
  let sorted = true;
  for (let i = 1; i < xs.length && sorted; i++) sorted = xs[i - 1]! <= xs[i]!;
  if (sorted) return { x: xs, y: ys };
  const order = Array.from({ length: xs.length }, (_, i) => i).sort((a, b) => xs[a]! - xs[b]! || a - b);
  return { x: Float64Array.from(order, (i) => xs[i]!), y: Float64Array.from(order, (i) => ys[i]!) };
}

function timeOf(p: AnyPoint): number | undefined {
  if (p.ts !== undefined) return p.ts;
  if (p.timestamp === undefined) return undefined;
  const t = Date.parse(p.timestamp);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The part of `line` with x in `[min, max]`, downsampled to at most `points` by LTTB.
 *
 * @example
 * viewLine(toLine(points, 'step'), { points: 1000 }); // { x, y, inRange: 100000, downsampled: true }
 */
export function viewLine(line: { x: Float64Array; y: Float64Array }, options: { points: number; min?: number; max?: number }): { x: number[]; y: number[]; inRange: number; downsampled: boolean } {
  let from = 0;
  let to = line.x.length;
  if (options.min !== undefined) from = lowerBound(line.x, options.min);
  if (options.max !== undefined) to = upperBound(line.x, options.max);
  const x = line.x.subarray(from, Math.max(from, to));
  const y = line.y.subarray(from, Math.max(from, to));
  const keep = lttbIndexes({ x, y }, options.points);
  const outX: number[] = new Array(keep.length);
  const outY: number[] = new Array(keep.length);
  for (let i = 0; i < keep.length; i++) (outX[i] = x[keep[i]!]!), (outY[i] = y[keep[i]!]!);
  return { x: outX, y: outY, inRange: x.length, downsampled: keep.length < x.length };
}

/** First index with `a[i] >= v`. */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with `a[i] > v`. */
function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
