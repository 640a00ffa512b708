import { GitTrackError } from '../../src/errors.js';

/**
 * The GitTrackError `fn` throws; fails the test if it throws nothing or something else.
 *
 * @example
 * expect(errorOf(() => parseFilter('a >')).code).toBe('USAGE');
 */
export function errorOf(fn: () => unknown): GitTrackError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GitTrackError) return err;
    throw err;
  }
  throw new Error('expected a GitTrackError');
}
