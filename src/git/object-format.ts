/**
 * The repository's object format (`extensions.objectFormat`): which hash names objects, and so
 * how long an id is in hex and in binary (trees, pack indexes, REF_DELTA bases, pack
 * trailers). Every id length in git-track comes from here; a repository declares its format
 * once, in its config, and {@link checkRepoFormat} reads it.
 */
import { createHash, type Hash } from 'node:crypto';

/** One of the hashes git names objects with. */
export interface ObjectFormat {
  /** git's name: `sha1` or `sha256`. */
  readonly name: 'sha1' | 'sha256';
  /** Bytes in a binary id (tree entries, pack indexes, pack trailers). */
  readonly rawLength: number;
  /** Digits in a hex id. */
  readonly hexLength: number;
  /** The all-zero id git writes for "no object" (a created ref's old value in a reflog). */
  readonly zero: string;
  /** A whole lowercase hex id of this format, anchored. */
  readonly oidPattern: RegExp;
  /** The id of the empty tree, which git knows without having it stored. */
  readonly emptyTree: string;
  /** A fresh hash of this format (objects, pack and index checksums). */
  hash(): Hash;
}

function format(name: 'sha1' | 'sha256', rawLength: number): ObjectFormat {
  const hexLength = rawLength * 2;
  return Object.freeze({
    name,
    rawLength,
    hexLength,
    zero: '0'.repeat(hexLength),
    oidPattern: new RegExp(`^[0-9a-f]{${hexLength}}$`),
    emptyTree: createHash(name).update('tree 0\0').digest('hex'),
    hash: () => createHash(name),
  });
}

/** SHA-1, git's default. */
export const SHA1: ObjectFormat = format('sha1', 20);
/** SHA-256 (`git init --object-format=sha256`). */
export const SHA256: ObjectFormat = format('sha256', 32);

/**
 * The format git calls `name` (case-insensitive), or undefined for one git-track does not know.
 *
 * @example
 * objectFormatNamed('sha256')?.hexLength; // 64
 */
export function objectFormatNamed(name: string): ObjectFormat | undefined {
  const n = name.trim().toLowerCase();
  return n === 'sha1' ? SHA1 : n === 'sha256' ? SHA256 : undefined;
}

/**
 * The format a whole hex id belongs to, by its length; undefined when it is neither. For text
 * git wrote (a ref file, a packed-refs line) where the id itself says which format it is in.
 *
 * @example
 * formatOfOid('0'.repeat(64)); // SHA256
 */
export function formatOfOid(oid: string): ObjectFormat | undefined {
  if (oid.length === SHA1.hexLength) return SHA1.oidPattern.test(oid) ? SHA1 : undefined;
  if (oid.length === SHA256.hexLength) return SHA256.oidPattern.test(oid) ? SHA256 : undefined;
  return undefined;
}

export { ANY_OID, ANY_OID_SOURCE } from './oid-text.js';
