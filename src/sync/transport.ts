/**
 * Talking to a remote through the system `git`, which speaks every transport users have
 * (local paths, file://, ssh with GIT_SSH_COMMAND, http(s) with credential helpers);
 * isomorphic-git speaks only HTTP(S). Nothing here is ever forced: a push that is not a
 * fast-forward of the remote's ref is rejected by git and the caller merges and retries.
 */
import { GitTrackError, isGitTrackError } from '../errors.js';
import type { Env } from '../env.js';
import { readRef } from '../git/refs.js';
import type { Repo } from '../git/repo.js';
import { runGit } from '../git/system-git.js';
import { RUNS_REF } from '../runs/layout.js';
import { ARTIFACTS_REF, type Remote } from './remote.js';

export interface RemoteTips {
  runs: string | null;
  artifacts: string | null;
}

/**
 * Fetch the remote's `runs` and artifacts refs into their tracking refs and return the tips
 * (null when the remote has none). The tracking refs are force-updated like any remote-tracking
 * branch; history rewrites are judged against {@link Remote.seen}, not against them.
 *
 * One connection: both refspecs are globs (`runs*`), which, unlike exact refspecs, do not fail
 * when the remote has no `runs` yet, and with `--prune` a ref deleted on the remote is deleted
 * here too (only refs under these two patterns are pruned).
 *
 * @example
 * const tips = await fetchRemote(repo, env, remote); // { runs: '9fce…', artifacts: null }
 */
export async function fetchRemote(repo: Repo, env: Env, remote: Remote): Promise<RemoteTips> {
  const specs = [`+${RUNS_REF}*:${remote.runsTracking}*`, `+${ARTIFACTS_REF}*:${remote.artifactsTracking}*`];
  await git(repo, env, ['fetch', '--progress', '--no-tags', '--no-write-fetch-head', '--prune', remote.target, ...specs], remote, false, `fetching from ${remote.label}`);
  return { runs: readRef(repo.commonDir, remote.runsTracking), artifacts: readRef(repo.commonDir, remote.artifactsTracking) };
}

export interface PushUpdate {
  ref: string;
  oid: string;
}

/**
 * Push commits to refs of the remote, all or none (`--atomic`), never forced. Returns
 * 'rejected' when the remote moved on since the fetch (someone else pushed): fetch, merge and
 * try again. Other failures (network, authentication) throw GIT_FAILED.
 *
 * @example
 * await pushRefs(repo, env, remote, [{ ref: 'refs/heads/runs', oid: tip }]); // 'pushed'
 */
export async function pushRefs(repo: Repo, env: Env, remote: Remote, updates: PushUpdate[]): Promise<'pushed' | 'rejected'> {
  if (updates.length === 0) return 'pushed';
  const specs = updates.map((u) => `${u.oid}:${u.ref}`);
  const result = await git(repo, env, ['push', '--progress', '--porcelain', '--atomic', '--no-verify', remote.target, ...specs], remote, true, `pushing to ${remote.label}`);
  if (result.code === 0) return 'pushed';
  const text = `${result.stdout}\n${result.stderr}`;
  if (/\[rejected\]|\(fetch first\)|non-fast-forward|failed to (update|lock)|cannot lock ref|atomic push failed|stale info|remote ref updated since checkout/i.test(text)) {
    return 'rejected';
  }
  throw new GitTrackError('GIT_FAILED', `git push to ${remote.label}: ${firstError(result.stderr) || `exited with ${result.code}`}`, {
    remote: remote.label,
    code: result.code,
  });
}

/**
 * Whether `ancestor` is reachable from `descendant` (git's commit-graph walk is far faster
 * than ours over code history that run commits link to).
 *
 * @example
 * await isAncestor(repo, env, remoteTip, localTip); // true: nothing to merge
 */
export async function isAncestor(repo: Repo, env: Env, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  const r = await runGit(['merge-base', '--is-ancestor', ancestor, descendant], { cwd: cwdOf(repo), env, allowFailure: true });
  if (r.code === 0) return true;
  if (r.code === 1) return false;
  throw new GitTrackError('GIT_FAILED', `git merge-base: ${firstError(r.stderr)}`, { ancestor, descendant });
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

const UNITS: Record<string, number> = { bytes: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Bytes sent or received so far, from git's progress lines (it knows no total in bytes). */
function relayProgress(env: Env, label: string): (chunk: string) => void {
  return (chunk) => {
    for (const line of chunk.split(/[\r\n]/)) {
      const m = /(?:Writing|Receiving) objects:\s+\d+% \(\d+\/\d+\), ([\d.]+) (bytes|KiB|MiB|GiB)/.exec(line);
      if (m) env.progress.update(label, Math.round(Number(m[1]) * UNITS[m[2]!]!));
    }
  };
}

function scrub(text: string, remote: Remote): string {
  const withoutTarget = remote.target === remote.label ? text : text.split(remote.target).join(remote.label);
  return withoutTarget.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

function firstError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const chosen = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? '';
  return chosen.replace(/^(fatal|error):\s*/, '');
}

function cwdOf(repo: Repo): string {
  return repo.workTree ?? repo.gitDir;
}
