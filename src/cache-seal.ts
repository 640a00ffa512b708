/**
 * Checksums for the derived caches under `.git/git-track/` (query index, hash cache,
 * environment cache). They are rebuilt from the branch or the files whenever missing, so a
 * damaged one must read as missing, never as data: one flipped byte of the query index once
 * turned 0.5 into 0.000518798828125 in `list` with exit 0. CRC-32 catches every single-byte
 * change and every burst of up to 32 bits, and costs ~18 ms for 64 MB (measured, Node 20's
 * zlib.crc32), which is the query index at 100,000 runs.
 */
import { crc32 } from 'node:zlib';

/**
 * A JSON cache file's text: the value with its CRC-32, as `{"crc32":"…","value":…}`.
 *
 * @example
 * writeFileSync(tmp, sealJson({ format: 'git-track/hash-cache@1', entries }));
 */
export function sealJson(value: unknown): string {
  const body = JSON.stringify(value);
  return `{"crc32":"${hex(crc32(body))}","value":${body}}`;
}

/**
 * The value of a file written by {@link sealJson}, or undefined when it is not one or its
 * checksum does not match (the caller rebuilds the cache).
 *
 * @example
 * const cache = unsealJson(readFileSync(file, 'utf8')) ?? emptyCache();
 */
export function unsealJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { crc32: sum, value } = parsed as { crc32?: unknown; value?: unknown };
  if (typeof sum !== 'string' || value === undefined) return undefined;
  // JSON.stringify of what JSON.stringify wrote gives the same text back, so the sum can be
  // checked on the value read: a change anywhere (key, number, string) changes it.
  return hex(crc32(JSON.stringify(value))) === sum ? value : undefined;
}

/**
 * Running CRC-32 over buffers written one after the other.
 *
 * @example
 * let sum = 0; for (const part of parts) sum = crcUpdate(sum, part);
 */
export function crcUpdate(sum: number, data: Buffer | Uint8Array): number {
  return crc32(data, sum);
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
