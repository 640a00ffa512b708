/**
 * The local content-addressed artifact cache: `<stateDir>/objects/sha256/<2 hex>/<62 hex>`,
 * one read-only file per distinct content, so identical artifacts of many runs cost one copy.
 *
 * A directory artifact is stored as its files plus its listing (see hash.ts), itself an object
 * keyed by the directory's sha256 — the listing's own hash, so it verifies like any object.
 * Objects are written to a temp file beside their final name and renamed, so a killed process
 * never leaves a truncated object under a real name.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, constants, copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readFile, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GitTrackError, systemCode, quoteInput } from '../errors.js';
import { defaultEnv } from '../env.js';
import { hashDirectory, recentListing, sha256File, type ContentHash } from './hash.js';
import { listingBytes, parseListing, type ListingEntry } from './listing.js';
import { assertWritablePath, ensureDirWithin, pathProblem, relativeInside } from './safe-path.js';
import { mkdirState, shareState } from '../git/state-perm.js';

const PARALLEL_COPIES = 8;

/**
 * Copy a file into the cache under its (already computed) hash. Does nothing when the object
 * is present with the right size. Only the size is checked here: hashing again would double
 * the cost of logging, and {@link restoreFile} verifies every byte on the way out.
 *
 * @example
 * const hash = await hashPath('models/churn.pkl', { stateDir, env });
 * await cacheFile(stateDir, 'models/churn.pkl', hash);
 */
export async function cacheFile(stateDir: string, sourcePath: string | Buffer, hash: { sha256: string; size: number }): Promise<void> {
  // Synchronous on purpose: a handful of syscalls on the `log` hot path, where each trip
  // through libuv's thread pool cost more than the call itself (measured).
  const dest = objectPath(stateDir, hash.sha256);
  if (hasObjectSync(dest, hash.size)) return;
  const tmp = tempBeside(dest);
  // Most fan-out dirs exist after the first few runs; a recursive mkdir on every call costs
  // more than the copy of a small file (measured).
  if (!existsSync(dirname(dest))) mkdirState(dirname(dest));
  try {
    // FICLONE: a reflink (instant, no extra space) on btrfs/XFS/APFS, a plain copy elsewhere.
    copyFileSync(sourcePath, tmp, constants.COPYFILE_FICLONE);
    const copied = statSync(tmp).size;
    if (copied !== hash.size) {
      throw new GitTrackError('HASH_MISMATCH', `${sourcePath} changed since it was hashed (size ${copied}, expected ${hash.size})`, {
        path: sourcePath,
        expected: hash.size,
        actual: copied,
      });
    }
    chmodSync(tmp, 0o444); // cache entries are not for editing
    shareState(tmp);
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fsError(err, sourcePath);
  }
}

function hasObjectSync(path: string, size: number): boolean {
  try {
    const info = statSync(path);
    return info.isFile() && info.size === size;
  } catch {
    return false;
  }
}

/**
 * Cache every file of a directory and its listing (from {@link hashDirectory}), so that
 * {@link restoreTree} can rebuild it from the directory's sha256 alone. A symlink inside is
 * stored as its target path's bytes, as the listing hashed it.
 *
 * @example
 * const { hash, entries } = await hashDirectory('models/', { stateDir, env });
 * await cacheTree(stateDir, 'models/', entries); // cachedPath(stateDir, hash.sha256) is the listing
 */
export async function cacheTree(stateDir: string, dirPath: string, listing: readonly ListingEntry[]): Promise<void> {
  await forEachParallel(listing, async (entry) => {
    // A name that is not valid UTF-8 is opened by its bytes, as it was hashed.
    const source = entry.raw ? Buffer.concat([Buffer.from(`${dirPath}/`), entry.raw]) : join(dirPath, entry.path);
    const info = await lstat(source).catch((err: unknown) => {
      throw fsError(err, source);
    });
    if (info.isSymbolicLink()) await storeBytes(stateDir, entry, await readlink(source, { encoding: 'buffer' }));
    else await cacheFile(stateDir, source, entry);
  });
  const text = listingBytes(listing);
  await storeBytes(stateDir, { sha256: sha256Hex(text), size: text.length }, text);
}

/**
 * Cache what {@link hashPath} hashed, file or directory. A directory hashed earlier in this
 * process is not walked again; otherwise it is re-hashed and must still match (HASH_MISMATCH).
 *
 * @example
 * const hash = await hashPath('models/', { stateDir, env });
 * await cachePath(stateDir, 'models/', hash);
 */
export async function cachePath(stateDir: string, path: string, hash: ContentHash): Promise<void> {
  if (hash.kind === 'file') return cacheFile(stateDir, path, hash);
  let entries = recentListing(path, hash.sha256);
  if (!entries) {
    // Only the hash cache and progress are used; progress stays silent here.
    const again = await hashDirectory(path, { stateDir, env: defaultEnv() });
    if (again.hash.sha256 !== hash.sha256) {
      throw new GitTrackError('HASH_MISMATCH', `${path} changed since it was hashed`, { path, expected: hash.sha256, actual: again.hash.sha256 });
    }
    entries = again.entries;
  }
  await cacheTree(stateDir, path, entries);
}

/**
 * Restore a file or directory artifact by its pointer (see {@link restoreFile}, {@link restoreTree}).
 *
 * @example
 * await restorePath(stateDir, { kind: 'dir', sha256: artifact.sha256 }, 'models/');
 */
export function restorePath(
  stateDir: string,
  pointer: { kind: 'file' | 'dir'; sha256: string },
  destPath: string,
  within?: string,
  verified?: ReadonlySet<string>,
): Promise<void> {
  return pointer.kind === 'dir' ? restoreTree(stateDir, pointer.sha256, destPath, within, verified) : restoreFile(stateDir, pointer.sha256, destPath, within, verified);
}

/**
 * Where an object sits in the cache, or null when it is not cached.
 *
 * @example
 * cachedPath(stateDir, hash.sha256); // '/repo/.git/git-track/objects/sha256/9f/86d0…' or null
 */
export function cachedPath(stateDir: string, sha256: string): string | null {
  const path = objectPath(stateDir, sha256);
  try {
    return statSync(path).isFile() ? path : null;
  } catch {
    return null;
  }
}

/**
 * Copy an object out of the cache to `destPath` (parents created), checking the sha256 of the
 * bytes written. The copy goes to a temp file renamed into place only when it verifies, so a
 * bad cache object never replaces an existing file; on mismatch the temp file is removed and
 * HASH_MISMATCH is thrown. With `within`, `destPath` must lie inside that directory and its
 * parents are created one by one, never through a symlink (see safe-path.ts); a symlink at
 * `destPath` itself is replaced, not followed.
 *
 * @example
 * await restoreFile(stateDir, artifact.sha256, 'models/churn.pkl');
 */
export async function restoreFile(stateDir: string, sha256: string, destPath: string | Buffer, within?: string, verified?: ReadonlySet<string>): Promise<void> {
  const source = cachedPath(stateDir, sha256);
  if (!source) throw new GitTrackError('OBJECT_NOT_FOUND', `object ${sha256} is not in the local cache`, { sha256 });
  if (within === undefined) {
    await mkdir(parentOf(destPath), { recursive: true }).catch((err: unknown) => {
      throw fsError(err, destPath);
    });
  } else if (typeof destPath === 'string') {
    const rel = relativeInside(within, destPath);
    if (rel === null) throw new GitTrackError('BAD_INPUT', `refusing to write ${destPath}: it is outside ${within}`, { path: destPath });
    assertWritablePath(rel, 'file');
    ensureDirWithin(within, rel.split('/').slice(0, -1).join('/'));
  } else {
    // A name that is not valid UTF-8: checked as text (`.git`, `..` and their aliases are
    // valid UTF-8, so decoding keeps them), written by its bytes.
    const rel = relativeInside(within, destPath);
    if (rel === null) throw new GitTrackError('BAD_INPUT', `refusing to write ${String(destPath)}: it is outside ${within}`, { path: String(destPath) });
    assertWritablePath(rel.toString('utf8'), 'file');
    ensureDirWithin(within, rel.subarray(0, Math.max(0, rel.lastIndexOf(0x2f))));
  }
  const tmp = tempBeside(destPath);
  try {
    await copyFile(source, tmp, constants.COPYFILE_FICLONE);
    await chmod(tmp, 0o644); // the object's 0444 is the cache's business, not the user's
    // An object this process has just downloaded was hashed on its way into the cache: hashing
    // the copy again would double the cost of `get` for nothing.
    const actual = verified?.has(sha256) ? { sha256 } : await sha256File(tmp);
    if (actual.sha256 !== sha256) {
      throw new GitTrackError('HASH_MISMATCH', `cached object ${sha256} is corrupt (its bytes hash to ${actual.sha256})`, {
        sha256,
        actual: actual.sha256,
        path: source,
      });
    }
    await rename(tmp, destPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw fsError(err, destPath);
  }
}

/**
 * Rebuild a directory artifact under `destDir` from the cache: the listing is verified against
 * `dirSha256`, every file against its own sha256. Files already in `destDir` and not in the
 * listing are left alone; symlinks come back as files holding their target path.
 *
 * @example
 * await restoreTree(stateDir, artifact.sha256, 'models/');
 */
export async function restoreTree(stateDir: string, dirSha256: string, destDir: string, within?: string, verified?: ReadonlySet<string>): Promise<void> {
  const source = cachedPath(stateDir, dirSha256);
  if (!source) throw new GitTrackError('OBJECT_NOT_FOUND', `directory ${dirSha256} is not in the local cache`, { sha256: dirSha256 });
  const bytes = await readFile(source).catch((err: unknown) => {
    throw fsError(err, source);
  });
  const actual = sha256Hex(bytes);
  if (actual !== dirSha256) {
    throw new GitTrackError('HASH_MISMATCH', `cached listing ${dirSha256} is corrupt (its bytes hash to ${actual})`, {
      sha256: dirSha256,
      actual,
      path: source,
    });
  }
  // Parsed from the bytes: a name that is not valid UTF-8 comes back under its exact bytes.
  const entries = parseListing(bytes);
  for (const entry of entries) assertSafePath(entry.path);
  if (within === undefined) await mkdir(destDir, { recursive: true });
  else ensureDirWithin(within, relativeInside(within, destDir) ?? '');
  const head = Buffer.from(`${join(destDir)}/`);
  await forEachParallel(entries, (entry) => restoreFile(stateDir, entry.sha256, entry.raw ? Buffer.concat([head, entry.raw]) : join(destDir, entry.path), within, verified));
}

/** Where the object `sha256` sits (or would sit) in the cache. */
export function objectPath(stateDir: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new GitTrackError('BAD_INPUT', `not a sha256 (64 lowercase hex digits): ${quoteInput(sha256)}`, { sha256 });
  }
  return join(stateDir, 'objects', 'sha256', sha256.slice(0, 2), sha256.slice(2));
}

async function hasObject(path: string, size: number): Promise<boolean> {
  try {
    const info = await stat(path);
    return info.isFile() && info.size === size;
  } catch {
    return false;
  }
}

/** Store bytes already in memory (a listing, a symlink target) as an object. */
async function storeBytes(stateDir: string, hash: { sha256: string; size: number }, bytes: Buffer): Promise<void> {
  if (sha256Hex(bytes) !== hash.sha256) {
    throw new GitTrackError('HASH_MISMATCH', `content changed since it was hashed (expected ${hash.sha256})`, { sha256: hash.sha256 });
  }
  const dest = objectPath(stateDir, hash.sha256);
  if (await hasObject(dest, bytes.length)) return;
  mkdirState(dirname(dest));
  const tmp = tempBeside(dest);
  try {
    await writeFile(tmp, bytes, { mode: 0o444 });
    shareState(tmp);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw fsError(err, dest);
  }
}

/**
 * A listing restored into the user's tree must not escape it or write into a `.git` dir
 * (a listing can arrive from a shared store; hooks there would run code).
 */
function assertSafePath(path: string): void {
  if (pathProblem(path) !== null || (process.platform === 'win32' && path.includes(':'))) {
    throw new GitTrackError('CORRUPT_OBJECT', `unsafe path in directory listing: ${quoteInput(path)}`, { path });
  }
}

/** Unique across processes: the Env's seeded ids would collide between two test processes. */
function tempBeside(path: string): string;
function tempBeside(path: string | Buffer): string | Buffer;
function tempBeside(path: string | Buffer): string | Buffer {
  if (typeof path === 'string') return join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  const slash = path.lastIndexOf(0x2f);
  return Buffer.concat([path.subarray(0, slash + 1), Buffer.from('.'), path.subarray(slash + 1), Buffer.from(`.${randomUUID()}.tmp`)]);
}

/** The directory holding `path`, as text or as bytes. */
function parentOf(path: string | Buffer): string | Buffer {
  return typeof path === 'string' ? dirname(path) : path.subarray(0, Math.max(1, path.lastIndexOf(0x2f)));
}

async function forEachParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (err) {
        failed = true; // the first error is the answer; don't start more copies
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_COPIES, items.length) }, worker));
}

function fsError(err: unknown, where: string | Buffer): unknown {
  if (err instanceof GitTrackError) return err;
  const path = String(where);
  const code = systemCode(err);
  if (code === 'ENOENT') return new GitTrackError('FILE_NOT_FOUND', `no such file or directory: ${path}`, { path }, { cause: err });
  return new GitTrackError('BAD_INPUT', `cannot access ${path}: ${code ?? String(err)}`, { path, code }, { cause: err });
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
