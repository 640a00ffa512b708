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
import { addedRuns, addedSince } from './added-runs.js';
import { STALE_INCOMING_REFS_KEPT } from '../limits.js';
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

  /** The remote's `runs` as of our last sync, or as `git clone` / `git fetch` last saw it. */
  const lastSeen = () => readRef(ctx.repo.commonDir, remote.seen) ?? readRef(ctx.repo.commonDir, remote.runsTracking);

  /**
   * Upload what `tips` lacks and push: to `runs` (with `deletes`, the folded writers' refs), to
   * this writer's own refs (`queue`), or in one round trip to `runs` where it is a fast-forward
   * and to this writer's own refs where not (`either`). null when neither landed.
   */
  const send = async (tips: RemoteTips, target: 'runs' | 'queue' | 'either', fold: Folded & { mine?: string } = { writers: 0, deletes: [] }): Promise<PushResult | null> => {
    const local = readRef(ctx.repo.commonDir, RUNS_REF)!;
    const { deletes, writers: writersFolded } = fold;
    // Ours to send (and whose artifacts to upload): not what folding queued writers brought in.
    const ours = fold.mine ?? local;
    const own = incomingRefs(writerId(ctx));
    // A writer that never fetches has not the remote's artifacts history to build on: its
    // artifact objects go to its own ref, in the same push as the runs (folded like any).
    const artifactsRef = target === 'queue' || options.fetch === false ? own.artifacts : ARTIFACTS_REF;
    const mine = tips.incoming.find((t) => own.runs === incomingRefs(t.writer).runs);
    const upToDate = target === 'runs' && tips.runs === local && deletes.length === 0;
    // The runs' objects travel while we list the pushed runs and read their manifests for
    // artifacts to stage.
    const pending = upToDate ? null : beginPush(ctx, remote, [{ ref: target === 'queue' ? own.runs : RUNS_REF, oid: local }]);
    const { runs: sent, records: recordsSent } = await addedSince(ctx, ours, tips.runs);
    const artifacts = await stageArtifacts(ctx, identity, store, sent, remote);
    const result = { remote: remote.label, runsSent: sent.length, recordsSent, runsMerged, artifacts, attempts: Math.max(pushes, 1), queuedAs: null, writersFolded };
    if (upToDate) {
      markSeen(ctx, remote, local);
      await setTrackingRef(ctx, remote.runsTracking, local);
      return { ...result, runsSent: 0, recordsSent: {}, upToDate: true };
    }
    const localArtifacts = readRef(ctx.repo.commonDir, ARTIFACTS_REF);
    const artifactsKnown = artifactsRef === ARTIFACTS_REF ? tips.artifacts : mine?.artifacts;
    const artifactsUpdate = localArtifacts && localArtifacts !== tips.artifacts && localArtifacts !== artifactsKnown ? [{ ref: artifactsRef, oid: localArtifacts }] : [];
    pushes++;
    if (target === 'either') {
      // Where `runs` is refused, the runs (and the artifact objects their pointers need) go to
      // this writer's own refs; the objects travel once.
      const queue: PushUpdate[] = [{ ref: own.runs, oid: local }];
      if (artifactsUpdate.length > 0) queue.push({ ref: own.artifacts, oid: localArtifacts! });
      const primary: PushUpdate[] = [...artifactsUpdate, ...(tips.runs === local ? [] : [{ ref: RUNS_REF, oid: local }])];
      const { status, landed } = await pending!.finishOrQueue(primary, queue);
      if (status === 'rejected') return null;
      await afterLanding(landed);
      // `runs` took them even if the artifacts ref did not (their bytes' objects then wait on our own ref).
      if (status === 'queued' && !landed.includes(RUNS_REF)) {
        await markQueued();
        return { ...result, attempts: pushes, upToDate: false, queuedAs: own.runs };
      }
      markSeen(ctx, remote, local);
      return { ...result, attempts: pushes, upToDate: false };
    }
    const updates: PushUpdate[] = [...artifactsUpdate];
    if ((target === 'queue' ? mine?.runs : tips.runs) !== local) updates.push({ ref: target === 'queue' ? own.runs : RUNS_REF, oid: local });
    if ((await pending!.finish([...updates, ...deletes])) === 'rejected') return null;
    if (target === 'queue') {
      await markQueued();
      return { ...result, attempts: pushes, upToDate: false, queuedAs: own.runs };
    }
    markSeen(ctx, remote, local);
    await afterLanding(updates.map((u) => u.ref));
    return { ...result, attempts: pushes, upToDate: false };
  };

  /** Our view of the remote is stale (our runs went to our own ref): the next push fetches and folds first. */
  const markQueued = async (): Promise<void> => {
    const base = lastSeen();
    if (base) await setTrackingRef(ctx, remote.queuedOn, base);
  };

  /** As after `git push`: the remote-tracking refs show what the remote now holds. */
  const afterLanding = async (landed: string[]): Promise<void> => {
    const local = { runs: readRef(ctx.repo.commonDir, RUNS_REF), artifacts: readRef(ctx.repo.commonDir, ARTIFACTS_REF) };
    if (landed.includes(RUNS_REF)) await setTrackingRef(ctx, remote.runsTracking, local.runs);
    if (landed.includes(ARTIFACTS_REF)) await setTrackingRef(ctx, remote.artifactsTracking, local.artifacts);
  };

  /** Fetch, bring the remote's runs and its queued writers into ours, and push to `runs`. */
  const fetchFoldSend = async (): Promise<{ tips: RemoteTips; fold: Folded & { mine: string }; done: PushResult | null }> => {
    const tips = await fetchRemote(ctx, remote);
    await checkRemoteHistory(ctx, remote, tips.runs);
    const before = readRef(ctx.repo.commonDir, RUNS_REF)!;
    if (tips.runs) await mergeRuns(ctx, identity, tips.runs, remote.label);
    if (tips.artifacts) await mergeRuns(ctx, identity, tips.artifacts, remote.label, ARTIFACTS_REF);
    const mine = readRef(ctx.repo.commonDir, RUNS_REF)!;
    const folded = await foldIntoLocal(ctx, identity, tips.incoming, remote.label);
    // Refs holding only what `runs` already has (left by writers whose runs landed) are not
    // worth a push of their own until there are many.
    const after = readRef(ctx.repo.commonDir, RUNS_REF)!;
    const onlyLeftovers = after === tips.runs && readRef(ctx.repo.commonDir, ARTIFACTS_REF) === tips.artifacts && folded.deletes.length < STALE_INCOMING_REFS_KEPT;
    const fold = { ...folded, deletes: onlyLeftovers ? [] : folded.deletes, mine };
    if (after !== before) runsMerged += (await addedRuns(ctx, after, before)).length;
    // Without leased deletions to carry, a lost race queues our runs in the same push.
    const target = fold.deletes.length === 0 && after !== tips.runs ? 'either' : 'runs';
    return { tips, fold, done: await send(tips, target, fold) };
  };

  // Most pushes find the remote where the last sync left it (or where `git clone` saw it):
  // push straight away, one git call instead of a fetch and a push. A push is never forced, so
  // the remote can only fast-forward: when others moved `runs` meanwhile, the same push puts
  // our runs on this writer's own ref instead, which no one else writes — one push per writer
  // however many push at the same moment, and nothing is lost either way.
  const seen = lastSeen();
  const seenTips: RemoteTips = { runs: seen, artifacts: readRef(ctx.repo.commonDir, remote.artifactsTracking), incoming: [] };
  if (options.fetch === false) {
    const done = await send(seenTips, 'either');
    if (done) return done;
    throw new GitTrackError('PUSH_REJECTED', `push to ${remote.label} was rejected, to its runs and to this writer's own ref; nothing was lost there, try again`, {
      remote: remote.label,
    });
  }
  // Our last push went to our own ref and no sync since: the remote has moved on, so fetch,
  // fold and bring `runs` up to date (a stale clone does not queue forever).
  const stale = seen !== null && readRef(ctx.repo.commonDir, remote.queuedOn) === seen;
  if (seen && seen !== readRef(ctx.repo.commonDir, RUNS_REF) && !stale) {
    const direct = await send(seenTips, 'either');
    if (direct) return direct;
  }
  // Nothing new since our last sync (a push that only folds what others queued), no sync yet,
  // or even our own ref refused us (another clone with our writer id): fetch, merge the
  // remote's runs and every writer queued there into ours (a run that differs is refused
  // here, before anything is sent), and push that fold.
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const { tips, fold, done } = await fetchFoldSend();
    if (done) return done;
    const queued = await send(tips, 'queue', { writers: 0, deletes: [], mine: fold.mine });
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
