/**
 * Artifact bytes in the shared stores. Both are content-addressed by sha256 with the layout
 * `sha256/<ab>/<62 hex>`:
 *  - `git`: blobs in the tree of refs/git-track/artifacts (a commit chain), pushed and pulled
 *    with the runs; a per-file size cap keeps big binaries out of the repository;
 *  - `dir`: files under a shared directory (a network mount), written temp + rename.
 * Everything that enters the local cache from a store is verified first.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { cachedPath, objectPath } from '../artifacts/cache.js';
import { parseListing } from '../artifacts/listing.js';
import type { Env } from '../env.js';
import { GitTrackError } from '../errors.js';
import type { ObjectStore } from '../git/objects.js';
import { lookupPath } from '../git/tree-edit.js';
import type { ArtifactEntry } from '../manifest/schema.js';
import { mkdirState, shareState } from '../git/state-perm.js';
import type { BlobStore } from '../artifacts/stores/blob-store.js';

/** Report progress only for files worth watching. */
export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

/** One content object to transfer, and why (for messages). */
export interface NeededObject {
  sha256: string;
  size: number;
  /** `run <id>: <artifact path>[/<file>]` */
  origin: string;
}

/**
 * The sha256 path of an object in a store.
 *
 * @example
 * storePath('9f86d0…'); // 'sha256/9f/86d0…'
 */
export function storePath(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}

/**
 * Every content object behind a run's artifact pointers: a file is one object, a directory
 * is its listing plus one object per file (the listing is read from the local cache). Objects
 * whose bytes are not in the local cache are returned in `missing`.
 *
 * @example
 * const { objects, missing } = objectsOfArtifacts(stateDir, 'run 3f9a21c0b7d4', manifest.artifacts);
 */
export function objectsOfArtifacts(
  stateDir: string,
  runLabel: string,
  artifacts: readonly ArtifactEntry[],
): { objects: NeededObject[]; missing: NeededObject[] } {
  const objects: NeededObject[] = [];
  const missing: NeededObject[] = [];
  for (const a of artifacts) {
    if (a.sha256 === null || a.size === null) continue;
    const origin = `${runLabel}: ${a.path}`;
    if (a.kind === 'file') {
      objects.push({ sha256: a.sha256, size: a.size, origin });
      continue;
    }
    const listingPath = cachedPath(stateDir, a.sha256);
    if (!listingPath) {
      missing.push({ sha256: a.sha256, size: 0, origin });
      continue;
    }
    const listingBytes = readFileSyncSafe(listingPath);
    objects.push({ sha256: a.sha256, size: listingBytes.length, origin });
    for (const e of parseListing(listingBytes)) objects.push({ sha256: e.sha256, size: e.size, origin: `${origin}/${e.path}` });
  }
  return { objects: objects.filter((o) => cachedPath(stateDir, o.sha256) || (missing.push(o), false)), missing };
}

/**
 * Copy an object from the local cache to a shared directory unless it is there already.
 * Written to a temp file beside its final name and renamed, so readers never see half a file.
 *
 * @example
 * await uploadToDir(stateDir, '/mnt/share', object, env); // true when bytes were copied
 */
export async function uploadToDir(stateDir: string, dir: string, object: NeededObject, env: Env): Promise<boolean> {
  const dest = join(dir, storePath(object.sha256));
  if (sizeOf(dest) === object.size) return false;
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${object.sha256.slice(2)}.${randomUUID()}.tmp`);
  try {
    const actual = await copyHashing(objectPath(stateDir, object.sha256), tmp, object.size, `uploading ${object.origin}`, env);
    if (actual !== object.sha256) throw mismatch(object.sha256, actual, 'local cache');
    await chmod(tmp, 0o444);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    env.progress.done(`uploading ${object.origin}`);
  }
  return true;
}

/**
 * Bring one object into the local cache from a shared store, verifying its sha256 before it
 * gets its final name. A store whose bytes do not hash to the name is an error (HASH_MISMATCH),
 * never a silent copy. Returns false when the store does not have it.
 *
 * @example
 * await downloadObject(ctx, { type: 'dir', dir: '/mnt/share' }, sha256, 'models/m.pkl');
 */
export async function downloadObject(
  source: { type: 'git'; store: ObjectStore; roots: string[] } | { type: 'dir'; dir: string } | { type: 'remote'; store: BlobStore },
  stateDir: string,
  sha256: string,
  label: string,
  env: Env,
  size: number | null = null,
): Promise<boolean> {
  if (cachedPath(stateDir, sha256)) return true;
  const dest = objectPath(stateDir, sha256);
  mkdirState(dirname(dest));
  const tmp = join(dirname(dest), `.${sha256.slice(2)}.${randomUUID()}.tmp`);
  try {
    if (source.type === 'git') {
      const entry = source.roots.map((root) => lookupPath(source.store, root, storePath(sha256))).find((e) => e);
      if (!entry) return false;
      const bytes = source.store.readBlob(entry.oid);
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== sha256) throw mismatch(sha256, actual, 'refs/git-track/artifacts');
      await writeFile(tmp, bytes, { mode: 0o444 });
    } else if (source.type === 'remote') {
      // Streamed into the temp file and hashed on the way; renamed below only when it matches.
      const actual = await source.store.download(sha256, size, tmp, label);
      if (actual === null) return false;
      if (actual !== sha256) throw mismatch(sha256, actual, source.store.label);
      await chmod(tmp, 0o444);
    } else {
      const from = join(source.dir, storePath(sha256));
      const size = sizeOf(from);
      if (size === null) return false;
      const actual = await copyHashing(from, tmp, size, `downloading ${label}`, env);
      env.progress.done(`downloading ${label}`);
      if (actual !== sha256) throw mismatch(sha256, actual, `${from}`);
      await chmod(tmp, 0o444);
    }
    shareState(tmp);
    await rename(tmp, dest);
    return true;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Read a cached object's bytes (for writing it as a git blob). */
export function readCached(stateDir: string, sha256: string): Promise<Buffer> {
  return readFile(objectPath(stateDir, sha256));
}

/** Stream-copy `from` to `to`, hashing on the way, with progress for big files. */
async function copyHashing(from: string, to: string, total: number, label: string, env: Env): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      done += chunk.length;
      if (total >= PROGRESS_MIN_BYTES) env.progress.update(label, done, total);
      cb(null, chunk);
    },
  });
  await pipeline(createReadStream(from), tap, createWriteStream(to, { mode: 0o600 }));
  return hash.digest('hex');
}

function mismatch(expected: string, actual: string, where: string): GitTrackError {
  return new GitTrackError('HASH_MISMATCH', `object ${expected} in ${where} is corrupt (its bytes hash to ${actual}); nothing was restored`, {
    expected,
    actual,
    where,
  });
}

function sizeOf(path: string): number | null {
  try {
    const s = statSync(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

function readFileSyncSafe(path: string): Buffer {
  return readFileSync(path);
}
