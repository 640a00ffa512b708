/**
 * Exponential moving average with the start-up bias removed (TensorBoard's smoothing), so the
 * first points are not pulled towards zero. `weight` 0 = raw, 0.99 = very smooth.
 * Missing values (null) stay missing and do not break the average.
 * @example ema([1, 2, 3], 0.5); // [1, 1.667, 2.429]
 */
export function ema(y: ArrayLike<number | null>, weight: number): (number | null)[] {
  const out: (number | null)[] = new Array(y.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    out[i] = last / (1 - weight ** n);
  }
  return out;
}
