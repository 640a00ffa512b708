/**
 * `core.sharedRepository` for git-track's own state (`.git/git-track/`: query index, caches,
 * staging directories, artifact objects): what we create there gets the modes git gives its
 * own files, so that another member of the group can use the repository after us.
 *
 * The setting is noted once per state directory when the repository is opened, so that the
 * many places writing there need only the path; with no shared setting (the common case) every
 * call returns at once.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { adjustSharedPerm } from './shared-perm.js';

/** State directory → its repository's {@link sharedPerm}; only non-zero settings are held. */
const perms = new Map<string, number>();

/**
 * Remember the `core.sharedRepository` setting (as {@link sharedPerm} encodes it) of the
 * repository whose state lives in `stateDir`.
 *
 * @example
 * noteStatePerm(repo.stateDir, sharedPerm(repo.config));
 */
export function noteStatePerm(stateDir: string, perm: number): void {
  if (perm === 0) perms.delete(stateDir);
  else perms.set(stateDir, perm);
}

/**
 * Give `path` (a file or directory just created under a state directory) and each directory
 * between it and the state directory (included) the mode git would. Paths outside every
 * state directory are left alone.
 *
 * @example
 * mkdirSync(dir, { recursive: true }); shareState(dir);
 */
export function shareState(path: string): void {
  if (perms.size === 0) return;
  for (const [stateDir, perm] of perms) {
    if (path !== stateDir && !path.startsWith(stateDir + sep)) continue;
    for (let p = path; ; p = dirname(p)) {
      adjust(p, perm, p !== path);
      if (p === stateDir || dirname(p) === p) return;
    }
  }
}

/**
 * {@link shareState} for a directory and everything under it (a staging directory moved into
 * place, a tree copied in).
 *
 * @example
 * renameSync(dir, target); shareStateTree(target);
 */
export function shareStateTree(path: string): void {
  if (perms.size === 0) return;
  shareState(path);
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = join(dir, e.name);
      shareState(child);
      if (e.isDirectory()) walk(child);
    }
  };
  walk(path);
}

/**
 * `mkdir -p` of a directory under a state directory, with shared modes.
 *
 * @example
 * mkdirState(join(repo.stateDir, 'tmp'));
 */
export function mkdirState(path: string): void {
  mkdirSync(path, { recursive: true });
  shareState(path);
}

function adjust(path: string, perm: number, ancestor: boolean): void {
  try {
    adjustSharedPerm(path, perm);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Gone already (a temp file another process removed), or a directory another member of
    // the group created and owns: git leaves those as they are too.
    if (code === 'ENOENT' || (ancestor && code === 'EPERM')) return;
    throw err;
  }
}
