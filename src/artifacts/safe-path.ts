/**
 * Where a path recorded by someone else may be written. Paths in manifests and directory
 * listings arrive from remotes: a teammate's push must never become a file in `.git` (hooks
 * run code) or a write outside the directory the user named, directly or through a symlink.
 *
 * The `.git` rules are git's own `verify_path` (read-cache.c, `is_ntfs_dotgit` and
 * `is_hfs_dotgit`): besides `.git` in any case, NTFS reads `.git.`, `.git ` and the 8.3 short
 * name `git~1` as `.git`, and HFS+ ignores some invisible code points (`.g\u200cit`).
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { GitTrackError, systemCode } from '../errors.js';

/** Code points HFS+ ignores when comparing names (git's `next_hfs_char`). */
const HFS_IGNORABLE = /[\u200c\u200d\u200e\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/**
 * True when a single path component would name the `.git` directory on some file system
 * git supports.
 *
 * @example
 * isDotGit('.GIT'); // true
 * isDotGit('git~1'); // true
 * isDotGit('.gitignore'); // false
 */
export function isDotGit(component: string): boolean {
  const hfs = component.replace(HFS_IGNORABLE, '').toLowerCase();
  if (hfs === '.git') return true;
  const lower = component.toLowerCase();
  // NTFS: trailing dots and spaces are dropped, and `name:stream` opens `name`.
  return /^(?:\.git|git~1)[. ]*(?::.*)?$/.test(lower);
}

/** Why a recorded path cannot be written as given, or null when it can. */
export type PathProblem = 'git' | 'outside' | null;

/**
 * Classify a recorded relative path: `'git'` when any component is (an alias of) `.git`,
 * `'outside'` when it is absolute or climbs out with `..` (or is otherwise not a plain
 * relative path), null when it names a place inside the directory it is written under.
 *
 * @example
 * pathProblem('models/a.pkl'); // null
 * pathProblem('.git/hooks/post-checkout'); // 'git'
 * pathProblem('../../x'); // 'outside'
 */
export function pathProblem(path: string): PathProblem {
  const parts = path.split(/[/\\]/);
  if (parts.some(isDotGit)) return 'git';
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\') || path.includes('\0')) return 'outside';
  return parts.every((p) => p !== '' && p !== '.' && p !== '..') ? null : 'outside';
}

/**
 * A relative name under an explicitly named directory for a path recorded outside the work
 * tree (`/data/train.csv` → `data/train.csv`, `../../x` → `x`), or null when nothing usable
 * is left or a component is `.git`.
 *
 * @example
 * outsideName('../shared/data/train.csv'); // 'shared/data/train.csv'
 */
export function outsideName(path: string): string | null {
  const parts = path.split(/[/\\]/).filter((p, i) => p !== '' && p !== '.' && p !== '..' && !(i === 0 && /^[A-Za-z]:$/.test(p)));
  if (parts.length === 0 || parts.some(isDotGit) || path.includes('\0')) return null;
  return parts.join('/');
}

/**
 * Throw unless `path` may be written under a directory: refuses `.git` aliases and paths
 * leaving it. `what` names the path in the message.
 *
 * @example
 * assertWritablePath('models/a.pkl', 'artifact of run 3f9a21c0b7d4');
 */
export function assertWritablePath(path: string, what: string): void {
  const problem = pathProblem(path);
  if (problem === 'git') throw new GitTrackError('BAD_INPUT', `refusing to write ${what} '${path}': it names a path inside .git`, { path });
  if (problem === 'outside') throw new GitTrackError('BAD_INPUT', `refusing to write ${what} '${path}': it is not a relative path inside the target directory`, { path });
}

/**
 * Create the directories of `rel` (a checked relative path, `/`-separated) under `root` one
 * component at a time without following symlinks: an existing component must be a real
 * directory. Returns the absolute directory. `root` itself is the user's choice and may be
 * a symlink.
 *
 * @example
 * ensureDirWithin('/work/tree', 'models/v1'); // '/work/tree/models/v1'
 */
export function ensureDirWithin(root: string, rel: string): string;
/** The same for a relative path held as bytes (a file name that is not valid UTF-8): the directories keep those bytes. */
export function ensureDirWithin(root: string, rel: Buffer): Buffer;
export function ensureDirWithin(root: string, rel: string | Buffer): string | Buffer {
  let dir: string | Buffer = typeof rel === 'string' ? root : Buffer.from(root);
  for (const part of splitPath(rel)) {
    dir = typeof dir === 'string' ? join(dir, part as string) : Buffer.concat([dir, SLASH, part as Buffer]);
    let kind = lstatKind(dir);
    if (kind === 'missing') {
      try {
        mkdirSync(dir);
      } catch (err) {
        if (systemCode(err) !== 'EEXIST') throw new GitTrackError('BAD_INPUT', `cannot create directory ${dir}: ${systemCode(err) ?? String(err)}`, { path: String(dir) });
      }
      kind = lstatKind(dir);
    }
    if (kind === 'symlink') throw new GitTrackError('BAD_INPUT', `refusing to write through the symlink ${dir}`, { path: String(dir) });
    if (kind !== 'dir') throw new GitTrackError('BAD_INPUT', `cannot write under ${dir}: it exists and is not a directory`, { path: String(dir) });
  }
  return dir;
}

/**
 * True when some directory between `root` and `root/rel` (exclusive of the last component)
 * is a symlink or not a directory, without creating anything.
 *
 * @example
 * crossesLink('/tree', 'link/file'); // true when /tree/link is a symlink
 */
export function crossesLink(root: string, rel: string): boolean {
  const parts = rel.split('/').filter((p) => p !== '');
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const kind = lstatKind(dir);
    if (kind === 'missing') return false;
    if (kind !== 'dir') return true;
  }
  return false;
}

const SLASH = Buffer.from('/');

/** The non-empty `/`-separated components of `rel`, as text or as bytes. */
function splitPath(rel: string | Buffer): (string | Buffer)[] {
  if (typeof rel === 'string') return rel.split('/').filter((p) => p !== '');
  const parts: Buffer[] = [];
  for (let start = 0; start <= rel.length; ) {
    let end = rel.indexOf(0x2f, start);
    if (end < 0) end = rel.length;
    if (end > start) parts.push(rel.subarray(start, end));
    start = end + 1;
  }
  return parts;
}

/** What is at `path`, symlinks not followed. */
export function lstatKind(path: string | Buffer): 'missing' | 'dir' | 'file' | 'symlink' | 'other' {
  try {
    const st = lstatSync(path);
    return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch (err) {
    if (systemCode(err) === 'ENOENT' || systemCode(err) === 'ENOTDIR') return 'missing';
    throw err;
  }
}

/** `path` relative to `root` as `/`-separated text, when it lies inside it. */
export function relativeInside(root: string, path: string): string | null;
/** The same for a path held as bytes: the relative part keeps its bytes. */
export function relativeInside(root: string, path: Buffer): Buffer | null;
export function relativeInside(root: string, path: string | Buffer): string | Buffer | null {
  const base = root.endsWith(sep) ? root : root + sep;
  if (typeof path !== 'string') {
    const head = Buffer.from(base);
    return path.length > head.length && path.subarray(0, head.length).equals(head) ? path.subarray(head.length) : null;
  }
  if (!path.startsWith(base)) return null;
  return path.slice(base.length).split(sep).join('/');
}

/**
 * True when an output directory lies in a git directory: this repository's (wherever it is)
 * or any path with a `.git` component (another repository's, in any spelling git refuses).
 *
 * @example
 * insideGitDir('/work/repo/.git/hooks', '/work/repo/.git'); // true
 */
export function insideGitDir(dir: string, gitDir: string): boolean {
  return dir === gitDir || relativeInside(gitDir, dir) !== null || dir.split(/[/\\]/).some(isDotGit);
}
