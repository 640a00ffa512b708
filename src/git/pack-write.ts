/**
 * Writing packs (version 2, undeltified entries) with their `.idx` (version 2), optionally
 * guarded by a `.keep` file.
 *
 * Why a pack and not loose objects: `git gc --prune=now` (and `git prune --expire=now`)
 * deletes every loose object that no ref reaches, whatever its age, so the objects of a run
 * written just before its ref update could vanish in between, leaving `runs` pointing at a
 * missing commit. Packs with a `.keep` file are left alone by `git repack -a -d` and never
 * looked at by `git prune`; git's own fetch protects its incoming pack the same way until the
 * refs have moved (`index-pack --keep`).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 as zlibCrc32, deflateSync } from 'node:zlib';
import { GitTrackError, systemCode } from '../errors.js';
import { hashObject, type ObjectType } from './encode.js';
import type { ObjectFormat } from './object-format.js';
import { adjustSharedPerm } from './shared-perm.js';

const TYPE_CODES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/** An object ready to go into a pack: its id and its encoded entry (header + zlib data). */
export interface PackEntry {
  oid: string;
  bytes: Buffer;
}

/** What {@link writePack} put in place. */
export interface WrittenPack {
  idxPath: string;
  packPath: string;
  /** The `.keep` file guarding the pack, when one was asked for. */
  keepPath?: string;
  /** The bytes of the `.idx`, to put it back if `git gc` removes it (see {@link restoreIndex}). */
  index: Buffer;
}

/**
 * Encode one object as an undeltified pack entry. Level 1, as for git's loose objects: these
 * packs are short-lived (gc rewrites them) and most entries are manifest-sized.
 *
 * @example
 * const entry = { oid, bytes: encodePackEntry('blob', content) };
 */
export function encodePackEntry(type: ObjectType, content: Buffer): Buffer {
  const head: number[] = [];
  let size = content.length;
  let byte = (TYPE_CODES[type] << 4) | (size & 15);
  size = Math.floor(size / 16);
  while (size > 0) {
    head.push(byte | 0x80);
    byte = size & 0x7f;
    size = Math.floor(size / 128);
  }
  head.push(byte);
  return Buffer.concat([Buffer.from(head), deflateSync(content, { level: 1 })]);
}

/**
 * Write `entries` as `pack-<checksum>.pack` and `.idx` in `packDir` and return the paths.
 * With `keep`, the `.keep` file (holding `keep` as its reason) is created before the pack
 * becomes visible, so no `git repack -a -d` ever sees the pack unguarded. With `fsync`, the
 * files (and the directory naming them) are flushed before this returns.
 *
 * @example
 * const { keepPath } = writePack(join(objectsDir, 'pack'), entries, { keep: 'git-track: logging', fsync: false, format: store.format });
 * // …move the ref…
 * unlinkSync(keepPath!);
 */
export function writePack(packDir: string, entries: PackEntry[], options: { keep?: string; fsync: boolean; sharedPerm?: number; format: ObjectFormat }): WrittenPack {
  const perm = options.sharedPerm ?? 0;
  if (entries.length === 0) throw new GitTrackError('INTERNAL', 'an empty pack was about to be written', { packDir });
  // Two writers can build the same objects (the same merge commit in the same second): a pack
  // another writer guards must not be claimed, so add a unique unreachable blob (gc drops it)
  // to get a name of our own.
  for (let attempt = 0; ; attempt++) {
    const order = attempt === 0 ? entries : [...entries, nonceEntry(options.format)];
    const { pack, checksum } = buildPack(order, options.format);
    const name = checksum.toString('hex');
    const base = join(packDir, `pack-${name}`);
    let keepPath: string | undefined;
    if (options.keep !== undefined) {
      keepPath = `${base}.keep`;
      if (!createExclusive(keepPath, options.keep, perm)) {
        if (attempt < 3) continue;
        throw new GitTrackError('INTERNAL', `cannot guard a new pack: ${keepPath} exists`, { path: keepPath });
      }
    }
    const index = buildIndex(order, pack, checksum, options.format);
    try {
      placeFile(packDir, `${base}.pack`, pack, options.fsync, perm);
      placeFile(packDir, `${base}.idx`, index, options.fsync, perm);
      if (options.fsync) syncDir(packDir);
    } catch (err) {
      if (keepPath) removeQuietly(keepPath);
      throw err;
    }
    return { idxPath: `${base}.idx`, packPath: `${base}.pack`, index, ...(keepPath ? { keepPath } : {}) };
  }
}

/**
 * Put back the `.idx` of a pack we wrote when it vanished while its `.pack` is still there;
 * true when it had to. `git gc` deletes an `.idx` it lists without its `.pack` as garbage
 * (with the `.keep` beside it), and a directory listing taken while both files are renamed
 * into place can show the `.idx` but miss the `.pack` when it takes more than one `getdents`
 * call (a pack directory of some 450 files or more): the pack's objects are then invisible to
 * git and to us. Checked while the `.keep` still guards the pack.
 *
 * @example
 * restoreIndex(written, { fsync: true });
 */
export function restoreIndex(written: WrittenPack, options: { fsync: boolean; sharedPerm?: number }): boolean {
  if (existsSync(written.idxPath) || !existsSync(written.packPath)) return false;
  const dir = dirname(written.idxPath);
  // gc removes every file it listed with the index, the `.keep` too: guard the pack again
  // before its objects become visible (and so prunable) again.
  if (written.keepPath && !existsSync(written.keepPath)) createExclusive(written.keepPath, 'git-track: ref update in progress (guard restored)', options.sharedPerm ?? 0);
  placeFile(dir, written.idxPath, written.index, options.fsync, options.sharedPerm ?? 0);
  if (options.fsync) syncDir(dir);
  return true;
}

function buildPack(entries: PackEntry[], format: ObjectFormat): { pack: Buffer; checksum: Buffer } {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(entries.length, 8);
  const body = Buffer.concat([header, ...entries.map((e) => e.bytes)]);
  const checksum = format.hash().update(body).digest();
  return { pack: Buffer.concat([body, checksum]), checksum };
}

/** The version 2 index: fanout, sorted ids, CRC-32s, offsets (64-bit past 2 GiB), checksums. */
function buildIndex(entries: PackEntry[], pack: Buffer, checksum: Buffer, format: ObjectFormat): Buffer {
  const rows: { id: Buffer; offset: number; crc: number }[] = [];
  let offset = 12;
  for (const e of entries) {
    rows.push({ id: Buffer.from(e.oid, 'hex'), offset, crc: crc32(pack.subarray(offset, offset + e.bytes.length)) });
    offset += e.bytes.length;
  }
  rows.sort((a, b) => a.id.compare(b.id));
  const n = rows.length;
  const fanout = Buffer.alloc(256 * 4);
  for (const r of rows) for (let b = r.id[0]!; b < 256; b++) fanout.writeUInt32BE(fanout.readUInt32BE(b * 4) + 1, b * 4);
  const crcs = Buffer.alloc(4 * n);
  const offsets = Buffer.alloc(4 * n);
  const large: Buffer[] = [];
  rows.forEach((r, i) => {
    crcs.writeUInt32BE(r.crc >>> 0, i * 4);
    if (r.offset < 0x80000000) offsets.writeUInt32BE(r.offset, i * 4);
    else {
      offsets.writeUInt32BE((0x80000000 | large.length) >>> 0, i * 4);
      const big = Buffer.alloc(8);
      big.writeBigUInt64BE(BigInt(r.offset));
      large.push(big);
    }
  });
  const head = Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]);
  const body = Buffer.concat([head, fanout, ...rows.map((r) => r.id), crcs, offsets, ...large, checksum]);
  return Buffer.concat([body, format.hash().update(body).digest()]);
}

/** Write to a temp name git neither reads nor cleans up (`tmp_*` is pruned), then rename. */
function placeFile(dir: string, target: string, data: Buffer, fsync: boolean, perm: number): void {
  const temp = join(dir, `.git-track-${randomBytes(8).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx', 0o444);
    try {
      for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
      if (fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // core.sharedRepository: the group must be able to read what we leave (and gc it).
    adjustSharedPerm(temp, perm);
    renameSync(temp, target);
  } catch (err) {
    removeQuietly(temp);
    throw new GitTrackError('INTERNAL', `cannot write ${target}: ${(err as Error).message}`, { path: target, syscallCode: systemCode(err) }, { cause: err });
  }
}

function createExclusive(path: string, text: string, perm: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if (systemCode(err) === 'EEXIST') return false;
    throw new GitTrackError('INTERNAL', `cannot create ${path}: ${(err as Error).message}`, { path, syscallCode: systemCode(err) }, { cause: err });
  }
  try {
    writeSync(fd, text.endsWith('\n') ? text : `${text}\n`);
  } finally {
    closeSync(fd);
  }
  adjustSharedPerm(path, perm);
  return true;
}

function syncDir(dir: string): void {
  // Windows cannot open a directory; there the renames are journaled by NTFS.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Remove a file, ignoring one that is already gone.
 *
 * @example
 * removeQuietly(keepPath);
 */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

function nonceEntry(format: ObjectFormat): PackEntry {
  const content = Buffer.from(`git-track pack nonce ${randomBytes(16).toString('hex')}\n`);
  return { oid: hashObject('blob', content, format), bytes: encodePackEntry('blob', content) };
}

let table: Int32Array | undefined;

/** zlib's CRC-32 (node ≥ 20.15 has it built in). */
function crc32(data: Buffer): number {
  if (typeof zlibCrc32 === 'function') return zlibCrc32(data);
  if (!table) {
    table = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c;
    }
  }
  let crc = -1;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
