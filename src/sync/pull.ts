/**
 * `pull`: fetch the remote's `runs` (into refs/remotes/<remote>/runs) and its artifact ref,
 * then merge both into the local ones: a fast-forward or a union merge commit. Artifact bytes
 * are not copied into the cache here; `get` brings them on demand.
 */
import { resolveIdentity } from '../git/identity.js';
import { readRef } from '../git/refs.js';
import { RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { mergeRuns, type MergeOutcome } from './merge-runs.js';
import { ARTIFACTS_REF, resolveRemote } from './remote.js';
import { checkRemoteHistory, markSeen } from './sync-state.js';
import { fetchRemote } from './transport.js';
import { addedRuns } from './added-runs.js';

export interface PullResult {
  remote: string;
  /** 'no-remote-runs' when the remote has no `runs` branch. */
  outcome: MergeOutcome | 'no-remote-runs';
  /** Runs that are new locally. */
  runsReceived: number;
  tip: string | null;
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
  const before = readRef(ctx.repo.commonDir, RUNS_REF);
  if (!tips.runs) return { remote: remote.label, outcome: 'no-remote-runs', runsReceived: 0, tip: before };
  // New here are the remote's runs that `before` lacks (a union adds nothing else): git counts
  // them while the refs move.
  const receivedP = addedRuns(ctx, tips.runs, before);
  receivedP.catch(() => {});
  const merged = await mergeRuns(ctx, identity, tips.runs, remote.label);
  if (tips.artifacts) await mergeRuns(ctx, identity, tips.artifacts, remote.label, ARTIFACTS_REF);
  markSeen(ctx, remote, tips.runs);
  const received = merged.outcome === 'up-to-date' ? 0 : (await receivedP).length;
  return { remote: remote.label, outcome: merged.outcome, runsReceived: received, tip: merged.tip };
}
