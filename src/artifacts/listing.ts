/**
 * Directory listings: the text whose SHA-256 is a directory's content hash (see
 * ./hash.ts for the full definition), also stored in the local cache to restore a tree.
 * One line per file, `<sha256> <size> <relative/path>\n` (lowercase hex, decimal size,
 * single spaces), `/`-separated paths sorted by their bytes (UTF-8; a name that is not valid
 * UTF-8 is kept as the file system's raw bytes).
 */
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
 * per file). Path safety for writing is the caller's job.
 *
 * @example
 * parseListing(formatListing(entries)); // deep-equals sorted entries
 */
export function parseListing(text: string): ListingEntry[] {
  if (text === '') return [];
  const bad = (why: string) => new GitTrackError('CORRUPT_OBJECT', `malformed directory listing: ${why}`, {});
  if (!text.endsWith('\n')) throw bad('missing final newline');
  const entries: ListingEntry[] = [];
  let previous: Buffer | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const match = /^([0-9a-f]{64}) (0|[1-9][0-9]*) (.+)$/.exec(line);
    if (!match) throw bad(`bad line '${line.slice(0, 100)}'`);
    const key = Buffer.from(match[3]!);
    if (previous && Buffer.compare(previous, key) >= 0) throw bad(`paths not sorted or repeated at '${match[3]}'`);
    previous = key;
    entries.push({ sha256: match[1]!, size: Number(match[2]), path: match[3]! });
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
