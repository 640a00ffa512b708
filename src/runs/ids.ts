/**
 * Run ids: 48 random bits as 12 hex digits. Random (not time-ordered) so machines need no
 * coordination and runs spread evenly over the 256 shards; at 100,000 runs the chance of any
 * collision is ~2e-5, and a collision is detected at write time (the id is drawn again).
 */
import type { Env } from '../env.js';

/**
 * Ids YAML would read as a number (`123456789012`, `542e86568557`): ~0.8% of draws. They are
 * drawn again, so an id always reads as itself, unquoted, in every manifest and record.
 */
const NUMERIC = /^[0-9]+(e[0-9]+)?$/;

/**
 * A fresh run id.
 *
 * @example
 * newRunId(env); // '3f9a21c0b7d4'
 */
export function newRunId(env: Env): string {
  for (;;) {
    const id = env.random(6).toString('hex');
    if (!NUMERIC.test(id)) return id;
  }
}
