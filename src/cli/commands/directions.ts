/**
 * `--higher-is-better f1,auc` / `--lower-is-better loss` (repeatable, comma-separated).
 */
import { GitTrackError, quoteInput } from '../../errors.js';
import type { DirectionOptions } from '../../compare/direction.js';

/**
 * Parse the direction flags; a metric named in both is a usage error.
 *
 * @example
 * parseDirections({ higherIsBetter: ['f1,auc'] }); // { higherIsBetter: ['f1', 'auc'], lowerIsBetter: [] }
 */
export function parseDirections(options: { higherIsBetter?: string[]; lowerIsBetter?: string[] }): DirectionOptions {
  const split = (list: string[] = []) => list.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const higherIsBetter = split(options.higherIsBetter);
  const lowerIsBetter = split(options.lowerIsBetter);
  const both = higherIsBetter.find((m) => lowerIsBetter.includes(m));
  if (both) throw new GitTrackError('USAGE', `metric ${quoteInput(both)} is given as both higher-is-better and lower-is-better`);
  return { higherIsBetter, lowerIsBetter };
}
