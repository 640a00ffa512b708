/**
 * Locating a repository: the work tree, the per-worktree git dir, and the common dir that
 * holds objects and refs. isomorphic-git does not follow a linked worktree's `commondir`,
 * so every path below is resolved here and passed explicitly.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { GitTrackError } from '../errors.js';

export interface Repo {
  /** Top of the working tree, or null for a bare repository. */
  workTree: string | null;
  /** The git dir of this worktree (holds HEAD and the index). */
  gitDir: string;
  /** The shared git dir (objects, refs, config); equals gitDir outside linked worktrees. */
  commonDir: string;
  /** git-track's local state: `<commonDir>/git-track`. */
  stateDir: string;
}

/**
 * Find the repository containing `start` (walking up like git does).
 *
 * @example
 * const repo = findRepo(process.cwd());
 * repo.commonDir; // '/home/ada/churn/.git'
 */
export function findRepo(start: string): Repo {
  let dir = resolve(start);
  for (;;) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      const gitDir = statSync(dotGit).isDirectory() ? dotGit : readGitFile(dotGit);
      return makeRepo(dir, gitDir);
    }
    if (isBareGitDir(dir)) return makeRepo(null, dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new GitTrackError('NOT_A_GIT_REPO', `not a git repository (or any parent up to /): ${resolve(start)}`, {
    dir: resolve(start),
  });
}

function readGitFile(path: string): string {
  const text = readFileSync(path, 'utf8');
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(text);
  if (!match?.[1]) throw new GitTrackError('NOT_A_GIT_REPO', `${path} is not a valid gitdir file`, { path });
  return isAbsolute(match[1]) ? match[1] : resolve(dirname(path), match[1]);
}

function isBareGitDir(dir: string): boolean {
  return existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')) && existsSync(join(dir, 'refs'));
}

function makeRepo(workTree: string | null, gitDir: string): Repo {
  let commonDir = gitDir;
  const commonFile = join(gitDir, 'commondir');
  if (existsSync(commonFile)) {
    const rel = readFileSync(commonFile, 'utf8').trim();
    commonDir = isAbsolute(rel) ? rel : resolve(gitDir, rel);
  }
  return { workTree, gitDir, commonDir, stateDir: join(commonDir, 'git-track') };
}
