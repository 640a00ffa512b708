/**
 * Checking the artifact bytes held in the `git` store (the tree of refs/git-track/artifacts,
 * which `pull` brings from other people) against the sha256 their pointers name: a corrupted
 * or substituted object there must fail `verify`, not only the `get` that meets it.
 */
import { createHash } from 'node:crypto';
import { parseListing } from '../artifacts/listing.js';
import { isGitTrackError } from '../errors.js';
import { readRef } from '../git/refs.js';
import { lookupPath } from '../git/tree-edit.js';
import { storePath } from '../sync/artifact-objects.js';
import { ARTIFACTS_REF } from '../sync/remote.js';
import type { TrackerContext } from '../tracker-context.js';

export interface StorePointer {
  kind: 'file' | 'dir';
  sha256: string;
  /** Who uses it, for messages: `artifact models/m.pkl of run 3f9a21c0b7d4`. */
  label: string;
}

export interface StoreCheck {
  problems: string[];
  /** Objects found on the artifacts ref and re-hashed. */
  checked: number;
}

/**
 * Re-hash every object of `pointers` present on {@link ARTIFACTS_REF} (directories: their
 * listing, then each file). Objects the ref does not hold are not a problem here.
 *
 * @example
 * checkStorePointers(ctx, [{ kind: 'file', sha256, label: 'artifact m.pkl of run 3f9a21c0b7d4' }]).problems;
 */
export function checkStorePointers(ctx: TrackerContext, pointers: readonly StorePointer[]): StoreCheck {
  const out: StoreCheck = { problems: [], checked: 0 };
  const tip = readRef(ctx.repo.commonDir, ARTIFACTS_REF);
  if (!tip || pointers.length === 0) return out;
  const root = ctx.store.readCommit(tip).tree;
  const seen = new Set<string>();
  /** The object's bytes when the ref holds it and they hash to its name; null otherwise. */
  const check = (sha256: string, label: string): Buffer | null => {
    const entry = lookupPath(ctx.store, root, storePath(sha256));
    if (!entry) return null;
    out.checked++;
    let bytes: Buffer;
    try {
      bytes = ctx.store.readBlob(entry.oid);
    } catch (err) {
      if (!isGitTrackError(err)) throw err;
      out.problems.push(`${label}: its bytes on ${ARTIFACTS_REF} cannot be read: ${err.message}`);
      return null;
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual === sha256) return bytes;
    out.problems.push(`${label}: its bytes on ${ARTIFACTS_REF} (${storePath(sha256)}) hash to ${actual.slice(0, 12)}, not ${sha256.slice(0, 12)}`);
    return null;
  };
  for (const p of pointers) {
    if (seen.has(p.sha256)) continue;
    seen.add(p.sha256);
    const bytes = check(p.sha256, p.label);
    if (p.kind !== 'dir' || !bytes) continue;
    let listing;
    try {
      listing = parseListing(bytes.toString('utf8'));
    } catch (err) {
      if (!isGitTrackError(err)) throw err;
      out.problems.push(`${p.label}: its listing on ${ARTIFACTS_REF} is malformed: ${err.message}`);
      continue;
    }
    for (const e of listing) {
      if (seen.has(e.sha256)) continue;
      seen.add(e.sha256);
      check(e.sha256, `${p.label} (file ${e.path})`);
    }
  }
  return out;
}
