/**
 * Reading objects that arrive from other people (manifests, series, records, the trees of
 * `runs`) with their size checked from the object header before anything is inflated: a
 * 100 MB manifest pushed to a shared remote costs one refusal, not seconds and gigabytes.
 * The limits are those of src/limits.ts.
 */
import { formatBytes } from '../config/size.js';
import { GitTrackError, isGitTrackError, type ErrorCode } from '../errors.js';
import { MAX_TREE_BYTES, MAX_TREE_ENTRIES } from '../limits.js';
import type { TreeEntry } from './encode.js';
import type { ObjectStore } from './objects.js';

/**
 * A blob's bytes, refused with `code` when it is larger than `max` bytes. `what` names it in
 * the message (`run 3f9a21c0b7d4: run.yaml`).
 *
 * @example
 * readBoundedBlob(ctx.store, oid, MAX_MANIFEST_BYTES, 'run 3f9a21c0b7d4: run.yaml', 'INVALID_MANIFEST');
 */
export function readBoundedBlob(store: ObjectStore, oid: string, max: number, what: string, code: ErrorCode = 'CORRUPT_OBJECT'): Buffer {
  checkSize(store, oid, max, what, code);
  return store.readBlob(oid);
}

/**
 * A tree's entries, refused (CORRUPT_OBJECT) past {@link MAX_TREE_BYTES} bytes or
 * {@link MAX_TREE_ENTRIES} entries.
 *
 * @example
 * readBoundedTree(ctx.store, shardOid, 'runs/3f');
 */
export function readBoundedTree(store: ObjectStore, oid: string, what: string): TreeEntry[] {
  checkSize(store, oid, MAX_TREE_BYTES, `tree ${what}`, 'CORRUPT_OBJECT');
  let entries: TreeEntry[];
  try {
    entries = store.readTree(oid);
  } catch (err) {
    // The store refuses a tree past the entry limit too: say which tree of runs it is.
    if (isGitTrackError(err, 'CORRUPT_OBJECT') && typeof err.data.entries === 'number') {
      throw new GitTrackError('CORRUPT_OBJECT', `tree ${what} has ${err.data.entries} entries, over the limit of ${MAX_TREE_ENTRIES}`, { oid, entries: err.data.entries, limit: MAX_TREE_ENTRIES });
    }
    throw err;
  }
  if (entries.length > MAX_TREE_ENTRIES) {
    throw new GitTrackError('CORRUPT_OBJECT', `tree ${what} has ${entries.length} entries, over the limit of ${MAX_TREE_ENTRIES}`, { oid, entries: entries.length, limit: MAX_TREE_ENTRIES });
  }
  return entries;
}

function checkSize(store: ObjectStore, oid: string, max: number, what: string, code: ErrorCode): void {
  const size = store.size(oid);
  if (size > max) throw new GitTrackError(code, `${what} is ${formatBytes(size)}, over the limit of ${formatBytes(max)}`, { oid, size, limit: max });
}
