/**
 * Loose objects (one zlib-deflated file per object at `objects/ab/cdef…`), as git and other
 * tools write them; git-track itself writes packs (see pack-write.ts). Also the
 * `objects/info/alternates` chain the object store reads through.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { GitTrackError, systemCode } from '../errors.js';
import { MAX_ALTERNATE_DEPTH } from '../limits.js';
import type { GitObject, ObjectType } from './encode.js';
import type { ObjectFormat } from './object-format.js';

/**
 * Read the loose object `oid` from the first objects dir that has it; undefined when none does.
 *
 * @example
 * const obj = readLoose([objectsDir, ...alternates], oid); // { type: 'blob', content } or undefined
 */
export function readLoose(dirs: string[], oid: string): GitObject | undefined {
  for (const dir of dirs) {
    const path = loosePath(dir, oid);
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch (err) {
      if (systemCode(err) === 'ENOENT' || systemCode(err) === 'ENOTDIR') continue;
      throw ioError(`cannot read object ${oid}`, path, err);
    }
    return parseLoose(oid, path, raw);
  }
  return undefined;
}

/**
 * Type and size of the loose object `oid` from its header, inflating only the first bytes of
 * the file; undefined when no objects dir holds it.
 *
 * @example
 * readLooseInfo([objectsDir], oid); // { type: 'blob', size: 104857600 }
 */
export function readLooseInfo(dirs: string[], oid: string): { type: ObjectType; size: number } | undefined {
  for (const dir of dirs) {
    const path = loosePath(dir, oid);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if (systemCode(err) === 'ENOENT' || systemCode(err) === 'ENOTDIR') continue;
      throw ioError(`cannot read object ${oid}`, path, err);
    }
    try {
      const raw = Buffer.allocUnsafe(512);
      const n = readSync(fd, raw, 0, raw.length, 0);
      let head: Buffer;
      try {
        // 512 input bytes inflate to at most ~500 KB, and the header is in the first 32.
        head = inflateSync(raw.subarray(0, n), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch (err) {
        throw new GitTrackError('CORRUPT_OBJECT', `loose object ${oid} is not valid zlib data`, { oid, path }, { cause: err });
      }
      const nul = head.indexOf(0);
      const header = /^(blob|tree|commit|tag) (\d+)$/.exec(head.toString('latin1', 0, Math.max(nul, 0)));
      if (nul < 0 || nul > 32 || !header) throw new GitTrackError('CORRUPT_OBJECT', `loose object ${oid} has a bad header`, { oid, path });
      return { type: header[1] as ObjectType, size: Number(header[2]) };
    } finally {
      closeSync(fd);
    }
  }
  return undefined;
}

/**
 * Whether any of the objects dirs holds the loose object `oid`.
 *
 * @example
 * hasLoose([objectsDir, ...alternates], oid); // true
 */
export function hasLoose(dirs: string[], oid: string): boolean {
  return dirs.some((dir) => existsSync(loosePath(dir, oid)));
}

/**
 * Ids of the loose objects in the objects dirs that start with a lowercase hex prefix of at
 * least 2 digits (an object in several dirs is listed once per dir).
 *
 * @example
 * findLoosePrefix([objectsDir], '3f9a21', store.format); // ['3f9a21c0…']
 */
export function findLoosePrefix(dirs: string[], prefix: string, format: ObjectFormat): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    for (const name of listDir(join(dir, prefix.slice(0, 2)))) {
      const oid = prefix.slice(0, 2) + name;
      if (format.oidPattern.test(oid) && oid.startsWith(prefix)) found.push(oid);
    }
  }
  return found;
}

/**
 * The objects dirs to read through, after `objectsDir` itself: `extra` (from
 * GIT_ALTERNATE_OBJECT_DIRECTORIES) and every `info/alternates` entry, followed into the
 * alternates' own alternates as git does (relative entries are relative to the objects dir
 * that lists them; git stops at a depth of 5). Each dir is listed once.
 *
 * @example
 * readAlternates('/repo/.git/objects'); // ['/shared/objects']
 */
export function readAlternates(objectsDir: string, extra: string[] = []): string[] {
  const seen = new Set<string>([resolve(objectsDir)]);
  const out: string[] = [];
  const visit = (dir: string, depth: number): void => {
    const key = resolve(dir);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(key);
    if (depth < MAX_ALTERNATE_DEPTH) for (const next of listAlternates(key)) visit(next, depth + 1);
  };
  for (const dir of listAlternates(objectsDir)) visit(dir, 1);
  for (const dir of extra) visit(dir, 1);
  return out;
}

function listAlternates(objectsDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(objectsDir, 'info', 'alternates'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => unquoteAlternate(line))
    .map((line) => (isAbsolute(line) ? line : resolve(objectsDir, line)));
}

/** An alternates line may be C-quoted (`"…"` with backslash escapes). */
function unquoteAlternate(line: string): string {
  if (!line.startsWith('"') || !line.endsWith('"') || line.length < 2) return line;
  return line.slice(1, -1).replace(/\\([0-7]{3}|.)/g, (_, c: string) => (c.length === 3 ? String.fromCharCode(parseInt(c, 8)) : c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/**
 * The file of a loose object under an objects dir.
 *
 * @example
 * loosePath('/repo/.git/objects', '45b983be…'); // '/repo/.git/objects/45/b983be…'
 */
export function loosePath(dir: string, oid: string): string {
  return join(dir, oid.slice(0, 2), oid.slice(2));
}

/**
 * A directory's entries; [] when it does not exist (or cannot be read).
 *
 * @example
 * listDir(join(objectsDir, 'pack')); // ['pack-1.idx', 'pack-1.pack']
 */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function parseLoose(oid: string, path: string, raw: Buffer): GitObject {
  let data: Buffer;
  try {
    data = inflateSync(raw);
  } catch (err) {
    throw new GitTrackError('CORRUPT_OBJECT', `loose object ${oid} is not valid zlib data`, { oid, path }, { cause: err });
  }
  const nul = data.indexOf(0);
  const header = /^(blob|tree|commit|tag) (\d+)$/.exec(data.toString('latin1', 0, Math.max(nul, 0)));
  if (nul < 0 || nul > 32 || !header || Number(header[2]) !== data.length - nul - 1) {
    throw new GitTrackError('CORRUPT_OBJECT', `loose object ${oid} has a bad header`, { oid, path });
  }
  return { type: header[1] as ObjectType, content: data.subarray(nul + 1) };
}

function ioError(message: string, path: string, err: unknown): GitTrackError {
  // No dedicated I/O code exists yet; INTERNAL carries the system code (ENOSPC, EACCES…).
  const code = systemCode(err);
  return new GitTrackError('INTERNAL', `${message}: ${(err as Error).message}`, { path, syscallCode: code }, { cause: err });
}
