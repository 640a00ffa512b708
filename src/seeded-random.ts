/**
 * A small, well-distributed PRNG (mulberry32): the same seed draws the same numbers on every
 * machine, so `sweep --random N --seed S` and the seeded tests reproduce exactly.
 */

/**
 * A generator of numbers in [0, 1) from `seed`.
 *
 * @example
 * const next = seededRandom(7); next(); // the same first draw everywhere
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
