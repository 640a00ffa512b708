/**
 * The code version of a run: HEAD, branch, remote, and — when the working tree has tracked
 * changes — a snapshot commit holding them exactly, plus a readable patch.
 *
 * The snapshot is built through a private index file (a copy of the user's), so the user's
 * index, HEAD and working tree are never touched; the snapshot commit's parent is HEAD, which
 * keeps the exact code of every run reachable from `runs` even after the branch is rebased.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../env.js';
import type { Repo } from './repo.js';
import { readRef, readSymbolicHead } from './refs.js';
import { runGit } from './system-git.js';
import { readGitConfig } from './config.js';
import { resolveSigning, type Identity } from './identity.js';

/** git's empty tree, the base of the patch when the repository has no commits. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export interface CodeVersion {
  commit: string | null;
  branch: string | null;
  dirty: boolean;
  snapshot?: string;
  remote?: string;
}

export interface CapturedCode {
  code: CodeVersion;
  /** `git diff --binary` of the tracked changes, when dirty. */
  patch?: string;
}

/**
 * HEAD's commit and branch. HEAD is per worktree; the branch it names lives in the common dir.
 *
 * @example
 * resolveHead(repo); // { commit: '9fceb02…', branch: 'main' }
 */
export function resolveHead(repo: Repo): { commit: string | null; branch: string | null } {
  const symbolic = readSymbolicHead(repo.gitDir);
  if (symbolic === null) return { commit: readRef(repo.gitDir, 'HEAD'), branch: null };
  const commit = readRef(repo.commonDir, symbolic) ?? readRef(repo.gitDir, symbolic);
  return { commit, branch: symbolic.replace(/^refs\/heads\//, '') };
}

/**
 * Capture the code version of the working tree `repo.workTree`.
 *
 * @example
 * const { code, patch } = await captureCodeVersion(repo, env, identity);
 * code.dirty && code.snapshot; // commit holding the uncommitted tracked changes
 */
export async function captureCodeVersion(
  repo: Repo,
  env: Env,
  identity: Identity | Promise<Identity>,
  options: { snapshot?: boolean } = {},
): Promise<CapturedCode> {
  const head = resolveHead(repo);
  const remote = readRemoteUrl(repo, head.branch);
  const code: CodeVersion = { commit: head.commit, branch: head.branch, dirty: false, ...(remote ? { remote } : {}) };
  if (repo.workTree === null) return { code };
  const status = await runGit(['--no-optional-locks', 'status', '--porcelain', '-z', '--untracked-files=no'], {
    cwd: repo.workTree,
    env,
  });
  if (status.stdout.length === 0) return { code };
  code.dirty = true;
  if (options.snapshot === false) return { code };
  const tree = await writeWorkTreeSnapshot(repo, env);
  // Only a snapshot commit needs the identity: callers may still be looking it up.
  const who = await identity;
  const parents = head.commit ? ['-p', head.commit] : [];
  // `git commit-tree` ignores commit.gpgSign: ask for the signature git would make.
  const sign = (await resolveSigning(repo, env)) ? ['-S'] : [];
  const when = `${Math.floor(env.now().getTime() / 1000)} +0000`;
  const commit = await runGit(['commit-tree', ...sign, tree, ...parents, '-m', `git-track snapshot of uncommitted changes${head.branch ? ` on ${head.branch}` : ''}`], {
    cwd: repo.workTree,
    env,
    vars: {
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_DATE: when,
    },
  });
  code.snapshot = commit.stdout.trim();
  const patch = await runGit(['diff', '--binary', '--no-color', '--no-ext-diff', head.commit ?? EMPTY_TREE, tree], {
    cwd: repo.workTree,
    env,
  });
  return { code, patch: patch.stdout };
}

/** Tree of every tracked file as it is in the working tree, written via a private index. */
async function writeWorkTreeSnapshot(repo: Repo, env: Env): Promise<string> {
  const tmpDir = join(repo.stateDir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const indexFile = join(tmpDir, `index-${process.pid}-${env.random(4).toString('hex')}`);
  const userIndex = join(repo.gitDir, 'index');
  if (existsSync(userIndex)) {
    copyFileSync(userIndex, indexFile);
    // Keep the index's mtime: git trusts the stat data of entries not newer than the index, so
    // a fresh mtime would hide a same-size edit made in the same second as the last commit.
    const { atime, mtime } = statSync(userIndex);
    utimesSync(indexFile, atime, mtime);
  }
  try {
    const vars = { GIT_INDEX_FILE: indexFile };
    const cwd = repo.workTree!;
    await runGit(['add', '-u', '--', ':/'], { cwd, env, vars });
    return (await runGit(['write-tree'], { cwd, env, vars })).stdout.trim();
  } finally {
    rmSync(indexFile, { force: true });
  }
}

/** URL of the branch's upstream remote, else origin's, with any credentials removed. */
function readRemoteUrl(repo: Repo, branch: string | null): string | undefined {
  const config = readGitConfig(repo.commonDir);
  const remoteName = (branch && config.get(`branch.${branch}.remote`)) || 'origin';
  const url = config.get(`remote.${remoteName}.url`);
  return url ? stripCredentials(url) : undefined;
}

/**
 * Remove a password or token from a remote URL: they must never reach a manifest.
 *
 * @example
 * stripCredentials('https://ada:tok@github.com/x/y.git'); // 'https://github.com/x/y.git'
 */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, (_, scheme: string) => (scheme.startsWith('http') ? scheme : `${scheme}${userOnly(url)}`));
}

function userOnly(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/@:]*)(?::[^/@]*)?@/i.exec(url);
  return match?.[1] ? `${match[1]}@` : '';
}
