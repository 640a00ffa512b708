/**
 * Reading objects from packfiles without loading the pack: the `.idx` (v1 or v2) tables stay in
 * memory (the object id + a 4-byte offset per object; the crc table is never read), the `.pack` is
 * read with positioned `readSync` calls of just the bytes one object needs. isomorphic-git
 * reads whole packs into memory, which fails on the multi-GB packs ML repos accumulate.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { GitTrackError, systemCode } from '../errors.js';
import { applyDelta, type DeltaBaseCache } from './delta.js';
import type { GitObject, ObjectType } from './encode.js';
import type { ObjectFormat } from './object-format.js';

export type { GitObject } from './encode.js';

/** Looks up a REF_DELTA base that is not in the same pack (loose or another pack). */
export type BaseLookup = (oid: string) => GitObject | undefined;


const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;
const IDX_HEADER = 8 + 256 * 4;
// A corrupt pack could make a REF_DELTA chain loop; real chains stay far below this.
const MAX_CHAIN = 10_000;
const FINAL_CACHE_LIMIT = 256 << 10;

interface Entry {
  kind: number;
  data: Buffer;
  baseOffset?: number;
  baseOid?: string;
}

let nextPackId = 0;

/**
 * One `.idx`/`.pack` pair, opened for positioned reads.
 *
 * @example
 * const pack = PackFile.open('objects/pack/pack-1.idx', 'objects/pack/pack-1.pack', new DeltaBaseCache(), SHA1);
 * const offset = pack.find(oid);
 * if (offset !== undefined) pack.read(offset, () => undefined);
 */
export class PackFile {
  readonly count: number;
  private readonly id = nextPackId++;
  /** Bytes of one binary object id (the repository's format). */
  private readonly idLength: number;
  private readonly scratch = Buffer.allocUnsafe(4096);

  private constructor(
    readonly idxPath: string,
    readonly packPath: string,
    private readonly fanout: Buffer,
    private readonly shas: Buffer,
    private readonly offsets: Buffer,
    private readonly largeOffsets: Buffer,
    private fd: number,
    private readonly packEnd: number,
    private readonly cache: DeltaBaseCache,
    format: ObjectFormat,
    /** Version 1 indexes hold plain 32-bit offsets (no large-offset table). */
    private readonly v1 = false,
  ) {
    this.count = fanout.readUInt32BE(255 * 4);
    this.idLength = format.rawLength;
  }

  /**
   * Open a pack by its index. Throws the fs error (ENOENT) when a file vanished, and
   * CORRUPT_OBJECT when the pair does not belong together.
   *
   * @example
   * const pack = PackFile.open(idx, idx.replace(/\.idx$/, '.pack'), cache, store.format);
   */
  static open(idxPath: string, packPath: string, cache: DeltaBaseCache, format: ObjectFormat): PackFile {
    // Ids, the pack's trailer and the index's two checksums are all of the repository's hash.
    const w = format.rawLength;
    const idxFd = openSync(idxPath, 'r');
    let packFd: number | undefined;
    try {
      const idxSize = fstatSync(idxFd).size;
      const head = readAt(idxFd, 0, Math.min(IDX_HEADER, idxSize));
      // Version 1 (no magic; still written by `git index-pack --index-version=1`): the fanout
      // comes first and each entry is a 4-byte offset followed by its id.
      const v1 = head.length >= 1024 && head.readUInt32BE(0) !== 0xff744f63;
      if (!v1 && (head.length < IDX_HEADER || head.readUInt32BE(4) !== 2)) broken(idxPath, 'not a version 1 or 2 pack index');
      const fanout = v1 ? head.subarray(0, 1024) : head.subarray(8);
      const n = fanout.readUInt32BE(255 * 4);
      // Binary searches trust the fanout table, so check once that it never decreases.
      for (let i = 1; i < 256; i++) {
        if (fanout.readUInt32BE(i * 4) < fanout.readUInt32BE(i * 4 - 4)) broken(idxPath, 'fanout table is not sorted');
      }
      let shas: Buffer;
      let offsets: Buffer;
      let large: Buffer;
      if (v1) {
        const row = 4 + w;
        if (idxSize !== 1024 + row * n + 2 * w) broken(idxPath, 'pack index has the wrong size');
        const entries = readAt(idxFd, 1024, row * n);
        shas = Buffer.allocUnsafe(w * n);
        offsets = Buffer.allocUnsafe(4 * n);
        for (let i = 0; i < n; i++) {
          entries.copy(offsets, i * 4, i * row, i * row + 4);
          entries.copy(shas, i * w, i * row + 4, i * row + row);
        }
        large = Buffer.alloc(0);
      } else {
        // Ids, then a CRC-32 and an offset per object, large offsets, two checksums.
        const largeBytes = idxSize - 2 * w - IDX_HEADER - (w + 8) * n;
        if (largeBytes < 0 || largeBytes % 8 !== 0) broken(idxPath, 'pack index has the wrong size');
        shas = readAt(idxFd, IDX_HEADER, w * n);
        offsets = readAt(idxFd, IDX_HEADER + (w + 4) * n, 4 * n);
        large = readAt(idxFd, IDX_HEADER + (w + 8) * n, largeBytes);
      }
      const idxTrailer = readAt(idxFd, idxSize - 2 * w, w);
      packFd = openSync(packPath, 'r');
      const packSize = fstatSync(packFd).size;
      const packHead = readAt(packFd, 0, 12);
      const ok = packSize >= 12 + w && packHead.toString('latin1', 0, 4) === 'PACK' && packHead.readUInt32BE(8) === n;
      if (!ok || !readAt(packFd, packSize - w, w).equals(idxTrailer)) broken(packPath, 'pack does not match its index');
      const pack = new PackFile(idxPath, packPath, fanout, shas, offsets, large, packFd, packSize - w, cache, format, v1);
      packFd = undefined;
      return pack;
    } finally {
      closeSync(idxFd);
      if (packFd !== undefined) closeSync(packFd);
    }
  }

  /**
   * The pack offset of `oid`, or undefined when this pack does not hold it.
   *
   * @example
   * pack.find('45b983be36b73c0788dc9cbcb76cbb80fc7bb057'); // 12 or undefined
   */
  find(oid: string): number | undefined {
    const key = Buffer.from(oid, 'hex');
    const i = this.lowerBound(key);
    const w = this.idLength;
    if (i >= this.count || this.shas.compare(key, 0, w, i * w, i * w + w) !== 0) return undefined;
    return this.offsetAt(i);
  }

  /**
   * Every object id in this pack, in index order.
   *
   * @example
   * for (const oid of pack.oids()) copy(oid);
   */
  oids(): string[] {
    const out: string[] = [];
    const w = this.idLength;
    for (let i = 0; i < this.count; i++) out.push(this.shas.toString('hex', i * w, i * w + w));
    return out;
  }

  /**
   * All ids in this pack that start with the lowercase hex `prefix`.
   *
   * @example
   * pack.findPrefix('45b9'); // ['45b983be36b73c0788dc9cbcb76cbb80fc7bb057']
   */
  findPrefix(prefix: string): string[] {
    const out: string[] = [];
    const w = this.idLength;
    for (let i = this.lowerBound(Buffer.from(prefix.padEnd(2 * w, '0'), 'hex')); i < this.count; i++) {
      const oid = this.shas.toString('hex', i * w, i * w + w);
      if (!oid.startsWith(prefix)) break;
      out.push(oid);
    }
    return out;
  }

  /**
   * Read the object at `offset`, applying its delta chain. `lookupBase` finds REF_DELTA
   * bases stored outside this pack.
   *
   * @example
   * const { type, content } = pack.read(pack.find(oid)!, (base) => store.read(base));
   */
  read(offset: number, lookupBase: BaseLookup): GitObject {
    const hit = this.cache.get(this.key(offset));
    // Cached bases are shared; a caller mutating its result must not corrupt later reads.
    if (hit) return { type: hit.type, content: Buffer.from(hit.content) };
    const deltas: Entry[] = [];
    const chain: number[] = [];
    let base: GitObject | undefined;
    let at = offset;
    while (!base) {
      if (deltas.length > MAX_CHAIN) broken(this.packPath, `delta chain too long at offset ${offset}`);
      const cached = deltas.length > 0 ? this.cache.get(this.key(at)) : undefined;
      if (cached) {
        base = cached;
        break;
      }
      const entry = this.readEntry(at);
      const type = TYPES[entry.kind];
      if (type) {
        base = { type, content: entry.data };
        if (deltas.length > 0) this.cache.set(this.key(at), base);
      } else if (entry.baseOffset !== undefined) {
        deltas.push(entry);
        chain.push(at);
        at = entry.baseOffset;
      } else {
        deltas.push(entry);
        chain.push(at);
        const baseOid = entry.baseOid as string;
        const inPack = this.find(baseOid);
        if (inPack !== undefined) at = inPack;
        else base = lookupBase(baseOid) ?? broken(this.packPath, `delta base ${baseOid} not found`);
      }
    }
    let obj = base;
    for (let i = deltas.length - 1; i >= 0; i--) {
      obj = { type: obj.type, content: applyDelta(obj.content, (deltas[i] as Entry).data, this.packPath) };
      if (i > 0) this.cache.set(this.key(chain[i] as number), obj);
    }
    // Hot trees (the runs dir, shards) are read again and again: keep a private copy of
    // small results. Copying large blobs would cost memory for reads that rarely repeat.
    if (obj.content.length <= FINAL_CACHE_LIMIT) {
      this.cache.set(this.key(offset), { type: obj.type, content: Buffer.from(obj.content) });
    }
    return obj;
  }

  /**
   * Size of the object at `offset` from its entry header alone: a delta's result size is the
   * second number of its header, read by inflating only the first bytes of the delta. Costs
   * microseconds however large the object, so a caller can refuse an oversized object before
   * reading it.
   *
   * @example
   * pack.size(pack.find(oid)!); // 104857600
   */
  size(offset: number): number {
    const head = this.readHeader(offset, Buffer.allocUnsafe(512));
    if (TYPES[head.kind]) return head.size;
    return deltaResultSize(this.inflatePrefix(offset + head.dataAt, head.size, head.bytes.subarray(head.dataAt)), this.packPath, offset);
  }

  /**
   * The entry header at `offset`: kind, size of its (inflated) data, where the data starts,
   * delta base. The header and the first bytes of the data are read into `head` (one read
   * usually holds a delta's own zlib header too); `bytes` is what was read.
   */
  private readHeader(offset: number, head: Buffer): { kind: number; size: number; dataAt: number; bytes: Buffer; baseOffset?: number; baseOid?: string } {
    if (this.fd < 0) throw new GitTrackError('INTERNAL', 'object store is closed', { pack: this.packPath });
    if (offset < 12 || offset >= this.packEnd) broken(this.packPath, `object offset ${offset} out of range`);
    const got = readSync(this.fd, head, 0, Math.min(head.length, this.packEnd - offset), offset);
    const bytes = head.subarray(0, got);
    let pos = 0;
    const byte = (): number => (pos < got ? (head[pos++] as number) : broken(this.packPath, `truncated entry at ${offset}`));
    let c = byte();
    const kind = (c >> 4) & 7;
    let size = c & 15;
    for (let shift = 4; c & 0x80; shift += 7) size += ((c = byte()) & 0x7f) * 2 ** shift;
    if (kind === OFS_DELTA) {
      c = byte();
      let back = c & 0x7f;
      while (c & 0x80) back = (back + 1) * 128 + ((c = byte()) & 0x7f);
      if (back <= 0 || offset - back < 12) broken(this.packPath, `bad delta base offset at ${offset}`);
      return { kind, size, dataAt: pos, bytes, baseOffset: offset - back };
    }
    if (kind === REF_DELTA) {
      const w = this.idLength;
      if (pos + w > got) broken(this.packPath, `truncated entry at ${offset}`);
      return { kind, size, dataAt: pos + w, bytes, baseOid: head.toString('hex', pos, pos + w) };
    }
    if (!TYPES[kind]) broken(this.packPath, `unknown object kind ${kind} at ${offset}`);
    return { kind, size, dataAt: pos, bytes };
  }

  /** The first bytes (at least 20, when there are) of the zlib stream at `start`, inflating no more than needed. */
  private inflatePrefix(start: number, size: number, first: Buffer): Buffer {
    const available = this.packEnd - start;
    for (let want = Math.min(available, first.length); ; want = Math.min(available, Math.max(256, want * 4))) {
      let out: Buffer;
      try {
        const input = want <= first.length ? first.subarray(0, want) : readAt(this.fd, start, want);
        // A few hundred input bytes inflate to at most ~1,000 times as many: no output cap needed.
        out = inflateSync(input, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch (err) {
        if (want < available && systemCode(err) === 'Z_BUF_ERROR') continue;
        return broken(this.packPath, `cannot inflate object data at ${start}: ${(err as Error).message}`);
      }
      if (out.length >= Math.min(20, size) || want >= available) return out;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private key(offset: number): string {
    return `${this.id}:${offset}`;
  }

  private lowerBound(key: Buffer): number {
    const first = key[0] ?? 0;
    let lo = first === 0 ? 0 : this.fanout.readUInt32BE((first - 1) * 4);
    let hi = this.fanout.readUInt32BE(first * 4);
    const w = this.idLength;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.shas.compare(key, 0, key.length, mid * w, mid * w + key.length) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private offsetAt(i: number): number {
    const small = this.offsets.readUInt32BE(i * 4);
    if (this.v1 || !(small & 0x80000000)) return small;
    const at = (small & 0x7fffffff) * 8;
    if (at + 8 > this.largeOffsets.length) broken(this.idxPath, 'large offset out of range');
    return Number(this.largeOffsets.readBigUInt64BE(at));
  }

  /** Parse the entry header at `offset` and inflate its data, reading only what it needs. */
  private readEntry(offset: number): Entry {
    const head = this.readHeader(offset, this.scratch);
    const entry: Entry = { kind: head.kind, data: this.scratch };
    if (head.baseOffset !== undefined) entry.baseOffset = head.baseOffset;
    if (head.baseOid !== undefined) entry.baseOid = head.baseOid;
    entry.data = this.inflate(offset + head.dataAt, head.size, head.dataAt, head.bytes.length);
    return entry;
  }

  /**
   * Inflate `size` bytes whose zlib stream starts at `start`. The first window is zlib's
   * deflateBound(size), which always holds a stream zlib produced; other encoders could
   * exceed it, so a stream cut short by the window doubles it, up to the end of the pack.
   * Inflating to the stream's end (not just to `size` bytes) makes zlib verify its checksum.
   */
  private inflate(start: number, size: number, scratchFrom: number, scratchTo: number): Buffer {
    const available = this.packEnd - start;
    let want = Math.min(available, size + (size >>> 12) + (size >>> 14) + (size >>> 25) + 64);
    for (;;) {
      const input =
        want <= scratchTo - scratchFrom
          ? this.scratch.subarray(scratchFrom, scratchFrom + want)
          : readAt(this.fd, start, want);
      let out: Buffer;
      try {
        out = inflateSync(input, { maxOutputLength: Math.max(size, 1) });
      } catch (err) {
        if (systemCode(err) === 'Z_BUF_ERROR' && want < available) {
          want = Math.min(available, want * 2);
          continue;
        }
        return broken(this.packPath, `cannot inflate object data at ${start}: ${(err as Error).message}`);
      }
      if (out.length !== size) broken(this.packPath, `object data at ${start} has the wrong size`);
      return out;
    }
  }
}

/** The result size of a delta: the second varint of its header. */
function deltaResultSize(prefix: Buffer, file: string, offset: number): number {
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= prefix.length || shift > 49) broken(file, `bad delta header at ${offset}`);
      const c = prefix[pos++] as number;
      value += (c & 0x7f) * 2 ** shift;
      if (!(c & 0x80)) return value;
    }
  };
  varint(); // base size
  return varint();
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new GitTrackError('CORRUPT_OBJECT', 'unexpected end of pack file', { position });
    done += n;
  }
  return buf;
}

function broken(file: string, message: string): never {
  throw new GitTrackError('CORRUPT_OBJECT', `${file}: ${message}`, { file });
}
