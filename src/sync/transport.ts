/**
 * Talking to a remote through the system `git`, which speaks every transport users have
 * (local paths, file://, ssh with GIT_SSH_COMMAND, http(s) with credential helpers);
 * isomorphic-git speaks only HTTP(S) — or, for a repository on this filesystem, directly
 * (see local-remote.ts). Nothing here is ever forced: a push that is not a
 * fast-forward of the remote's ref is rejected by git and the caller merges and retries.
 */
import { scrubText } from '../git/credentials.js';
import { GitTrackError, isGitTrackError } from '../errors.js';
import type { Env } from '../env.js';
import { readRef } from '../git/refs.js';
import type { Repo } from '../git/repo.js';
import { runGit } from '../git/system-git.js';
import { RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { beginLocalPush, fetchLocal, localRemote } from './local-remote.js';
import { ARTIFACTS_REF, type Remote } from './remote.js';
import { relayProgress } from './git-progress.js';
import { setTrackingRef } from './sync-state.js';
import { mismatchFromGit } from './format-mismatch.js';
import { INCOMING_PREFIX, incomingTips, refsUnder, type IncomingTip } from './incoming.js';

export interface RemoteTips {
  runs: string | null;
  artifacts: string | null;
  /** Writers' own refs waiting to be folded into `runs` (see incoming.ts). */
  incoming: IncomingTip[];
}

/**
 * Fetch the remote's `runs` and artifacts refs into their tracking refs and return the tips
 * (null when the remote has none). The tracking refs are force-updated like any remote-tracking
 * branch; history rewrites are judged against {@link Remote.seen}, not against them.
 *
 * `runs` is fetched by its exact name (a glob such as `runs*` would also bring any `runs-old`
 * branch and its history); the artifacts ref, ours alone, by a glob, which does not fail when
 * the remote has none. A remote without `runs` makes the exact refspec fail: then only its
 * artifacts are fetched, one more round trip that happens before the first push.
 *
 * @example
 * const tips = await fetchRemote(ctx, remote); // { runs: '9fce…', artifacts: null }
 */
export async function fetchRemote(ctx: TrackerContext, remote: Remote): Promise<RemoteTips> {
  const { repo, env } = ctx;
  const local = localRemote(repo, env, remote, 'fetch');
  if (local) {
    try {
      return await fetchLocal(ctx, remote, local);
    } catch (err) {
      // Whatever stopped the direct copy (a pack git could not write there), git's own
      // transport takes over and reports in its words.
      if (!isGitTrackError(err, 'GIT_FAILED')) throw err;
    }
  }
  const runsSpec = `+${RUNS_REF}:${remote.runsTracking}`;
  const artifactsSpec = `+${ARTIFACTS_REF}*:${remote.artifactsTracking}*`;
  const incomingSpec = `+${INCOMING_PREFIX}*:${remote.incomingTracking}*`;
  const fetch = (specs: string[], allowFailure: boolean) =>
    git(repo, env, ['fetch', '--progress', '--no-tags', '--no-write-fetch-head', '--prune', remote.target, ...specs], remote, allowFailure, `fetching from ${remote.label}`);
  const incoming = () => incomingTips(refsUnder(repo.commonDir, remote.incomingTracking), remote.incomingTracking);
  const both = await fetch([runsSpec, artifactsSpec, incomingSpec], true);
  if (both.code === 0) {
    return { runs: readRef(repo.commonDir, remote.runsTracking), artifacts: readRef(repo.commonDir, remote.artifactsTracking), incoming: incoming() };
  }
  if (!/couldn't find remote ref/i.test(both.stderr)) {
    const refused = mismatchFromGit(both.stderr, remote.label, ctx.store.format);
    if (refused) throw refused;
    throw new GitTrackError('GIT_FAILED', `git fetch from ${remote.label}: ${firstError(both.stderr) || `exited with ${both.code}`}`, {
      remote: remote.label,
      stderr: both.stderr,
    });
  }
  await fetch([artifactsSpec, incomingSpec], false);
  await setTrackingRef(ctx, remote.runsTracking, null);
  return { runs: null, artifacts: readRef(repo.commonDir, remote.artifactsTracking), incoming: incoming() };
}

export interface PushUpdate {
  ref: string;
  /** The new value; null deletes the ref, only if it still holds `expected` (a lease). */
  oid: string | null;
  /** For a deletion: the value the ref must still have. */
  expected?: string;
}

/** A push under way: objects may already be travelling while the caller prepares the rest. */
export interface PendingPush {
  /**
   * Move the remote's refs to `updates`, all or none where the transport allows, never
   * forced. 'rejected' when the remote moved on since the fetch (someone else pushed):
   * fetch, merge and try again. Other failures (network, authentication) throw GIT_FAILED.
   */
  finish(updates: PushUpdate[]): Promise<'pushed' | 'rejected'>;
  /**
   * Move the remote's refs to `primary` (`runs` and the artifacts ref, fast-forwards), and
   * where that is refused, to `queue` (this writer's own refs), in one round trip: a lost race
   * costs no second push. Through git both go in one non-atomic `git push` (the queue refs then
   * land even when `primary` did: a copy of commits `runs` holds, deleted by a later fold); to a
   * remote on this filesystem the queue is written only when `primary` was refused.
   * `landed`: the refs that now hold what we sent. No deletions here.
   */
  finishOrQueue(primary: PushUpdate[], queue: PushUpdate[]): Promise<EitherOutcome>;
}

/** How a {@link PendingPush.finishOrQueue} went. */
export interface EitherOutcome {
  /** 'pushed': every `primary` ref landed; 'queued': some did not, the queue did; 'rejected': neither. */
  status: 'pushed' | 'queued' | 'rejected';
  landed: string[];
}

/**
 * Start a push of `early` (the `runs` tip): to a remote on this filesystem its objects start
 * travelling now, beside the caller's remaining work (reading the pushed manifests for
 * artifacts); through git, everything goes at {@link PendingPush.finish}.
 *
 * @example
 * const pending = beginPush(ctx, remote, [{ ref: 'refs/heads/runs', oid: tip }]);
 * await pending.finish([{ ref: 'refs/heads/runs', oid: tip }]); // 'pushed'
 */
export function beginPush(ctx: TrackerContext, remote: Remote, early: PushUpdate[]): PendingPush {
  const local = localRemote(ctx.repo, ctx.env, remote, 'push');
  const direct = local ? beginLocalPush(ctx, remote, local, early) : null;
  return {
    async finish(updates) {
      if (updates.length === 0) return 'pushed';
      if (direct) {
        try {
          return await direct.finish(updates);
        } catch (err) {
          // Whatever stopped the direct write, git's own transport takes over.
          if (!isGitTrackError(err, 'GIT_FAILED')) throw err;
        }
      }
      return gitPush(ctx, remote, updates);
    },
    async finishOrQueue(primary, queue) {
      if (direct) {
        try {
          return await direct.finishOrQueue(primary, queue);
        } catch (err) {
          if (!isGitTrackError(err, 'GIT_FAILED')) throw err;
        }
      }
      // A ref in both (a writer that never fetches sends its artifacts to its own ref either way) goes once.
      const landed = await gitPushEach(ctx, remote, [...primary, ...queue.filter((q) => !primary.some((p) => p.ref === q.ref))]);
      const all = (us: PushUpdate[]) => us.length > 0 && us.every((u) => landed.includes(u.ref));
      const status = all(primary) ? 'pushed' : all(queue) ? 'queued' : 'rejected';
      return { status, landed };
    },
  };
}

/**
 * One non-atomic `git push` of `updates` (never forced, no deletions): each ref lands or is
 * refused on its own. The refs that landed (or already held their value), from git's
 * porcelain report; GIT_FAILED when the push failed otherwise (network, authentication).
 */
async function gitPushEach(ctx: TrackerContext, remote: Remote, updates: PushUpdate[]): Promise<string[]> {
  const { repo, env } = ctx;
  const specs = updates.map((u) => `${u.oid}:${u.ref}`);
  const result = await git(repo, env, ['push', '--progress', '--porcelain', '--no-verify', remote.target, ...specs], remote, true, `pushing to ${remote.label}`);
  // "<flag>\t<from>:<to>\t<summary>": '!' refused, ' ' '*' '=' landed or already there.
  const landed: string[] = [];
  let reported = 0;
  let lostRace = false;
  for (const line of result.stdout.split('\n')) {
    const m = /^([ *=!+-])\t[^\t:]*:([^\t]+)\t(.*)$/.exec(line);
    if (!m) continue;
    reported++;
    if (m[1] !== '!' && updates.some((u) => u.ref === m[2])) landed.push(m[2]!);
    if (m[1] === '!' && RACE_LOST.test(m[3]!)) lostRace = true;
  }
  // Refused for another reason (a hook's refusal, a server rule): that stands, as a failure.
  if (result.code === 0 || (reported === updates.length && (landed.length > 0 || lostRace))) return landed;
  const refused = mismatchFromGit(result.stderr, remote.label, ctx.store.format);
  if (refused) throw refused;
  throw new GitTrackError('GIT_FAILED', `git push to ${remote.label}: ${firstError(result.stderr) || `exited with ${result.code}`}`, {
    remote: remote.label,
    code: result.code,
  });
}

/** What git says of a push that lost a race: someone else moved the ref first. */
const RACE_LOST = /\[rejected\]|\(fetch first\)|non-fast-forward|failed to (update|lock)|cannot lock ref|atomic push failed|stale info|remote ref updated since checkout/i;

async function gitPush(ctx: TrackerContext, remote: Remote, updates: PushUpdate[]): Promise<'pushed' | 'rejected'> {
  const { repo, env } = ctx;
  const specs = updates.map((u) => `${u.oid ?? ''}:${u.ref}`);
  // A deletion is leased: refused (and with --atomic, the whole push) if the ref moved since we read it.
  const leases = updates.filter((u) => u.oid === null).map((u) => `--force-with-lease=${u.ref}:${u.expected}`);
  const result = await git(repo, env, ['push', '--progress', '--porcelain', '--atomic', '--no-verify', ...leases, remote.target, ...specs], remote, true, `pushing to ${remote.label}`);
  if (result.code === 0) return 'pushed';
  const text = `${result.stdout}\n${result.stderr}`;
  if (RACE_LOST.test(text)) {
    return 'rejected';
  }
  const refused = mismatchFromGit(result.stderr, remote.label, ctx.store.format);
  if (refused) throw refused;
  throw new GitTrackError('GIT_FAILED', `git push to ${remote.label}: ${firstError(result.stderr) || `exited with ${result.code}`}`, {
    remote: remote.label,
    code: result.code,
  });
}

/**
 * Run git for a remote; its messages never carry credentials from a URL. Its transfer progress
 * (`Writing objects: 45% (9/20), 1.20 MiB`) is relayed to `env.progress` under `label`.
 */
async function git(repo: Repo, env: Env, args: string[], remote: Remote, allowFailure = false, label?: string) {
  const onStderr = label ? relayProgress(env, label) : undefined;
  try {
    const r = await runGit(args, { cwd: cwdOf(repo), env, allowFailure, onStderr });
    return { ...r, stderr: scrub(r.stderr, remote) };
  } catch (err) {
    if (isGitTrackError(err, 'GIT_FAILED')) {
      const stderr = scrub(String(err.data.stderr ?? ''), remote);
      throw new GitTrackError('GIT_FAILED', `git ${args[0]} from ${remote.label}: ${firstError(stderr) || 'failed'}`, {
        remote: remote.label,
        stderr,
      });
    }
    throw err;
  } finally {
    if (label) env.progress.done(label);
  }
}

function scrub(text: string, remote: Remote): string {
  const withoutTarget = remote.target === remote.label ? text : text.split(remote.target).join(remote.label);
  return scrubText(withoutTarget);
}

function firstError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const chosen = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? '';
  return chosen.replace(/^(fatal|error):\s*/, '');
}

function cwdOf(repo: Repo): string {
  return repo.workTree ?? repo.gitDir;
}
