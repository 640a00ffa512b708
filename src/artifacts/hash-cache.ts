/**
 * A cache of file content hashes, so that unchanged large files are not read again.
 *
 * An entry maps an absolute path to `(size, mtimeMs, ino, ctimeMs) → sha256` and is used only
 * when all four stat fields still match. It lives in `<stateDir>/hash-cache/<xx>.json`, 256
 * shards picked by the first byte of sha256(path): one JSON file of 100,000 entries measured
 * 420 ms to load and 215 ms to write on the dev machines (TSV was no better, 215–290 ms), while
 * a single-file `git-track log` needs one entry. A shard of a 100k-entry cache loads in ~2 ms.
 *
 * Safety rules, each for a reason:
 * - Racy entries are never stored. A file rewritten with the same size within the filesystem's
 *   timestamp granularity (1–2 s on some network and FAT mounts) keeps its stat fields; like
 *   git's "racy clean" rule, a file modified less than {@link RACY_SLACK_MS} before we started
 *   reading it is hashed but not remembered.
 * - Writes are atomic (temp file + rename) and merged with what is on disk just before the
 *   rename, so concurrent writers never corrupt a shard; an entry may be lost (last writer
 *   wins), which only costs a re-hash.
 * - A shard that cannot be read or parsed, or fails its checksum, is treated as empty and rebuilt.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealJson, unsealJson } from '../cache-seal.js';
import { mkdirState, shareState } from '../git/state-perm.js';

/**
 * Files smaller than this are not cached. Measured: a 4 KiB file hashes in ~20–40 µs with one
 * synchronous read, about the amortised cost of carrying its entry (~6 µs to parse and write,
 * plus a larger shard for every later single-file lookup); a 64 KiB file costs ~120 µs, a
 * 1 MiB file ~1.6 ms.
 */
export const CACHE_MIN_SIZE = 64 * 1024;
/** A file modified this recently (before reading began) is not cached: see the file comment. */
export const RACY_SLACK_MS = 2000;
/** Bound on entries per shard (≈ 1M in all), oldest-written dropped first. */
const MAX_SHARD_ENTRIES = 4096;
const FORMAT = 'git-track/hash-cache@1';

/** The stat fields an entry is keyed on; a `fs.Stats` fits. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
  ctimeMs: number;
}

/** Counters since the process started (or since {@link forgetHashCaches}). */
export interface HashCacheStats {
  /** Lookups answered from the cache: the file was not read. */
  hits: number;
  /** Lookups of cacheable files that had to be hashed. */
  misses: number;
  /** Entries written to disk (deletions of stale entries not counted). */
  stored: number;
}

type Entry = [size: number, mtimeMs: number, ino: number, ctimeMs: number, sha256: string];

interface Shard {
  entries: Map<string, Entry>;
  /** Changes not yet on disk: an entry to set, or null to delete. */
  pending: Map<string, Entry | null>;
}

/**
 * One stateDir's cache, loaded shard by shard on first use and kept for the process.
 *
 * @example
 * const cache = openHashCache(stateDir);
 * const sha = cache.lookup(abs, stat) ?? hashAndRecord(); // cache.record(abs, stat, sha, readStart)
 * cache.save();
 */
export class HashCache {
  readonly stats: HashCacheStats = { hits: 0, misses: 0, stored: 0 };
  private readonly shards = new Map<string, Shard>();

  constructor(readonly stateDir: string) {}

  /** The cached sha256 of `absPath` if its stat fields all match, else undefined. */
  lookup(absPath: string, stamp: FileStamp): string | undefined {
    const entry = this.shard(absPath).entries.get(absPath);
    if (entry && entry[0] === stamp.size && entry[1] === stamp.mtimeMs && entry[2] === stamp.ino && entry[3] === stamp.ctimeMs) {
      this.stats.hits++;
      return entry[4];
    }
    this.stats.misses++;
    return undefined;
  }

  /**
   * Remember a hash computed from bytes read starting at `readStartMs` (wall clock). Racy
   * files are not remembered, and any stale entry for the path is dropped.
   */
  record(absPath: string, stamp: FileStamp, sha256: string, readStartMs: number): void {
    const shard = this.shard(absPath);
    const racy = stamp.mtimeMs > readStartMs - RACY_SLACK_MS || stamp.ctimeMs > readStartMs - RACY_SLACK_MS;
    if (racy) {
      if (shard.entries.delete(absPath)) shard.pending.set(absPath, null);
      return;
    }
    const entry: Entry = [stamp.size, stamp.mtimeMs, stamp.ino, stamp.ctimeMs, sha256];
    shard.entries.delete(absPath); // re-insert at the end: Map order is the eviction order
    shard.entries.set(absPath, entry);
    shard.pending.set(absPath, entry);
  }

  /** Write every changed shard (merged with the disk copy), atomically. */
  save(): void {
    for (const [name, shard] of this.shards) {
      if (shard.pending.size === 0) continue;
      const file = join(this.stateDir, 'hash-cache', `${name}.json`);
      // Another process may have written this shard since we loaded it: keep its entries.
      const merged = readShard(file);
      for (const [path, entry] of shard.pending) {
        merged.delete(path);
        if (entry) merged.set(path, entry);
      }
      while (merged.size > MAX_SHARD_ENTRIES) merged.delete(merged.keys().next().value as string);
      const written = [...shard.pending.values()].filter((entry) => entry !== null).length;
      if (writeShard(file, merged)) this.stats.stored += written;
      shard.entries = merged;
      shard.pending = new Map();
    }
  }

  private shard(absPath: string): Shard {
    const name = createHash('sha256').update(absPath).digest('hex').slice(0, 2);
    let shard = this.shards.get(name);
    if (!shard) {
      shard = { entries: readShard(join(this.stateDir, 'hash-cache', `${name}.json`)), pending: new Map() };
      this.shards.set(name, shard);
    }
    return shard;
  }
}

const caches = new Map<string, HashCache>();

/**
 * The process-wide cache of `stateDir` (loaded lazily, once per process).
 *
 * @example
 * const cache = openHashCache(repo.stateDir);
 * cache.lookup('/data/train.csv', statSync('/data/train.csv')); // sha256 or undefined
 */
export function openHashCache(stateDir: string): HashCache {
  let cache = caches.get(stateDir);
  if (!cache) {
    cache = new HashCache(stateDir);
    caches.set(stateDir, cache);
  }
  return cache;
}

/**
 * Hit/miss/store counters of `stateDir`'s cache in this process: lets tests and benchmarks
 * see whether a file was read, without mocking the filesystem.
 *
 * @example
 * const before = hashCacheStats(stateDir).hits;
 * await hashPath('model.pkl', { stateDir, env });
 * hashCacheStats(stateDir).hits - before; // 1 when the file was not re-read
 */
export function hashCacheStats(stateDir: string): HashCacheStats {
  return { ...openHashCache(stateDir).stats };
}

/**
 * Drop the in-memory caches, as if a new process started (tests; long-lived servers).
 *
 * @example
 * forgetHashCaches(); // the next lookup reads the shards from disk again
 */
export function forgetHashCaches(): void {
  caches.clear();
}

function readShard(file: string): Map<string, Entry> {
  let parsed: unknown;
  try {
    // A shard whose checksum fails is as good as missing: a flipped byte must not become a hash.
    parsed = unsealJson(readFileSync(file, 'utf8'));
  } catch {
    return new Map(); // missing or unreadable: rebuilt as files are hashed
  }
  const entries = new Map<string, Entry>();
  if (typeof parsed !== 'object' || parsed === null) return entries;
  const { format, entries: raw } = parsed as { format?: unknown; entries?: unknown };
  if (format !== FORMAT || typeof raw !== 'object' || raw === null) return entries;
  for (const [path, value] of Object.entries(raw)) {
    if (isEntry(value)) entries.set(path, value);
  }
  return entries;
}

function isEntry(value: unknown): value is Entry {
  return (
    Array.isArray(value) &&
    value.length === 5 &&
    value.slice(0, 4).every((n) => typeof n === 'number') &&
    typeof value[4] === 'string' &&
    /^[0-9a-f]{64}$/.test(value[4])
  );
}

function writeShard(file: string, entries: Map<string, Entry>): boolean {
  const dir = join(file, '..');
  const tmp = `${file}.${randomUUID()}.tmp`;
  try {
    mkdirState(dir);
    writeFileSync(tmp, sealJson({ format: FORMAT, entries: Object.fromEntries(entries) }));
    shareState(tmp);
    renameSync(tmp, file);
    return true;
  } catch {
    // A cache that cannot be written (read-only repo, full disk) only costs re-hashing later.
    rmSync(tmp, { force: true });
    return false;
  }
}
