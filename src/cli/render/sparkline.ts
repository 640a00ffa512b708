/**
 * Terminal sparklines: ▁▂▃▄▅▆▇█.
 */
const BARS = '▁▂▃▄▅▆▇█';

/**
 * A sparkline of at most `width` characters; longer series are averaged into buckets.
 *
 * @example
 * sparkline([1, 2, 3, 4, 5, 6, 7, 8]); // '▁▂▃▄▅▆▇█'
 * sparkline([3, 3]);                   // '▄▄'
 */
export function sparkline(values: number[], width = 40): string {
  if (values.length === 0) return '';
  const buckets = values.length <= width ? values : Array.from({ length: width }, (_, i) => {
    const from = Math.floor((i * values.length) / width);
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / width));
    let sum = 0;
    for (let j = from; j < to; j++) sum += values[j]!;
    return sum / (to - from);
  });
  const min = Math.min(...buckets);
  const max = Math.max(...buckets);
  if (max === min) return BARS[3]!.repeat(buckets.length);
  return buckets.map((v) => BARS[Math.min(7, Math.floor(((v - min) / (max - min)) * 8))]).join('');
}
