/**
 * Content hashes of data and artifacts: what a manifest's `{path, sha256, size}` pointers say.
 *
 * The format is a promise kept across versions (manifests written today must verify tomorrow):
 *
 * - **File**: `sha256` is the SHA-256 of the file's bytes (what `sha256sum` prints), `size` its
 *   length in bytes. A symlink given as the path itself is followed.
 * - **Directory**: walk it recursively; the directory's *listing* has one line per file,
 *   `<sha256> <size> <relative/path>\n` (lowercase hex, decimal size, single spaces), paths
 *   relative to the directory with `/` separators, sorted by their UTF-8 bytes (= Unicode code
 *   point order, not JavaScript's UTF-16 order). The directory's `sha256` is the SHA-256 of the
 *   listing's UTF-8 text, `size` the sum of the sizes, `files` the line count. A file name
 *   that is not valid UTF-8 (a Latin-1 `caf\xe9.csv`) is neither refused nor re-encoded: its
 *   line holds the name's raw bytes, so the listing is then bytes rather than text, sorted
 *   and hashed as bytes like every other line. Consequences:
 *   - a directory named `.git` anywhere inside is skipped (nested repositories are not data);
 *   - a symlink inside is not followed: it is listed as if it were a file whose bytes are the
 *     link's target path (so a link pointing elsewhere changes the hash, and a link out of the
 *     directory does not pull foreign bytes in);
 *   - empty directories, permissions and timestamps do not count, like in git;
 *   - sockets, FIFOs and devices are skipped with a warning (reading a FIFO would hang);
 *   - a file name containing a newline cannot be listed and is refused (BAD_INPUT).
 *   An empty directory hashes to the SHA-256 of the empty string.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { lstatSync, readFileSync, readdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Env } from '../env.js';
import { GitTrackError, systemCode } from '../errors.js';
import { CACHE_MIN_SIZE, openHashCache, type HashCache } from './hash-cache.js';
import { listingBytes, sortByPath, type ListingEntry } from './listing.js';

/** The hash of a file or a directory; `files` is set for directories only. */
export interface ContentHash {
  kind: 'file' | 'dir';
  sha256: string;
  size: number;
  files?: number;
}

export interface HashOptions {
  /** git-track's local state dir (holds the hash cache). */
  stateDir: string;
  env: Env;
  /** Progress label; defaults to the path. */
  label?: string;
}

/** Work above this many bytes (to actually read) reports progress. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;
const CHUNK = 1 << 20; // 1 MiB reads, double-buffered: ~1 GB/s here, as fast as a ReadStream
const PROGRESS_INTERVAL_MS = 100;
const YIELD_EVERY = 1000; // sync fs calls in batches, so a 100k-file walk doesn't block the loop
const RECENT_LISTINGS = 4;

/** Listings of the last few directories hashed, so caching one right after doesn't walk it again. */
const recent = new Map<string, { sha256: string; entries: ListingEntry[] }>();

interface Item {
  rel: string;
  /** A path that is not valid UTF-8 is kept as bytes (fs takes Buffer paths). */
  abs: string | Buffer;
  /** The relative path's bytes, when they are not valid UTF-8. */
  raw?: Buffer;
  stat: Stats;
  /** For a symlink inside a directory: its target's bytes, hashed instead of following it. */
  link?: Buffer;
}

/**
 * Hash a file or a directory (see the module comment for the exact definition).
 *
 * @example
 * await hashPath('data/train.csv', { stateDir: repo.stateDir, env });
 * // { kind: 'file', sha256: '9f86d0…', size: 1048576 }
 */
export async function hashPath(path: string, opts: HashOptions): Promise<ContentHash> {
  const stat = statTop(path);
  if (stat.isDirectory()) return (await hashDirectory(path, opts)).hash;
  if (!stat.isFile()) throw new GitTrackError('BAD_INPUT', `not a regular file or directory: ${path}`, { path });
  const [entry] = await hashItems([{ rel: path, abs: resolve(path), stat }], opts, opts.label ?? path);
  return { kind: 'file', sha256: entry!.sha256, size: entry!.size };
}

/**
 * Hash a directory and return its listing entries too (to cache or restore the tree).
 *
 * @example
 * const { hash, entries } = await hashDirectory('models/', { stateDir, env });
 * listingBytes(entries); // '3a7b… 20480 churn.pkl\n'; its sha256 is hash.sha256
 */
export async function hashDirectory(path: string, opts: HashOptions): Promise<{ hash: ContentHash; entries: ListingEntry[] }> {
  if (!statTop(path).isDirectory()) throw new GitTrackError('BAD_INPUT', `not a directory: ${path}`, { path });
  const items = await walk(resolve(path), opts.env);
  const entries = sortByPath(await hashItems(items, opts, opts.label ?? path));
  const listing = listingBytes(entries);
  const size = entries.reduce((sum, e) => sum + e.size, 0);
  const hash: ContentHash = { kind: 'dir', sha256: sha256Hex(listing), size, files: entries.length };
  const key = resolve(path);
  recent.delete(key);
  recent.set(key, { sha256: hash.sha256, entries });
  if (recent.size > RECENT_LISTINGS) recent.delete(recent.keys().next().value as string);
  return { hash, entries };
}

/**
 * The entries of a directory hashed earlier in this process, if it hashed to `sha256`.
 *
 * @example
 * await hashPath('models/', { stateDir, env });
 * recentListing('models/', hash.sha256); // the entries, or undefined if not remembered
 */
export function recentListing(path: string, sha256: string): ListingEntry[] | undefined {
  const hit = recent.get(resolve(path));
  return hit?.sha256 === sha256 ? hit.entries : undefined;
}

function statTop(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw fsError(err, path);
  }
}

async function walk(root: string, env: Env): Promise<Item[]> {
  const items: Item[] = [];
  const rootBytes = Buffer.from(root);
  const stack: Buffer[] = [Buffer.alloc(0)];
  let calls = 0;
  // Names are read as bytes: decoding a Latin-1 name to text would lose it (U+FFFD).
  while (stack.length > 0) {
    const dirRel = stack.pop()!;
    const dirAbs = dirRel.length === 0 ? rootBytes : join(rootBytes, dirRel);
    for (const name of readdirOrThrow(dirAbs)) {
      if (++calls % YIELD_EVERY === 0) await yieldToLoop();
      const relBytes = dirRel.length === 0 ? name : join(dirRel, name);
      const absBytes = join(dirAbs, name);
      const text = isUtf8(relBytes) && isUtf8(absBytes);
      const rel = relBytes.toString('utf8');
      const abs = text ? absBytes.toString('utf8') : absBytes;
      const raw = isUtf8(relBytes) ? {} : { raw: relBytes };
      if (name.includes(0x0a)) {
        throw new GitTrackError('BAD_INPUT', `file name contains a newline, cannot be hashed: ${JSON.stringify(String(abs))}`, { path: String(abs) });
      }
      const stat = lstatOrThrow(abs);
      if (stat.isDirectory()) {
        if (!name.equals(DOT_GIT)) stack.push(relBytes);
      } else if (stat.isFile()) {
        items.push({ rel, abs, stat, ...raw });
      } else if (stat.isSymbolicLink()) {
        items.push({ rel, abs, stat, ...raw, link: readlinkSync(abs, { encoding: 'buffer' }) });
      } else {
        env.warn(`skipped ${String(abs)}: not a regular file, directory or symlink`);
      }
    }
  }
  return items;
}

const DOT_GIT = Buffer.from('.git');
const SLASH = Buffer.from('/');

function join(dir: Buffer, name: Buffer): Buffer {
  return Buffer.concat([dir, SLASH, name]);
}

/** Hash items (cache first), returning entries in the items' order. */
async function hashItems(items: Item[], opts: HashOptions, label: string): Promise<ListingEntry[]> {
  const cache = openHashCache(opts.stateDir);
  const entries: (ListingEntry | undefined)[] = items.map((item) => knownEntry(item, cache));
  const todo = items.flatMap((_, i) => (entries[i] ? [] : [i]));
  const total = todo.reduce((sum, i) => sum + items[i]!.stat.size, 0);
  const progress = new Progress(opts.env, label, total);
  for (const [n, i] of todo.entries()) {
    if (n > 0 && n % YIELD_EVERY === 0) await yieldToLoop();
    const item = items[i]!;
    const readStart = Date.now(); // wall clock on purpose: compared with file mtimes, not recorded
    const { sha256, size } = await hashFile(item.abs, item.stat.size, progress);
    // The hash cache is keyed by text paths: a byte-named file is simply re-read next time.
    if (size === item.stat.size && item.stat.size >= CACHE_MIN_SIZE && typeof item.abs === 'string') cache.record(item.abs, item.stat, sha256, readStart);
    entries[i] = { path: item.rel, sha256, size, ...(item.raw ? { raw: item.raw } : {}) };
  }
  progress.finish();
  cache.save();
  return entries as ListingEntry[];
}

function knownEntry(item: Item, cache: HashCache): ListingEntry | undefined {
  const raw = item.raw ? { raw: item.raw } : {};
  if (item.link) return { path: item.rel, sha256: sha256Hex(item.link), size: item.link.length, ...raw };
  if (item.stat.size < CACHE_MIN_SIZE || typeof item.abs !== 'string') return undefined;
  const sha256 = cache.lookup(item.abs, item.stat);
  return sha256 ? { path: item.rel, sha256, size: item.stat.size } : undefined;
}

async function hashFile(abs: string | Buffer, expectedSize: number, progress: Progress): Promise<{ sha256: string; size: number }> {
  try {
    if (expectedSize < CACHE_MIN_SIZE) {
      // One synchronous read: measured 4–8× faster than fs/promises for files this small.
      const bytes = readFileSync(abs);
      progress.add(bytes.length);
      return { sha256: sha256Hex(bytes), size: bytes.length };
    }
    return await streamHash(abs, (n) => progress.add(n));
  } catch (err) {
    throw fsError(err, abs);
  }
}

/**
 * The SHA-256 and length of one file's bytes, streamed, without the hash cache or progress
 * (verifying a copy that was just written).
 *
 * @example
 * await sha256File('/tmp/restored.pkl'); // { sha256: '3a7b…', size: 20480 }
 */
export async function sha256File(path: string | Buffer): Promise<{ sha256: string; size: number }> {
  try {
    return await streamHash(path, () => {});
  } catch (err) {
    throw fsError(err, path);
  }
}

/** Never holds more than two chunks: the next read runs while the current one is hashed. */
async function streamHash(abs: string | Buffer, onBytes: (n: number) => void): Promise<{ sha256: string; size: number }> {
  const handle = await open(abs, 'r');
  try {
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)] as const;
    const hash = createHash('sha256');
    let size = 0;
    let current = 0;
    let pending = handle.read(buffers[0], 0, CHUNK, null);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) break;
      current ^= 1;
      pending = handle.read(buffers[current as 0 | 1], 0, CHUNK, null);
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
      onBytes(bytesRead);
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}

/** Reports to env.progress about 10 times a second, only for work above PROGRESS_MIN_BYTES. */
class Progress {
  private done = 0;
  private last = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly env: Env,
    private readonly label: string,
    private readonly total: number,
  ) {
    this.enabled = total > PROGRESS_MIN_BYTES;
    if (this.enabled) {
      env.progress.update(label, 0, total);
      this.last = performance.now(); // monotonic UI throttle, unrelated to the Env clock
    }
  }

  add(bytes: number): void {
    this.done += bytes;
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    this.env.progress.update(this.label, this.done, this.total);
  }

  finish(): void {
    if (!this.enabled) return;
    this.env.progress.update(this.label, this.done, this.total);
    this.env.progress.done(this.label);
  }
}

function readdirOrThrow(dir: Buffer): Buffer[] {
  try {
    return readdirSync(dir, { encoding: 'buffer' });
  } catch (err) {
    throw fsError(err, dir);
  }
}

function lstatOrThrow(path: string | Buffer): Stats {
  try {
    return lstatSync(path);
  } catch (err) {
    throw fsError(err, path);
  }
}

function fsError(err: unknown, where: string | Buffer): GitTrackError {
  if (err instanceof GitTrackError) return err;
  const path = String(where);
  const code = systemCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new GitTrackError('FILE_NOT_FOUND', `no such file or directory: ${path}`, { path }, { cause: err });
  }
  return new GitTrackError('BAD_INPUT', `cannot read ${path}: ${code ?? String(err)}`, { path, code }, { cause: err });
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolveYield) => setImmediate(resolveYield));
}
