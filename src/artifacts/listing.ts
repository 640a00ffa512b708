/**
 * Directory listings: the text whose SHA-256 is a directory's content hash (see
 * ./hash.ts for the full definition), also stored in the local cache to restore a tree.
 * One line per file, `<sha256> <size> <relative/path>\n` (lowercase hex, decimal size,
 * single spaces), `/`-separated paths sorted by their bytes (UTF-8; a name that is not valid
 * UTF-8 is kept as the file system's raw bytes).
 */
import { isUtf8 } from 'node:buffer';
import { GitTrackError } from '../errors.js';

/** One line of a directory listing. */
export interface ListingEntry {
  /** The path as text; for a name that is not valid UTF-8, lossy (U+FFFD) and for display only. */
  path: string;
  sha256: string;
  size: number;
  /** The path's exact bytes, present only when they are not valid UTF-8. */
  raw?: Buffer;
}

/**
 * The listing as bytes: what a directory's sha256 hashes. Identical to the UTF-8 of
 * {@link formatListing} unless a path is not valid UTF-8; such a path is written as its raw
 * bytes, exactly as the file system names it.
 *
 * @example
 * listingBytes([{ path: 'caf\ufffd.csv', raw: Buffer.from('caf\xe9.csv', 'latin1'), sha256, size: 3 }]);
 */
export function listingBytes(entries: readonly ListingEntry[]): Buffer {
  return Buffer.concat(
    sortByPath(entries).map((e) => (e.raw ? Buffer.concat([Buffer.from(`${e.sha256} ${e.size} `), e.raw, Buffer.from('\n')]) : Buffer.from(`${e.sha256} ${e.size} ${e.path}\n`))),
  );
}

/**
 * The listing text of a directory from its entries (sorted here, so any order may be given).
 *
 * @example
 * formatListing([{ path: 'a.txt', sha256: 'e3b0…', size: 0 }]); // 'e3b0… 0 a.txt\n'
 */
export function formatListing(entries: readonly ListingEntry[]): string {
  return sortByPath(entries)
    .map((e) => `${e.sha256} ${e.size} ${e.path}\n`)
    .join('');
}

/**
 * Parse a listing back into entries, checking it is well formed (sorted, unique, one line
 * per file). Given bytes, a path that is not valid UTF-8 keeps its bytes in `raw` (and is
 * checked for order as bytes, as it was hashed). Path safety for writing is the caller's job.
 *
 * @example
 * parseListing(listingBytes(entries)); // deep-equals sorted entries
 */
export function parseListing(input: string | Buffer): ListingEntry[] {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  if (bytes.length === 0) return [];
  const bad = (why: string) => new GitTrackError('CORRUPT_OBJECT', `malformed directory listing: ${why}`, {});
  if (bytes[bytes.length - 1] !== 0x0a) throw bad('missing final newline');
  const entries: ListingEntry[] = [];
  let previous: Buffer | undefined;
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0x0a, start);
    const line = bytes.subarray(start, end);
    start = end + 1;
    // `<64 hex> <size> <path>`: the head is ASCII, the path any bytes but a newline.
    const space = line.indexOf(0x20, 65);
    const match = line[64] === 0x20 && space > 65 ? /^([0-9a-f]{64}) (0|[1-9][0-9]*)$/.exec(line.toString('latin1', 0, space)) : null;
    const key = line.subarray(space + 1);
    if (!match || key.length === 0) throw bad(`bad line '${line.toString('utf8', 0, 100)}'`);
    const path = key.toString('utf8');
    if (previous && Buffer.compare(previous, key) >= 0) throw bad(`paths not sorted or repeated at '${path}'`);
    previous = key;
    entries.push({ sha256: match[1]!, size: Number(match[2]), path, ...(isUtf8(key) ? {} : { raw: Buffer.from(key) }) });
  }
  return entries;
}

/**
 * Entries sorted by the UTF-8 bytes of their paths (= Unicode code point order, not
 * JavaScript's UTF-16 string order), as a listing requires. Returns a new array.
 *
 * @example
 * sortByPath([{ path: 'b' }, { path: 'a' }]); // [{ path: 'a' }, { path: 'b' }]
 */
export function sortByPath<T extends { path: string; raw?: Buffer }>(entries: readonly T[]): T[] {
  return entries
    .map((e) => ({ e, key: e.raw ?? Buffer.from(e.path) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ e }) => e);
}
