/**
 * The query index on disk, built to load fast and lazily:
 *
 * ```
 * "GTIDX003" | uint32 header length | header JSON | sections, each 8-byte aligned:
 *   ids    n × 12 bytes (latin1)
 *   trees  n × idBytes (binary object ids: 20 in a sha1 repository, 32 in a sha256 one)
 *   per column: [rows uint32 × count, if sparse] kinds uint8 × count | nums float64 × count | strings JSON
 * "GTCK" | uint32 CRC-32 of every byte before it
 * ```
 *
 * The checksum is checked at open, reading the file once in 1 MB pieces (≈ 18 ms of CRC at
 * 100,000 runs): a damaged index is rebuilt, never read as data (see src/cache-seal.ts).
 *
 * Opening reads the header and the ids; a column is read (one positioned read, typed-array
 * views, its own small string table) only when a filter, sort or output names it.
 *
 * Measured at 100,000 runs (bench fixture: 20 params, 10 metrics, ~50 fields a run): this
 * file is 64 MB, and opening it, loading two columns and scanning every row takes 7 ms. The
 * same rows as JSON are 141 MB, take 1.65 s to JSON.parse and add 256 MB of RSS. The first
 * version of this format read the whole file with one shared string table: 0.4 s and
 * ~190 MB RSS per query.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { GitTrackError } from '../errors.js';
import { crcUpdate } from '../cache-seal.js';
import { SHA1, type ObjectFormat } from '../git/object-format.js';
import type { Column, RunTable } from './run-table.js';

// 003: rows carry `parent`; an index written before that lacks it for runs that have one.
// 004: a CRC-32 trailer.
const MAGIC = 'GTIDX004';
const TRAILER = 'GTCK';

interface ColumnEntry {
  key: string;
  count: number;
  dense: boolean;
  offset: number;
  stringBytes: number;
}

interface Header {
  tip: string | null;
  shards: Record<string, string>;
  n: number;
  /** Bytes of one binary tree id; absent in indexes written when only sha1 was handled. */
  idBytes?: number;
  columns: ColumnEntry[];
}

const pad8 = (n: number) => (n + 7) & ~7;

/**
 * Serialise a table (every column is read); tree ids are of `format`. The parts come one at
 * a time, to be written as they come: a column's string table is made when its turn comes
 * (its length was measured before, for the header), so writing a 100,000-run index holds one
 * column's strings as JSON at a time rather than all of them (~40 MB of an update's peak).
 *
 * @example
 * for (const part of encodeIndex(table, ctx.store.format)) writeSync(fd, part);
 */
export function* encodeIndex(table: RunTable, format: ObjectFormat): Generator<Buffer> {
  const n = table.size;
  const w = format.rawLength;
  const ids = Buffer.alloc(n * 12);
  const trees = Buffer.alloc(n * w);
  for (let r = 0; r < n; r++) {
    ids.write(table.id(r), r * 12, 'latin1');
    trees.write(table.tree(r), r * w, 'hex');
  }
  const stringsOf = (c: Column) => Buffer.from(JSON.stringify(c.strings));
  // Where each section goes (relative to the start of the body).
  let offset = pad8(ids.length) + pad8(trees.length);
  const columns: ColumnEntry[] = [];
  for (const key of table.keys()) {
    const c = table.column(key)!;
    const start = offset;
    if (c.rows) offset += pad8(c.rows.byteLength);
    offset += pad8(c.kinds.byteLength) + pad8(c.nums.byteLength);
    const stringBytes = Buffer.byteLength(JSON.stringify(c.strings));
    offset += pad8(stringBytes);
    columns.push({ key, count: c.kinds.length, dense: c.rows === null, offset: start, stringBytes });
  }
  const header: Header = { tip: table.tip, shards: table.shards, n, idBytes: w, columns };
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(pad8(12 + json.length));
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  json.copy(prefix, 12);
  let sum = 0;
  function* put(b: Buffer): Generator<Buffer> {
    sum = crcUpdate(sum, b);
    yield b;
    const padding = pad8(b.length) - b.length;
    if (padding > 0) {
      const zeros = Buffer.alloc(padding);
      sum = crcUpdate(sum, zeros);
      yield zeros;
    }
  }
  yield* put(prefix);
  yield* put(ids);
  yield* put(trees);
  for (const entry of columns) {
    const c = table.column(entry.key)!;
    if (c.rows) yield* put(Buffer.from(c.rows.buffer, c.rows.byteOffset, c.rows.byteLength));
    yield* put(Buffer.from(c.kinds.buffer, c.kinds.byteOffset, c.kinds.byteLength));
    yield* put(Buffer.from(c.nums.buffer, c.nums.byteOffset, c.nums.byteLength));
    const strings = stringsOf(c);
    if (strings.length !== entry.stringBytes) throw new GitTrackError('CORRUPT_OBJECT', `query index column ${entry.key} changed while written`);
    yield* put(strings);
  }
  const trailer = Buffer.alloc(8);
  trailer.write(TRAILER, 0, 'latin1');
  trailer.writeUInt32LE(sum >>> 0, 4);
  yield trailer;
}

const corrupt = (why: string) => new GitTrackError('CORRUPT_OBJECT', `query index is corrupt: ${why}`);

function readAt(fd: number, position: number, length: number): Buffer {
  // Buffer.alloc never comes from the shared pool, so typed-array views on it are aligned.
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const got = readSync(fd, buf, done, length - done, position + done);
    if (got === 0) throw corrupt('truncated');
    done += got;
  }
  return buf;
}

/**
 * Open an index file: header and ids now, columns on demand. Throws CORRUPT_OBJECT when the
 * structure does not add up (the caller rebuilds); the file is only ever replaced by rename,
 * so the open descriptor keeps reading the version that was checked.
 *
 * @example
 * const table = openIndex('.git/git-track/query-index.bin', ctx.store.format);
 */
export function openIndex(path: string, format: ObjectFormat): RunTable {
  const fd = openSync(path, 'r');
  try {
    return readIndex(fd, format);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

const finalizer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {}
});

/** Checks the trailer's CRC-32 and returns the size of what it covers. */
function checkSum(fd: number): number {
  const total = fstatSync(fd).size;
  if (total < 20) throw corrupt('too short');
  const size = total - 8;
  const trailer = readAt(fd, size, 8);
  if (trailer.toString('latin1', 0, 4) !== TRAILER) throw corrupt('no checksum');
  const chunk = Buffer.allocUnsafe(Math.min(size, 1 << 20));
  let sum = 0;
  for (let at = 0; at < size; ) {
    const got = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
    if (got === 0) throw corrupt('truncated');
    sum = crcUpdate(sum, chunk.subarray(0, got));
    at += got;
  }
  if (sum >>> 0 !== trailer.readUInt32LE(4)) throw corrupt('checksum mismatch');
  return size;
}

function readIndex(fd: number, format: ObjectFormat): RunTable {
  const size = checkSum(fd);
  const head = readAt(fd, 0, 12);
  if (head.toString('latin1', 0, 8) !== MAGIC) throw corrupt('bad magic');
  const len = head.readUInt32LE(8);
  if (12 + len > size) throw corrupt('truncated header');
  let header: Header;
  try {
    header = JSON.parse(readAt(fd, 12, len).toString('utf8')) as Header;
  } catch {
    throw corrupt('unreadable header');
  }
  const base = pad8(12 + len);
  const n = header.n;
  if (!Number.isInteger(n) || n < 0) throw corrupt('bad row count');
  const w = format.rawLength;
  // An index of another object format (the repository was re-created) is rebuilt, not misread.
  if ((header.idBytes ?? SHA1.rawLength) !== w) throw corrupt('tree ids of another object format');
  const treesAt = base + pad8(n * 12);
  const sectionEnd = (c: ColumnEntry) => {
    let end = c.offset + (c.dense ? 0 : pad8(4 * c.count)) + pad8(c.count) + 8 * c.count;
    end += pad8(c.stringBytes);
    return base + end;
  };
  if (treesAt + n * w > size) throw corrupt('truncated ids');
  for (const c of header.columns) {
    if ((c.dense && c.count !== n) || c.count > n || sectionEnd(c) > size) throw corrupt(`bad column ${c.key}`);
  }
  const idText = readAt(fd, base, n * 12).toString('latin1');
  let trees: Buffer | undefined;
  const entries = new Map(header.columns.map((c) => [c.key, c]));
  const loaded = new Map<string, Column>();
  const column = (key: string): Column | undefined => {
    const c = entries.get(key);
    if (!c) return undefined;
    let col = loaded.get(key);
    if (!col) {
      const start = base + c.offset;
      const buf = readAt(fd, start, sectionEnd(c) - start);
      let at = 0;
      const rows = c.dense ? null : new Uint32Array(buf.buffer, buf.byteOffset, c.count);
      if (!c.dense) at += pad8(4 * c.count);
      const kinds = new Uint8Array(buf.buffer, buf.byteOffset + at, c.count);
      at += pad8(c.count);
      const nums = new Float64Array(buf.buffer, buf.byteOffset + at, c.count);
      at += 8 * c.count;
      let strings: string[];
      try {
        strings = JSON.parse(buf.toString('utf8', at, at + c.stringBytes)) as string[];
      } catch {
        throw corrupt(`unreadable strings of ${key}`);
      }
      loaded.set(key, (col = { rows, kinds, nums, strings }));
    }
    return col;
  };
  const table: RunTable = {
    tip: header.tip,
    shards: header.shards,
    size: n,
    id: (r) => idText.substr(r * 12, 12),
    tree: (r) => (trees ??= readAt(fd, treesAt, n * w)).toString('hex', r * w, r * w + w),
    keys: () => [...entries.keys()],
    column,
    release: (key) => void loaded.delete(key),
  };
  finalizer.register(table, fd);
  return table;
}
