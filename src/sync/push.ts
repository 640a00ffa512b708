/**
 * `push`: send `runs` (its run commits carry the code snapshots as parents) and the artifact
 * bytes to a remote. The remote may move on while we work (other people push runs): then we
 * fetch, merge, and push again, a bounded number of times with random pauses. Never forced.
 */
import { GitTrackError } from '../errors.js';
import { readProjectConfig, resolveStore } from '../config/load-store.js';
import { resolveIdentity } from '../git/identity.js';
import { readRef } from '../git/refs.js';
import { RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { mergeRuns } from './merge-runs.js';
import { ARTIFACTS_REF, resolveRemote } from './remote.js';
import { stageArtifacts, type StagedArtifacts } from './stage-artifacts.js';
import { checkRemoteHistory, markSeen, setTrackingRef } from './sync-state.js';
import { beginPush, fetchRemote, type PushUpdate, type RemoteTips } from './transport.js';
import { addedRecords } from './added-records.js';
import { addedRuns } from './added-runs.js';

export interface PushOptions {
  /** Remote name, URL or path; default: the upstream of `runs` or of the current branch, else `origin`, else the only remote. */
  remote?: string;
  /** Directory relative paths are resolved from. */
  cwd?: string;
  /** Fetch-merge-push rounds before giving up (PUSH_REJECTED). */
  maxAttempts?: number;
}

export interface PushResult {
  remote: string;
  /** Runs the remote did not have before this push. */
  runsSent: number;
  /** Later facts the remote lacked, by directory of `runs`: `stages` (promotions), `tags`, … */
  recordsSent: Record<string, number>;
  /** Runs that came from the remote and were merged locally on the way. */
  runsMerged: number;
  artifacts: StagedArtifacts;
  attempts: number;
  upToDate: boolean;
}

/**
 * Push the local `runs` to a remote.
 *
 * @example
 * const r = await pushRuns(ctx, { remote: 'origin' }); // { runsSent: 3, attempts: 1, … }
 */
export async function pushRuns(ctx: TrackerContext, options: PushOptions = {}): Promise<PushResult> {
  const remote = resolveRemote(ctx.repo, options.remote, options.cwd ?? ctx.repo.workTree ?? ctx.repo.gitDir);
  if (!readRef(ctx.repo.commonDir, RUNS_REF)) {
    throw new GitTrackError('NO_RUNS_BRANCH', "nothing to push: no runs recorded yet (the 'runs' branch does not exist)");
  }
  const maxAttempts = options.maxAttempts ?? 40;
  let runsMerged = 0;
  // Bad configuration fails before anything is fetched or written.
  await readProjectConfig(ctx.repo.workTree);
  // Each git call costs a process start: identity and store settings are read only when a
  // merge commit or artifact bytes need them.
  const identity = once(() => resolveIdentity(ctx.repo, ctx.env));
  const store = once(() => resolveStore(ctx.repo, ctx.env));

  /** Upload what `tips` lacks and push; null when the remote moved on meanwhile. */
  const send = async (tips: RemoteTips, attempt: number): Promise<PushResult | null> => {
    const local = readRef(ctx.repo.commonDir, RUNS_REF)!;
    // The runs' objects travel while we list the pushed runs and read their manifests for
    // artifacts to stage.
    const pending = tips.runs === local ? null : beginPush(ctx, remote, [{ ref: RUNS_REF, oid: local }]);
    const [sent, recordsSent] = await Promise.all([addedRuns(ctx, local, tips.runs), addedRecords(ctx, local, tips.runs)]);
    const artifacts = await stageArtifacts(ctx, identity, store, sent, remote);
    const result = { remote: remote.label, runsSent: sent.length, recordsSent, runsMerged, artifacts, attempts: attempt };
    if (tips.runs === local) {
      markSeen(ctx, remote, local);
      await setTrackingRef(ctx, remote.runsTracking, local);
      return { ...result, runsSent: 0, recordsSent: {}, upToDate: true };
    }
    const updates: PushUpdate[] = [{ ref: RUNS_REF, oid: local }];
    const localArtifacts = readRef(ctx.repo.commonDir, ARTIFACTS_REF);
    if (localArtifacts && localArtifacts !== tips.artifacts) updates.push({ ref: ARTIFACTS_REF, oid: localArtifacts });
    if ((await pending!.finish(updates)) === 'rejected') return null;
    markSeen(ctx, remote, local);
    // As after `git push`: the remote-tracking refs now show what the remote holds.
    for (const u of updates) await setTrackingRef(ctx, u.ref === RUNS_REF ? remote.runsTracking : remote.artifactsTracking, u.oid);
    return { ...result, upToDate: false };
  };

  // Most pushes find the remote where the last sync left it: push straight away, one git call
  // instead of a fetch and a push. A push is never forced, so the remote can only
  // fast-forward: a stale view costs one rejected push, never a run, and the fetch-merge loop
  // below takes over. (Without a previous sync, the remote's runs are unknown: fetch first.)
  const seen = readRef(ctx.repo.commonDir, remote.seen);
  if (seen && seen !== readRef(ctx.repo.commonDir, RUNS_REF)) {
    const direct = await send({ runs: seen, artifacts: readRef(ctx.repo.commonDir, remote.artifactsTracking) }, 1);
    if (direct) return direct;
  }
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const tips = await fetchRemote(ctx, remote);
    await checkRemoteHistory(ctx, remote, tips.runs);
    const before = readRef(ctx.repo.commonDir, RUNS_REF)!;
    if (tips.runs) {
      const merged = await mergeRuns(ctx, identity, tips.runs, remote.label);
      if (merged.outcome !== 'up-to-date') runsMerged += (await addedRuns(ctx, merged.tip, before)).length;
    }
    if (tips.artifacts) await mergeRuns(ctx, identity, tips.artifacts, remote.label, ARTIFACTS_REF);
    const done = await send(tips, attempt);
    if (done) return done;
    await sleep(backoff(ctx.env.random(1)[0]!, attempt));
  }
  throw new GitTrackError(
    'PUSH_REJECTED',
    `push to ${remote.label} was rejected ${maxAttempts} times (others keep pushing); nothing was lost, run git-track push again`,
    { remote: remote.label, attempts: maxAttempts },
  );
}

/** A memoised async value, started on first use. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

/** Random pause growing with the attempt number (capped at ~2 s), so contending pushers spread out. */
function backoff(randomByte: number, attempt: number): number {
  const span = Math.min(100 * 2 ** Math.min(attempt, 5), 2000);
  return 20 + (randomByte / 255) * span;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
