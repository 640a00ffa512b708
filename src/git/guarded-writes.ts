/**
 * New objects on their way into the object database: held in memory, then written as one pack
 * guarded by a `.keep` file, which is removed once the ref that reaches them has moved (see
 * pack-write.ts for why not loose objects).
 */
import { hostname } from 'node:os';
import { MAX_PENDING_OBJECT_BYTES, MAX_REWRITTEN_GUARDED_BYTES } from '../limits.js';
import type { GitObject, ObjectType } from './encode.js';
import type { ObjectFormat } from './object-format.js';
import { encodePackEntry, removeQuietly, restoreIndex, writePack, type PackEntry, type WrittenPack } from './pack-write.js';

/**
 * The objects an {@link ObjectStore} wrote since its last ref update.
 *
 * @example
 * const writes = new GuardedWrites(packDir, { fsync: false, sharedPerm: 0, format: SHA1 });
 * if (writes.add(oid, 'blob', content)) writes.flush();
 * writes.flush(); // before the ref moves
 * writes.release(); // after
 */
export class GuardedWrites {
  /** Written since the last flush, not yet on disk. */
  private readonly pending = new Map<string, PackEntry & GitObject>();
  private pendingBytes = 0;
  /** In packs flushed by us whose `.keep` we still hold. */
  private readonly held = new Set<string>();
  /** The guarded packs flushed since the last release. */
  private readonly flushed: WrittenPack[] = [];
  /** The objects of {@link flushed}, while small enough to be rewritten (see {@link flush}). */
  private flushedEntries: PackEntry[] | undefined = [];
  private flushedBytes = 0;

  constructor(
    private readonly packDir: string,
    private readonly options: { fsync: boolean; sharedPerm: number; format: ObjectFormat },
  ) {}

  /**
   * Take an object (once: an object already taken is not encoded again). True when so much
   * is pending that it should be flushed now, to keep memory bounded.
   */
  add(oid: string, type: ObjectType, content: Buffer): boolean {
    if (this.pending.has(oid) || this.held.has(oid)) return false;
    const bytes = encodePackEntry(type, content);
    this.pending.set(oid, { oid, bytes, type, content });
    this.pendingBytes += bytes.length + content.length;
    return this.pendingBytes > MAX_PENDING_OBJECT_BYTES;
  }

  /** A pending object, readable before it is on disk. */
  get(oid: string): GitObject | undefined {
    return this.pending.get(oid);
  }

  /** Ids of the pending objects. */
  ids(): IterableIterator<string> {
    return this.pending.keys();
  }

  /**
   * Write the pending objects as one guarded pack; undefined when nothing was pending. When
   * earlier flushes are small (a ref update retried on a tip another writer moved), their
   * objects go into the new pack too and their packs are removed: one guarded pack per
   * writer, however often it retries. `retired` names the `.idx` of each pack removed.
   */
  flush(): { written: WrittenPack; retired: string[] } | undefined {
    if (this.pending.size === 0) return undefined;
    const entries: PackEntry[] = [...this.pending.values()].map(({ oid, bytes }) => ({ oid, bytes }));
    const bytes = entries.reduce((n, e) => n + e.bytes.length, 0);
    const rewrite = this.flushedEntries !== undefined && this.flushedBytes + bytes <= MAX_REWRITTEN_GUARDED_BYTES;
    const keep = `git-track: ref update in progress (pid ${process.pid} on ${hostname()})`;
    const written = writePack(this.packDir, rewrite ? [...this.flushedEntries!, ...entries] : entries, { keep, ...this.options });
    const retired = rewrite ? this.flushed.splice(0) : [];
    // The new pack (guarded) holds every object of the old ones: remove them, guard last.
    for (const old of retired) for (const path of [old.idxPath, old.packPath, old.keepPath!]) removeQuietly(path);
    this.flushed.push(written);
    if (rewrite) {
      this.flushedEntries!.push(...entries);
      this.flushedBytes += bytes;
    } else this.flushedEntries = undefined;
    for (const e of entries) this.held.add(e.oid);
    this.pending.clear();
    this.pendingBytes = 0;
    return { written, retired: retired.map((r) => r.idxPath) };
  }

  /**
   * Put back any `.idx` of our guarded packs that a concurrent `git gc` removed (see
   * {@link restoreIndex}); call before the ref moves and again before releasing.
   */
  restoreIndexes(): void {
    for (const written of this.flushed) restoreIndex(written, this.options);
  }

  /** Remove the guards (after checking the indexes are in place); false when there were none. */
  release(): boolean {
    if (this.flushed.length === 0) return false;
    try {
      this.restoreIndexes();
    } catch {
      // Best effort: the ref has moved already, and the guard must not outlive this process.
    }
    for (const written of this.flushed.splice(0)) removeQuietly(written.keepPath!);
    this.held.clear();
    this.flushedEntries = [];
    this.flushedBytes = 0;
    return true;
  }
}
