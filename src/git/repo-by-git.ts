/**
 * Asking git where the repository is, in one `git rev-parse`: used whenever the environment
 * or the layout could make git decide differently from a plain walk up to `.git` (GIT_DIR,
 * GIT_WORK_TREE, GIT_COMMON_DIR, GIT_OBJECT_DIRECTORY, ceilings, a bare repository, a
 * repository owned by another user and `safe.directory`, `core.worktree`, …). git's answer,
 * or git's refusal, is the answer.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { GitTrackError, systemCode } from '../errors.js';

/** Where git says the repository's parts are (absolute paths). */
export interface GitLocation {
  gitDir: string;
  commonDir: string;
  objectsDir: string;
  workTree: string | null;
  objectFormat: string;
}

/** The arguments, in output order; `--show-toplevel` last since it fails in a bare repository. */
const ARGS = ['rev-parse', '--absolute-git-dir', '--git-common-dir', '--git-path', 'objects', '--show-object-format', '--show-toplevel'];

/**
 * Run `git rev-parse` in `start` with the caller's environment and parse its answer. Throws
 * `UNSAFE_REPO` for a repository git refuses for its owner, `UNSUPPORTED_REPO` for one whose
 * format git refuses, `NOT_A_GIT_REPO` otherwise, each with git's own reason.
 *
 * @example
 * askGitForRepo('/home/ada/churn', process.env, 'git').commonDir; // '/home/ada/churn/.git'
 */
export function askGitForRepo(start: string, vars: Record<string, string | undefined>, gitBinary: string): GitLocation {
  const r = spawnSync(gitBinary, ARGS, { cwd: start, env: vars as NodeJS.ProcessEnv, encoding: 'utf8' });
  if (r.error) {
    if (systemCode(r.error) === 'ENOENT') throw new GitTrackError('GIT_MISSING', `git is not installed or not on PATH (looked for '${gitBinary}')`);
    throw new GitTrackError('GIT_FAILED', `git rev-parse: ${r.error.message}`);
  }
  const lines = r.stdout.split('\n');
  const noWorkTree = r.status !== 0 && lines.length >= 5 && /must be run in a work tree/.test(r.stderr);
  if (r.status !== 0 && !noWorkTree) throw refusal(start, r.stderr);
  const [gitDir, commonDir, objectsDir, objectFormat, top] = lines;
  return {
    gitDir: resolve(start, gitDir!),
    commonDir: resolve(start, commonDir!),
    objectsDir: resolve(start, objectsDir!),
    objectFormat: objectFormat!,
    workTree: noWorkTree || !top ? null : resolve(start, top),
  };
}

function refusal(start: string, stderr: string): GitTrackError {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const first = (lines[0] ?? `git rev-parse failed in ${start}`).replace(/^(fatal|error):\s*/, '');
  if (/dubious ownership/.test(first)) {
    const hint = lines.find((l) => l.startsWith('git config --global --add safe.directory'));
    return new GitTrackError('UNSAFE_REPO', `${first}: it is owned by someone else, and git refuses it${hint ? ` (to trust it: ${hint})` : ''}`, {
      dir: start,
    });
  }
  if (/extension|repository format|repo version/i.test(first)) {
    const detail = lines.slice(1).join(', ');
    return new GitTrackError('UNSUPPORTED_REPO', `${first}${detail ? ` ${detail}` : ''}; nothing was read or written`, { dir: start });
  }
  return new GitTrackError('NOT_A_GIT_REPO', first, { dir: start });
}
