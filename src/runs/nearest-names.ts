/**
 * "Did you mean": the run names closest to one that matched nothing, by edit distance.
 */

/** Names longer than this are compared by their first characters only (bounds the work). */
const MAX_COMPARED_CHARS = 64;

/**
 * Up to `max` of `names` nearest to `wanted`: those that contain it or start the same way,
 * then those within an edit distance of a third of its length (at least 2), closest first.
 *
 * @example
 * nearestNames(['baseline', 'base-lr', 'sweep'], 'baseilne'); // ['baseline', 'base-lr']
 */
export function nearestNames(names: Iterable<string>, wanted: string, max = 3): string[] {
  const w = wanted.toLowerCase().slice(0, MAX_COMPARED_CHARS);
  const limit = Math.max(2, Math.floor(w.length / 3));
  const scored: [number, string][] = [];
  for (const name of new Set(names)) {
    const n = name.toLowerCase().slice(0, MAX_COMPARED_CHARS);
    const d = n.includes(w) || w.includes(n) ? 0.5 : editDistance(n, w, limit);
    if (d <= limit) scored.push([d, name]);
  }
  return scored
    .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))
    .slice(0, max)
    .map(([, name]) => name);
}

/** Levenshtein distance, or `limit + 1` as soon as it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      best = Math.min(best, current[j]!);
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}
