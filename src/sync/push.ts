/**
 * `push`: send `runs` (its run commits carry the code snapshots as parents) and the artifact
 * bytes to a remote. The remote may move on while we work (other people push runs): then the
 * runs go to a ref of this writer's own, where no one else pushes, and are folded into `runs`
 * by the next pull or push (incoming.ts) — so the cost of a push does not grow with the number
 * of writers pushing at the same moment. Never forced.
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
import { foldIntoLocal, type Folded } from './fold.js';
import { incomingRefs } from './incoming.js';
import { writerId } from './writer-id.js';

export interface PushOptions {
  /** Remote name, URL or path; default: the upstream of `runs` or of the current branch, else `origin`, else the only remote. */
  remote?: string;
  /** Directory relative paths are resolved from. */
  cwd?: string;
  /** Fetch-merge-push rounds before giving up (PUSH_REJECTED). */
  maxAttempts?: number;
  /**
   * false: never fetch (a shallow writer without a clone, see remote-writer.ts): push to
   * `runs` from the last seen tip, and when that is refused, to this writer's own ref.
   */
  fetch?: boolean;
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
  /** Pushes tried, rejected ones included. */
  attempts: number;
  upToDate: boolean;
  /**
   * The writer's own ref the runs went to because others were moving `runs` on the remote
   * (`refs/git-track/incoming/<writer>/runs`); the next pull or push folds it. null: in `runs`.
   */
  queuedAs: string | null;
  /** Writers queued on the remote whose runs this push folded into `runs`. */
  writersFolded: number;
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
  /** Pushes tried (`attempts` of the result): a round trip each, what a hosted remote rate-limits. */
  let pushes = 0;
  // Bad configuration fails before anything is fetched or written.
  await readProjectConfig(ctx.repo.workTree);
  // Each git call costs a process start: identity and store settings are read only when a
  // merge commit or artifact bytes need them.
  const identity = once(() => resolveIdentity(ctx.repo, ctx.env));
  const store = once(() => resolveStore(ctx.repo, ctx.env));

  /**
   * Upload what `tips` lacks and push: to `runs` (with `deletes`, the folded writers' refs), or
   * with `queue` to this writer's own refs. null when the remote moved on meanwhile.
   */
  const send = async (tips: RemoteTips, queue: boolean, fold: Folded & { mine?: string } = { writers: 0, deletes: [] }): Promise<PushResult | null> => {
    const local = readRef(ctx.repo.commonDir, RUNS_REF)!;
    const { deletes, writers: writersFolded } = fold;
    // Ours to send (and whose artifacts to upload): not what folding queued writers brought in.
    const ours = fold.mine ?? local;
    // A writer that never fetches has not the remote's artifacts history to build on: its
    // artifact objects go to its own ref, in the same push as the runs (folded like any).
    const refs = queue ? incomingRefs(writerId(ctx)) : { runs: RUNS_REF, artifacts: options.fetch === false ? incomingRefs(writerId(ctx)).artifacts : ARTIFACTS_REF };
    const mine = queue ? tips.incoming.find((t) => refs.runs === incomingRefs(t.writer).runs) : undefined;
    const upToDate = !queue && tips.runs === local && deletes.length === 0;
    // The runs' objects travel while we list the pushed runs and read their manifests for
    // artifacts to stage.
    const pending = upToDate ? null : beginPush(ctx, remote, [{ ref: refs.runs, oid: local }]);
    const [sent, recordsSent] = await Promise.all([addedRuns(ctx, ours, tips.runs), addedRecords(ctx, ours, tips.runs)]);
    const artifacts = await stageArtifacts(ctx, identity, store, sent, remote);
    const result = { remote: remote.label, runsSent: sent.length, recordsSent, runsMerged, artifacts, attempts: Math.max(pushes, 1), queuedAs: null, writersFolded };
    if (upToDate) {
      markSeen(ctx, remote, local);
      await setTrackingRef(ctx, remote.runsTracking, local);
      return { ...result, runsSent: 0, recordsSent: {}, upToDate: true };
    }
    const updates: PushUpdate[] = [];
    if ((queue ? mine?.runs : tips.runs) !== local) updates.push({ ref: refs.runs, oid: local });
    const localArtifacts = readRef(ctx.repo.commonDir, ARTIFACTS_REF);
    if (localArtifacts && localArtifacts !== tips.artifacts && localArtifacts !== mine?.artifacts) updates.push({ ref: refs.artifacts, oid: localArtifacts });
    pushes++;
    if ((await pending!.finish([...updates, ...deletes])) === 'rejected') return null;
    if (queue) return { ...result, attempts: pushes, upToDate: false, queuedAs: refs.runs };
    markSeen(ctx, remote, local);
    // As after `git push`: the remote-tracking refs now show what the remote holds.
    for (const u of updates) {
      if (u.ref === RUNS_REF || u.ref === ARTIFACTS_REF) await setTrackingRef(ctx, u.ref === RUNS_REF ? remote.runsTracking : remote.artifactsTracking, u.oid);
    }
    return { ...result, attempts: pushes, upToDate: false };
  };

  /** Fetch, bring the remote's runs and its queued writers into ours, and push to `runs`. */
  const fetchFoldSend = async (): Promise<{ tips: RemoteTips; fold: Folded & { mine: string }; done: PushResult | null }> => {
    const tips = await fetchRemote(ctx, remote);
    await checkRemoteHistory(ctx, remote, tips.runs);
    const before = readRef(ctx.repo.commonDir, RUNS_REF)!;
    if (tips.runs) await mergeRuns(ctx, identity, tips.runs, remote.label);
    if (tips.artifacts) await mergeRuns(ctx, identity, tips.artifacts, remote.label, ARTIFACTS_REF);
    const mine = readRef(ctx.repo.commonDir, RUNS_REF)!;
    const fold = { ...(await foldIntoLocal(ctx, identity, tips.incoming, remote.label)), mine };
    const after = readRef(ctx.repo.commonDir, RUNS_REF)!;
    if (after !== before) runsMerged += (await addedRuns(ctx, after, before)).length;
    return { tips, fold, done: await send(tips, false, fold) };
  };

  // Most pushes find the remote where the last sync left it: push straight away, one git call
  // instead of a fetch and a push. A push is never forced, so the remote can only
  // fast-forward: a stale view costs one rejected push, never a run.
  const seen = readRef(ctx.repo.commonDir, remote.seen);
  const seenTips: RemoteTips = { runs: seen, artifacts: readRef(ctx.repo.commonDir, remote.artifactsTracking), incoming: [] };
  if (options.fetch === false) {
    const done = (await send(seenTips, false)) ?? (await send(seenTips, true));
    if (done) return done;
    throw new GitTrackError('PUSH_REJECTED', `push to ${remote.label} was rejected, to its runs and to this writer's own ref; nothing was lost there, try again`, {
      remote: remote.label,
    });
  }
  if (seen && seen !== readRef(ctx.repo.commonDir, RUNS_REF)) {
    const direct = await send(seenTips, false);
    if (direct) return direct;
  }
  // Others pushed since our last sync (or there was none): fetch, merge their runs and every
  // writer queued there into ours (a run that differs is refused here, before anything is
  // sent), and push that fold to `runs`. If yet another writer beat us to it, our runs go to
  // our own ref, which lands at once: a push costs a bounded number of round trips however
  // many writers push at the same moment, and nothing is lost either way.
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const { tips, fold, done } = await fetchFoldSend();
    if (done) return done;
    const queued = await send(tips, true, { writers: 0, deletes: [], mine: fold.mine });
    if (queued) return queued;
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
