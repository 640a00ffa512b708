/**
 * Parents of run commits that the repository does not have. A run commit names its code
 * commit as a second parent; if that object is missing, `git log runs` fails and so does every
 * push (the remote refuses a pack that does not connect), while reading runs still works.
 */
import { isGitTrackError } from '../errors.js';
import { runGit } from '../git/system-git.js';
import type { TrackerContext } from '../tracker-context.js';

export interface MissingParent {
  commit: string;
  parent: string;
}

/**
 * Every parent beyond the first of the commits on the first-parent chain of `tip` that is
 * not in the object store.
 *
 * @example
 * (await missingParents(ctx, tip)).length; // 0 for an intact branch
 */
export async function missingParents(ctx: TrackerContext, tip: string): Promise<MissingParent[]> {
  const { store } = ctx;
  const out: MissingParent[] = [];
  for (const [commit, ...parents] of await chainWithParents(ctx, tip)) {
    // The first parent is the chain itself: a missing one already fails the walk.
    for (const parent of parents.slice(1)) if (!store.has(parent)) out.push({ commit: commit!, parent });
  }
  return out;
}

/** `commit parent…` per commit of the first-parent chain: git when present (fast), else a walk. */
async function chainWithParents(ctx: TrackerContext, tip: string): Promise<string[][]> {
  try {
    const { stdout } = await runGit(['rev-list', '--first-parent', '--parents', tip], { cwd: ctx.repo.gitDir, env: ctx.env });
    return stdout.split('\n').filter(Boolean).map((line) => line.split(' '));
  } catch (err) {
    if (!isGitTrackError(err, 'GIT_MISSING')) throw err;
  }
  const out: string[][] = [];
  for (let oid: string | undefined = tip; oid; ) {
    const { parents } = ctx.store.readCommit(oid);
    out.push([oid, ...parents]);
    oid = parents[0];
  }
  return out;
}
