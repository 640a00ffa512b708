/**
 * Object ids as callers pass them in, and errors that name the object they concern.
 */
import { GitTrackError, isGitTrackError } from '../errors.js';

const OID = /^[0-9a-f]{40}$/;

/**
 * The id in lowercase; BAD_INPUT unless it is 40 hex digits.
 *
 * @example
 * checkOid('9FCEB02…'); // '9fceb02…'
 */
export function checkOid(oid: string): string {
  const id = typeof oid === 'string' ? oid.toLowerCase() : '';
  if (!OID.test(id)) throw new GitTrackError('BAD_INPUT', `'${oid}' is not a 40-digit hex object id`, { oid });
  return id;
}

/**
 * Run `fn`; a CORRUPT_OBJECT error it throws is tagged with `oid` when it names none.
 *
 * @example
 * withOid(oid, () => decodeTree(bytes));
 */
export function withOid<T>(oid: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isGitTrackError(err, 'CORRUPT_OBJECT') && !err.data.oid) err.data.oid = oid;
    throw err;
  }
}
