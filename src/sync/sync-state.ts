/**
 * What push and pull share: the history-rewrite check against the remote tip we last synced
 * with, and recording that tip once a sync succeeded.
 */
import { isGitTrackError } from '../errors.js';
import { readRef } from '../git/refs.js';
import { moveRef } from '../git/ref-update.js';
import type { TrackerContext } from '../tracker-context.js';
import { GitTrackError } from '../errors.js';
import { rewritten } from './merge-runs.js';
import type { Remote } from './remote.js';
import { isAncestor } from '../git/ancestry.js';
import { runGit } from '../git/system-git.js';
import { lostOrChanged } from './union-trees.js';

/**
 * Refuse (HISTORY_REWRITTEN) when the remote's `runs` no longer holds, unchanged, every run it
 * held when we last pushed to or pulled from it.
 *
 * @example
 * await checkRemoteHistory(ctx, remote, tips.runs);
 */
export async function checkRemoteHistory(ctx: TrackerContext, remote: Remote, remoteTip: string | null): Promise<void> {
  const seen = readRef(ctx.repo.commonDir, remote.seen);
  if (!seen || seen === remoteTip) return;
  if (remoteTip === null) {
    throw new GitTrackError(
      'HISTORY_REWRITTEN',
      `${remote.label} no longer has a runs branch, though it had ${seen.slice(0, 12)} when we last synced (runs are append-only; nothing was pushed). ` +
        `If the remote was reset on purpose: git update-ref -d ${remote.seen}`,
      { remote: remote.label, seen },
    );
  }
  if (await isAncestor(ctx.repo, ctx.env, seen, remoteTip)) return;
  const lost = lostOrChanged(ctx.store, ctx.store.readCommit(seen).tree, ctx.store.readCommit(remoteTip).tree);
  if (lost.length) {
    const err = rewritten(lost, remote.label, 'remote');
    err.message += `. If that was on purpose: git update-ref -d ${remote.seen}`;
    throw err;
  }
}

/**
 * Remember the remote tip we are now in sync with.
 *
 * @example
 * markSeen(ctx, remote, pushedTip);
 */
export function markSeen(ctx: TrackerContext, remote: Remote, tip: string): void {
  for (let i = 0; i < 5; i++) {
    const current = readRef(ctx.repo.commonDir, remote.seen);
    if (current === tip) return;
    try {
      moveRef(ctx.repo, ctx.env, { name: remote.seen, oid: tip, expected: current });
      return;
    } catch (err) {
      if (!isGitTrackError(err, 'REF_MOVED') && !isGitTrackError(err, 'LOCK_TIMEOUT')) throw err;
    }
  }
}

/**
 * Point a remote-tracking ref at `oid`, forced as a fetch does, or remove it when the remote
 * has no such ref. Retried while another process is moving it.
 *
 * @example
 * await setTrackingRef(ctx, remote.runsTracking, tips.runs);
 */
export async function setTrackingRef(ctx: TrackerContext, ref: string, oid: string | null): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = readRef(ctx.repo.commonDir, ref);
    if (current === oid) return;
    try {
      // Deleting may mean rewriting packed-refs: git's job.
      if (oid === null) await runGit(['update-ref', '-d', ref, current!], { cwd: ctx.repo.gitDir, env: ctx.env });
      else moveRef(ctx.repo, ctx.env, { name: ref, oid, expected: current });
      return;
    } catch (err) {
      if (attempt >= 3 || !(isGitTrackError(err, 'REF_MOVED') || isGitTrackError(err, 'LOCK_TIMEOUT') || isGitTrackError(err, 'GIT_FAILED'))) throw err;
    }
  }
}
