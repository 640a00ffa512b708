/**
 * Reading files of an MLflow `mlruns/` folder that someone else wrote: no symlink is ever
 * followed (a link could point anywhere on the machine), every file is read with a size bound,
 * and key folders (`params/a/b` for key `a/b`) are walked with a depth and count bound.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { GitTrackError, systemCode } from '../../errors.js';
import { MAX_INPUT_ENTRIES, MAX_NESTING_DEPTH } from '../../limits.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A path under the store, for messages: relative to the folder the user named. */
export type Where = (path: string) => string;

/**
 * The entry at `path` without following a symlink; null when it does not exist.
 *
 * @example
 * lstatOrNull('/data/mlruns/0/meta.yaml')?.isFile();
 */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if (systemCode(err) === 'ENOENT' || systemCode(err) === 'ENOTDIR') return null;
    throw err;
  }
}

/**
 * A regular file's text, refused when it is a symlink, not a file, or over `max` bytes.
 * O_NOFOLLOW closes the gap between a check and the open: a link swapped in meanwhile fails.
 *
 * @example
 * readStoreFile('/data/mlruns/0/meta.yaml', 65536, where);
 */
export function readStoreFile(path: string, max: number, where: Where): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = systemCode(err);
    if (code === 'ELOOP') throw new GitTrackError('BAD_INPUT', `${where(path)}: is a symlink; not followed`, { path });
    if (code === 'ENOENT') throw new GitTrackError('FILE_NOT_FOUND', `${where(path)}: missing`, { path });
    throw new GitTrackError('BAD_INPUT', `${where(path)}: cannot be read (${code ?? String(err)})`, { path });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new GitTrackError('BAD_INPUT', `${where(path)}: is not a file`, { path });
    if (stat.size > max) throw new GitTrackError('BAD_INPUT', `${where(path)}: ${stat.size} bytes, over the limit of ${max}`, { path, limit: max });
    const buf = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buf.length) {
      const n = readSync(fd, buf, read, buf.length - read, read);
      if (n === 0) break;
      read += n;
    }
    try {
      return UTF8.decode(buf.subarray(0, read));
    } catch {
      throw new GitTrackError('BAD_INPUT', `${where(path)}: not valid UTF-8`, { path });
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Subdirectories and files of a directory (no symlinks: those are reported through `skipped`).
 *
 * @example
 * const { dirs, files } = listDir('/data/mlruns/0', where, (p) => warn(p));
 */
export function listDir(path: string, onSymlink: (path: string) => void): { dirs: string[]; files: string[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  const entries = readdirSync(path, { withFileTypes: true });
  if (entries.length > MAX_INPUT_ENTRIES) throw new GitTrackError('BAD_INPUT', `${path}: ${entries.length} entries, over the limit of ${MAX_INPUT_ENTRIES}`, { path });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.isSymbolicLink()) onSymlink(join(path, e.name));
    else if (e.isDirectory()) dirs.push(e.name);
    else if (e.isFile()) files.push(e.name);
  }
  return { dirs, files };
}

/**
 * The files of a key folder (`params/`, `metrics/`, `tags/`) as key → path, where a key with
 * `/` is a subfolder, as MLflow's file store writes it. A missing folder has no keys.
 *
 * @example
 * keyFiles('/data/mlruns/0/abc/params', where, warnLink); // Map { 'a/b' => '/data/…/params/a/b' }
 */
export function keyFiles(dir: string, where: Where, onSymlink: (path: string) => void): Map<string, string> {
  const out = new Map<string, string>();
  const stat = lstatOrNull(dir);
  if (!stat) return out;
  if (stat.isSymbolicLink()) {
    onSymlink(dir);
    return out;
  }
  if (!stat.isDirectory()) throw new GitTrackError('BAD_INPUT', `${where(dir)}: is not a directory`, { path: dir });
  const walk = (path: string, prefix: string, depth: number): void => {
    if (depth > MAX_NESTING_DEPTH) throw new GitTrackError('BAD_INPUT', `${where(path)}: keys nested deeper than ${MAX_NESTING_DEPTH} folders`, { path });
    const { dirs, files } = listDir(path, onSymlink);
    for (const f of files) {
      out.set(prefix + f, join(path, f));
      if (out.size > MAX_INPUT_ENTRIES) throw new GitTrackError('BAD_INPUT', `${where(dir)}: over ${MAX_INPUT_ENTRIES} keys`, { path: dir });
    }
    for (const d of dirs) walk(join(path, d), `${prefix}${d}/`, depth + 1);
  };
  walk(dir, '', 1);
  return out;
}
