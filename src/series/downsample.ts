/**
 * Downsampling a metric line for drawing: Largest-Triangle-Three-Buckets (Steinarsson, 2013).
 * A chart a few thousand pixels wide cannot show a million points; LTTB keeps the first and
 * last points and, in each bucket, the point that spans the largest triangle with its
 * neighbours' choices, so spikes and dips survive where averaging or striding would drop them.
 * Shared by the dashboard's series API and `git-track plot`. Pure.
 */

/** A line as two parallel arrays, x ascending. */
export interface XY {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/**
 * The indexes LTTB keeps of a line of `n` points, ascending, at most `threshold` of them
 * (every index when `n <= threshold` or `threshold < 3`).
 *
 * @example
 * lttbIndexes({ x: [0, 1, 2, 3, 4], y: [0, 5, 0, 1, 0] }, 3); // [0, 1, 4]
 */
export function lttbIndexes(line: XY, threshold: number): Uint32Array {
  const n = Math.min(line.x.length, line.y.length);
  if (threshold >= n || threshold < 3) return Uint32Array.from({ length: n }, (_, i) => i);
  const { x, y } = line;
  const out = new Uint32Array(threshold);
  // The first and last points are always kept; the n-2 between them fall in threshold-2 buckets.
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  out[0] = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // The average of the next bucket stands in for the point not chosen yet.
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) (avgX += x[j]!), (avgY += y[j]!);
    const count = nextEnd - nextStart;
    avgX /= count;
    avgY /= count;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = x[a]!;
    const ay = y[a]!;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * (y[j]! - ay) - (ax - x[j]!) * (avgY - ay));
      if (area > bestArea) (bestArea = area), (best = j);
    }
    out[i + 1] = best;
    a = best;
  }
  out[threshold - 1] = n - 1;
  return out;
}

/**
 * The line downsampled to at most `threshold` points by {@link lttbIndexes}.
 *
 * @example
 * lttb({ x: [0, 1, 2, 3, 4], y: [0, 5, 0, 1, 0] }, 3); // { x: [0, 1, 4], y: [0, 5, 0] }
 */
export function lttb(line: XY, threshold: number): { x: number[]; y: number[] } {
  const keep = lttbIndexes(line, threshold);
  const x: number[] = new Array(keep.length);
  const y: number[] = new Array(keep.length);
  for (let i = 0; i < keep.length; i++) (x[i] = line.x[keep[i]!]!), (y[i] = line.y[keep[i]!]!);
  return { x, y };
}
