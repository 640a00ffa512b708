/**
 * Object ids as callers pass them in, and errors that name the object they concern.
 */
import { GitTrackError, isGitTrackError } from '../errors.js';
import type { ObjectFormat } from './object-format.js';

/**
 * The id in lowercase; BAD_INPUT unless it is a whole hex id of `format`.
 *
 * @example
 * checkOid('9FCEB02…', store.format); // '9fceb02…'
 */
export function checkOid(oid: string, format: ObjectFormat): string {
  const id = typeof oid === 'string' ? oid.toLowerCase() : '';
  if (!format.oidPattern.test(id)) {
    throw new GitTrackError('BAD_INPUT', `'${oid}' is not a ${format.hexLength}-digit hex object id (${format.name})`, { oid });
  }
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
