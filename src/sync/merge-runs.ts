/**
 * Bringing a remote `runs` tip into the local branch: nothing, a fast-forward, or a union
 * merge commit (first parent: local tip, second: remote tip). Written through
 * {@link advanceRef}, so a run logged locally while the merge is built is never lost.
 */
import { GitTrackError } from '../errors.js';
import type { Identity } from '../git/identity.js';
import { advanceRef } from '../runs/runs-branch.js';
import { RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { isAncestor } from '../git/ancestry.js';
import { describePath, lostOrChanged, unionTrees } from './union-trees.js';

export type MergeOutcome = 'up-to-date' | 'fast-forward' | 'merged' | 'created';

/**
 * Merge the commit `theirs` into `ref` (default `runs`). Throws CONFLICT naming the runs or
 * files that differ between the sides, or HISTORY_REWRITTEN when a fast-forward would change
 * or drop something the local side has.
 *
 * @example
 * await mergeRuns(ctx, identity, remoteTip, 'origin'); // { outcome: 'merged', tip: '…' }
 */
export async function mergeRuns(
  ctx: TrackerContext,
  identity: Identity | (() => Promise<Identity>),
  theirs: string,
  label: string,
  ref: string = RUNS_REF,
): Promise<{ outcome: MergeOutcome; tip: string }> {
  let outcome: MergeOutcome = 'up-to-date';
  const tip = await advanceRef(
    ctx,
    identity,
    async (ours) => {
      if (ours === null) {
        outcome = 'created';
        return { oid: theirs, message: `fetch runs from ${label}` };
      }
      if (await isAncestor(ctx.repo, ctx.env, theirs, ours)) {
        outcome = 'up-to-date';
        return null;
      }
      const oursRoot = ctx.store.readCommit(ours).tree;
      const theirsRoot = ctx.store.readCommit(theirs).tree;
      if (await isAncestor(ctx.repo, ctx.env, ours, theirs)) {
        // Even a fast-forward must keep every run we have, unchanged: append-only.
        const lost = lostOrChanged(ctx.store, oursRoot, theirsRoot);
        if (lost.length) throw rewritten(lost, label, 'local');
        outcome = 'fast-forward';
        return { oid: theirs, message: `fast-forward runs to ${label}` };
      }
      const { tree, conflicts } = unionTrees(ctx.store, oursRoot, theirsRoot);
      if (conflicts.length) {
        throw new GitTrackError(
          'CONFLICT',
          `cannot merge runs from ${label}: ${conflicts.map(describePath).join(', ')} differ between local and remote ` +
            '(a run never changes once written; one side rewrote it)',
          { conflicts, remote: label },
        );
      }
      outcome = 'merged';
      return { commit: { tree, parents: [ours, theirs], message: `Merge runs from ${label}` } };
    },
    ref,
  );
  return { outcome, tip: tip! };
}

/**
 * HISTORY_REWRITTEN naming what disappeared or changed.
 *
 * @example
 * throw rewritten(['runs/3f/3f9a21c0b7d4'], 'origin', 'remote');
 */
export function rewritten(paths: string[], label: string, side: 'local' | 'remote'): GitTrackError {
  const what = paths.map(describePath).join(', ');
  const had = side === 'local' ? 'the local branch has' : `was seen on ${label} before`;
  return new GitTrackError(
    'HISTORY_REWRITTEN',
    `${label} rewrote the runs history: ${what} ${paths.length === 1 ? 'is' : 'are'} missing or changed there but ${had} ` +
      '(runs are append-only; nothing was merged)',
    { paths, remote: label },
  );
}
