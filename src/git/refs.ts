/**
 * Reading and compare-and-swap updating of refs, compatible with canonical git.
 *
 * isomorphic-git's `writeRef` takes only an in-process lock (no `.lock` file, no check of the
 * old value): 8 processes × 10 appends kept 12 of 80 runs. This module follows git's own
 * protocol instead — create `<ref>.lock` with O_EXCL, check the tip under the lock, write,
 * fsync, rename — so concurrent git-track processes and canonical git exclude each other.
 */
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GitTrackError, systemCode } from '../errors.js';
import { ANY_OID, ANY_OID_SOURCE, formatOfOid } from './object-format.js';

/** A packed-refs line `<id> <name>` (the id of whichever hash the repository uses). */
const PACKED_LINE = new RegExp(`^(${ANY_OID_SOURCE}) (refs/.+)$`);
/** Our writers hold a ref lock for milliseconds; one this old was left by a killed process. */
const STALE_LOCK_MS = 30_000;

/**
 * The object id a ref points at, or null if it does not exist. Symbolic refs are followed;
 * refs that live only in `packed-refs` (after `git pack-refs`/`git gc`) are found too.
 *
 * @example
 * readRef(repo.commonDir, 'refs/heads/runs'); // '9fceb02…' or null
 */
export function readRef(gitDir: string, name: string): string | null {
  for (let depth = 0; depth < 5; depth++) {
    const loose = readLoose(gitDir, name);
    if (loose === undefined) return readPacked(gitDir, name);
    if (!loose.startsWith('ref: ')) return loose;
    name = loose.slice(5).trim();
  }
  throw new GitTrackError('CORRUPT_OBJECT', `symbolic ref loop at ${name}`, { name });
}

/**
 * The distinct object ids of every ref under `refs/` (loose and packed; symbolic refs skipped):
 * what a repository tells a pushing or fetching peer it has.
 *
 * @example
 * listRefTips(remoteGitDir); // ['9fceb02…', '3f9a21c…']
 */
export function listRefTips(gitDir: string): string[] {
  const tips = new Set<string>();
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.endsWith('.lock')) continue;
      const path = join(dir, name);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if (systemCode(err) === 'EISDIR') walk(path);
        continue;
      }
      const oid = text.trim();
      if (ANY_OID.test(oid)) tips.add(oid);
    }
  };
  walk(join(gitDir, 'refs'));
  try {
    for (const line of readFileSync(join(gitDir, 'packed-refs'), 'utf8').split('\n')) {
      const packed = PACKED_LINE.exec(line);
      if (packed) tips.add(packed[1]!);
    }
  } catch (err) {
    if (systemCode(err) !== 'ENOENT') throw err;
  }
  return [...tips];
}

/** The branch HEAD points at (e.g. 'refs/heads/main'), or null when detached. */
export function readSymbolicHead(gitDir: string): string | null {
  const head = readLoose(gitDir, 'HEAD');
  return head?.startsWith('ref: ') ? head.slice(5).trim() : null;
}

function readLoose(gitDir: string, name: string): string | undefined {
  try {
    return readFileSync(join(gitDir, name), 'utf8').trim();
  } catch (err) {
    const code = systemCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
}

function readPacked(gitDir: string, name: string): string | null {
  let text: string;
  try {
    text = readFileSync(join(gitDir, 'packed-refs'), 'utf8');
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return null;
    throw err;
  }
  const suffix = ` ${name}`;
  for (const line of text.split('\n')) {
    if (!line.endsWith(suffix)) continue;
    const packed = PACKED_LINE.exec(line);
    if (packed?.[2] === name) return packed[1]!;
  }
  return null;
}

export interface RefUpdate {
  /** Full ref name, e.g. 'refs/heads/runs'. */
  name: string;
  /** The new object id. */
  oid: string;
  /** The value the update was built on; null when the ref must not exist yet. */
  expected: string | null;
  /** Reflog identity line (`Name <email> 1717000000 +0000`) and message. */
  reflog?: { ident: string; message: string };
  /**
   * Whether a missing reflog is created (git's `core.logAllRefUpdates` rule, see
   * {@link shouldCreateReflog}); an existing one is always appended to, as git does.
   * Default true.
   */
  createReflog?: boolean;
}

/**
 * Move a ref from `expected` to `oid` atomically, or fail without changing anything.
 * Throws `REF_MOVED` when another writer got there first (rebuild and retry), and
 * `LOCK_TIMEOUT` when the lock is held (someone is writing right now).
 *
 * @example
 * updateRef(repo.commonDir, { name: 'refs/heads/runs', oid: newTip, expected: oldTip });
 */
export function updateRef(gitDir: string, update: RefUpdate): void {
  if (!formatOfOid(update.oid)) throw new GitTrackError('BAD_INPUT', `'${update.oid}' is not an object id`, { oid: update.oid });
  const path = join(gitDir, update.name);
  const lockPath = `${path}.lock`;
  // A loose ref that is a plain file cannot be in a name conflict; anything else is checked.
  if (!isFile(path)) checkNameConflict(gitDir, update.name);
  mkdirSync(dirname(path), { recursive: true });
  const fd = acquireLock(lockPath);
  let committed = false;
  try {
    const current = readRef(gitDir, update.name);
    if (current !== update.expected) {
      throw new GitTrackError('REF_MOVED', `${update.name} moved to ${current ?? 'nothing'} (expected ${update.expected ?? 'nothing'})`, {
        name: update.name,
        current,
        expected: update.expected,
      });
    }
    writeSync(fd, `${update.oid}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(lockPath, path);
    committed = true;
    if (update.reflog) appendReflog(gitDir, update, current);
  } finally {
    if (!committed) {
      try {
        closeSync(fd);
      } catch {
        // already closed after a failed rename
      }
      removeQuietly(lockPath);
    }
  }
}

/**
 * Create the lock file exclusively. A lock left by a killed process is recognised by its age
 * (our writers hold it for milliseconds) and removed; a fresh one is reported as busy.
 */
function acquireLock(lockPath: string): number {
  try {
    return openSync(lockPath, 'wx');
  } catch (err) {
    if (systemCode(err) !== 'EEXIST') throw err;
  }
  if (isStale(lockPath)) {
    removeQuietly(lockPath);
    try {
      return openSync(lockPath, 'wx');
    } catch (err) {
      if (systemCode(err) !== 'EEXIST') throw err;
    }
  }
  throw new GitTrackError('LOCK_TIMEOUT', `${lockPath} exists: another process is updating the ref`, { lockPath });
}

function isStale(lockPath: string): boolean {
  try {
    return Date.now() - statSync(lockPath).mtimeMs > STALE_LOCK_MS;
  } catch {
    return false;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

function appendReflog(gitDir: string, update: RefUpdate, old: string | null): void {
  const { ident, message } = update.reflog!;
  const logPath = join(gitDir, 'logs', update.name);
  try {
    if (update.createReflog === false && !existsSync(logPath)) return;
    mkdirSync(dirname(logPath), { recursive: true });
    // A created ref's old value is the zero id of the repository's hash, as long as the new one.
    const zero = formatOfOid(update.oid)!.zero;
    appendFileSync(logPath, `${old ?? zero} ${update.oid} ${ident}\t${reflogMessage(message)}\n`);
  } catch {
    // The reflog is a convenience for users; the ref itself is already updated.
  }
}

/** git's `copy_reflog_msg`: runs of git's whitespace (space, tab, CR, LF) become one space, none at either end. */
function reflogMessage(message: string): string {
  return message.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');
}

/**
 * Whether git would create a missing reflog for `name` (`core.logAllRefUpdates`): unset
 * means true outside bare repositories; true logs branches, remote-tracking refs, notes and
 * HEAD; always logs every ref.
 *
 * @example
 * shouldCreateReflog('refs/heads/runs', undefined, false); // true
 */
export function shouldCreateReflog(name: string, setting: string | undefined, bare: boolean): boolean {
  const value = setting?.toLowerCase();
  if (value === 'always') return true;
  const on = value === undefined ? !bare : /^(true|yes|on|1)$/.test(value);
  return on && (/^refs\/(heads|remotes|notes)\//.test(name) || name === 'HEAD');
}

/**
 * Refuse to create `name` where git could not have it: a ref below it (`refs/heads/runs/foo`
 * when creating `refs/heads/runs`, loose or packed) or a ref at one of its prefixes. Empty
 * directories in the way are removed, as git does.
 */
function checkNameConflict(gitDir: string, name: string): void {
  const path = join(gitDir, name);
  if (lstatOrNull(path)?.isDirectory()) {
    const inside = firstFile(path);
    if (inside !== undefined) conflict(name, `${name}/${inside}`);
    try {
      removeEmptyDirs(path);
    } catch (err) {
      // Another process created a ref in there meanwhile (or removed the dirs itself).
      if (systemCode(err) !== 'ENOENT') {
        const late = lstatOrNull(path)?.isDirectory() ? firstFile(path) : undefined;
        if (late !== undefined) conflict(name, `${name}/${late}`);
        throw err;
      }
    }
  }
  const parts = name.split('/');
  for (let i = 2; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    const st = lstatOrNull(join(gitDir, prefix));
    if (st && !st.isDirectory()) conflict(name, prefix);
  }
  let packed = '';
  try {
    packed = readFileSync(join(gitDir, 'packed-refs'), 'utf8');
  } catch (err) {
    if (systemCode(err) !== 'ENOENT') throw err;
  }
  for (const line of packed.split('\n')) {
    const ref = PACKED_LINE.exec(line)?.[2];
    if (ref && (ref.startsWith(`${name}/`) || name.startsWith(`${ref}/`))) conflict(name, ref);
  }
}

function conflict(name: string, existing: string): never {
  throw new GitTrackError(
    'CONFLICT',
    `cannot create '${name}': '${existing}' exists, and git cannot have both (rename or delete '${existing}' first)`,
    { name, existing },
  );
}

/** A file anywhere below `dir` (relative path), or undefined when there is none. */
function firstFile(dir: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) return entry.name;
    const below = firstFile(join(dir, entry.name));
    if (below !== undefined) return `${entry.name}/${below}`;
  }
  return undefined;
}

function removeEmptyDirs(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) removeEmptyDirs(join(dir, entry.name));
  rmdirSync(dir);
}

function isFile(path: string): boolean {
  return lstatOrNull(path)?.isFile() ?? false;
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
