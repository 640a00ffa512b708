/**
 * Ancestry between commits, answered by git: its commit-graph walk is far faster than ours
 * over the code history that run commits link to.
 */
import { GitTrackError } from '../errors.js';
import type { Env } from '../env.js';
import type { Repo } from './repo.js';
import { firstLine, runGit } from './system-git.js';

/**
 * Whether `ancestor` is reachable from `descendant`. One `git merge-base` answers the question
 * both ways, and the answers are kept: ancestry between two commits never changes, and a pull
 * asks about the same pair up to three times (history check, up to date, fast-forward).
 *
 * @example
 * await isAncestor(repo, env, remoteTip, localTip); // true: nothing to merge
 */
export async function isAncestor(repo: Repo, env: Env, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  const known = answers.get(`${ancestor} ${descendant}`);
  if (known !== undefined) return known;
  const r = await runGit(['merge-base', ancestor, descendant], { cwd: repo.workTree ?? repo.gitDir, env, allowFailure: true });
  // Exit 1 without output: the two share no history at all.
  if (r.code !== 0 && !(r.code === 1 && r.stdout.trim() === '')) {
    throw new GitTrackError('GIT_FAILED', `git merge-base: ${firstLine(r.stderr) || `exited with ${r.code}`}`, { ancestor, descendant });
  }
  const base = r.stdout.trim();
  if (answers.size >= MAX_ANSWERS) answers.clear();
  answers.set(`${ancestor} ${descendant}`, base === ancestor);
  answers.set(`${descendant} ${ancestor}`, base === descendant);
  return base === ancestor;
}

const MAX_ANSWERS = 10_000;
const answers = new Map<string, boolean>();
