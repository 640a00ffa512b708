/**
 * `pull`: fetch the remote's `runs` (into refs/remotes/<remote>/runs), its artifact ref and the
 * runs writers queued there (incoming.ts), then merge all of it into the local refs: a
 * fast-forward or one union merge commit. Queued writers are also folded into the remote's
 * `runs` (only what the remote already holds is pushed, never local runs), so the next
 * `git clone` finds them there. Artifact bytes are not copied into the cache here; `get`
 * brings them on demand.
 */
import { isGitTrackError } from '../errors.js';
import { resolveIdentity, type Identity } from '../git/identity.js';
import { readRef } from '../git/refs.js';
import { RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { mergeRuns, type MergeOutcome } from './merge-runs.js';
import { ARTIFACTS_REF, resolveRemote, type Remote } from './remote.js';
import { checkRemoteHistory, markSeen, setTrackingRef } from './sync-state.js';
import { beginPush, fetchRemote, type PushUpdate, type RemoteTips } from './transport.js';
import { addedRuns } from './added-runs.js';
import { foldForRemote } from './fold.js';
import { STALE_INCOMING_REFS_KEPT } from '../limits.js';

export interface PullResult {
  remote: string;
  /** 'no-remote-runs' when the remote has no `runs` branch. */
  outcome: MergeOutcome | 'no-remote-runs';
  /** Runs that are new locally. */
  runsReceived: number;
  tip: string | null;
  /** Writers queued on the remote whose runs were folded into its `runs` by this pull. */
  writersFolded: number;
}

/**
 * Pull runs from a remote (default: the upstream of `runs` or of the current branch, else
 * `origin`, else the only remote).
 *
 * @example
 * await pullRuns(ctx, { remote: 'origin' }); // { outcome: 'merged', runsReceived: 4, … }
 */
export async function pullRuns(ctx: TrackerContext, options: { remote?: string; cwd?: string } = {}): Promise<PullResult> {
  const remote = resolveRemote(ctx.repo, options.remote, options.cwd ?? ctx.repo.workTree ?? ctx.repo.gitDir);
  // The identity (a `git var`) is looked up beside the fetch: pulling new runs writes a reflog entry.
  const identityP = resolveIdentity(ctx.repo, ctx.env);
  identityP.catch(() => {});
  const tips = await fetchRemote(ctx, remote);
  const identity = () => identityP;
  await checkRemoteHistory(ctx, remote, tips.runs);
  let writersFolded = 0;
  let theirs = { runs: tips.runs, artifacts: tips.artifacts };
  /** The remote's `runs` now: the fold once it was published there. */
  let remoteRuns = tips.runs;
  if (tips.incoming.length > 0) {
    const fold = await foldQueued(ctx, remote, tips, identity);
    theirs = { runs: fold.runs, artifacts: fold.artifacts };
    if (fold.published) {
      writersFolded = fold.writers;
      remoteRuns = fold.runs;
    }
  }
  const before = readRef(ctx.repo.commonDir, RUNS_REF);
  if (!theirs.runs) return { remote: remote.label, outcome: 'no-remote-runs', runsReceived: 0, tip: before, writersFolded };
  // New here are the remote's runs that `before` lacks (a union adds nothing else): git counts
  // them while the refs move.
  const receivedP = addedRuns(ctx, theirs.runs, before);
  receivedP.catch(() => {});
  const merged = await mergeRuns(ctx, identity, theirs.runs, remote.label);
  if (theirs.artifacts) await mergeRuns(ctx, identity, theirs.artifacts, remote.label, ARTIFACTS_REF);
  if (remoteRuns) markSeen(ctx, remote, remoteRuns);
  const received = merged.outcome === 'up-to-date' ? 0 : (await receivedP).length;
  return { remote: remote.label, outcome: merged.outcome, runsReceived: received, tip: merged.tip, writersFolded };
}

/**
 * Fold the writers queued on the remote (`tips.incoming`) into its `runs` and push that fold
 * there; returns the folded tips (to merge locally whether or not the remote took them).
 *
 * @example
 * const tips = await fetchRemote(ctx, remote);
 * await foldQueued(ctx, remote, tips, identity); // { runs: '…', artifacts: null, writers: 3, published: true }
 */
export async function foldQueued(
  ctx: TrackerContext,
  remote: Remote,
  tips: RemoteTips,
  identity: () => Promise<Identity>,
): Promise<{ runs: string | null; artifacts: string | null; writers: number; published: boolean }> {
  const fold = await foldForRemote(ctx, identity, tips, remote.label);
  const published = await publishFold(ctx, remote, tips, fold);
  return { runs: fold.runs, artifacts: fold.artifacts, writers: fold.writers, published };
}

/**
 * Push the fold to the remote: `runs` (never forced) and the folded refs' leased deletions,
 * all or nothing. Another writer or puller moving first only means this fold is not the one
 * the remote keeps; a remote we may not write to (read-only credentials) gets a warning. The
 * pull itself succeeds either way: the runs are merged here all the same.
 */
async function publishFold(
  ctx: TrackerContext,
  remote: Remote,
  tips: RemoteTips,
  fold: { runs: string | null; artifacts: string | null; deletes: PushUpdate[] },
): Promise<boolean> {
  const updates: PushUpdate[] = [];
  if (fold.artifacts && fold.artifacts !== tips.artifacts) updates.push({ ref: ARTIFACTS_REF, oid: fold.artifacts });
  if (fold.runs && fold.runs !== tips.runs) updates.push({ ref: RUNS_REF, oid: fold.runs });
  // Without a ref to move, every folded ref holds only runs the remote's `runs` has (left by a
  // writer whose push landed there): not worth a write, or a warning on a read-only remote, until there are many.
  if (updates.length === 0 && fold.deletes.length < STALE_INCOMING_REFS_KEPT) return false;
  try {
    const outcome = await beginPush(ctx, remote, []).finish([...updates, ...fold.deletes]);
    if (outcome === 'rejected') return false;
  } catch (err) {
    if (!isGitTrackError(err, 'GIT_FAILED')) throw err;
    ctx.env.warn(`could not fold the runs queued on ${remote.label} into its runs branch (${err.message}); they stay queued there, nothing is lost`);
    return false;
  } finally {
    ctx.store.release();
  }
  for (const u of updates) await setTrackingRef(ctx, u.ref === RUNS_REF ? remote.runsTracking : remote.artifactsTracking, u.oid);
  return true;
}
