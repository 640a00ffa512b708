/**
 * Writing a run straight to a remote from a machine without a clone of the repository (a
 * container or a cluster node that has only the training code): a private temporary bare
 * repository receives the remote's `runs` tip alone (`git fetch --depth 1`: one commit and its
 * tree, never the history), the run is committed on it, and pushed like any push — to `runs`
 * when no one moved it meanwhile, else to a ref of this writer's own (incoming.ts), without
 * fetching again. The code version comes from `--code-commit` or the CI's variables, since
 * there may be no work tree to read it from. The system `git` does the transport.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitTrackError, isGitTrackError } from '../errors.js';
import type { Env } from '../env.js';
import type { CodeVersion } from '../git/code-version.js';
import { scrubText, scrubUrl } from '../git/credentials.js';
import { runGit } from '../git/system-git.js';
import { RUNS_REF } from '../runs/layout.js';
import { openContext, type TrackerContext } from '../tracker-context.js';
import { readGitConfig } from '../git/config.js';
import { formatOfOid } from '../git/object-format.js';
import { pushRuns, type PushResult } from './push.js';
import { declaredObjectFormat } from './format-mismatch.js';
import { resolveRemote, type Remote } from './remote.js';

/** CI variables holding the commit being built, in the order they are consulted. */
export const CODE_COMMIT_VARS = ['GITHUB_SHA', 'CI_COMMIT_SHA', 'GIT_COMMIT'] as const;
/** CI variables holding the branch being built. */
const CODE_BRANCH_VARS = ['GITHUB_REF_NAME', 'CI_COMMIT_REF_NAME', 'GIT_BRANCH'] as const;

/** A temporary repository standing in for a clone, writing to one remote. */
export interface RemoteWriter {
  ctx: TrackerContext;
  remote: Remote;
  /** The code version every run written through it records. */
  code: CodeVersion;
  /** Commits the shallow fetch brought (1 when the remote has runs; 0 before {@link fetchRunsTip}). */
  commitsFetched: number;
  /** Removes the temporary repository. */
  close(): void;
}

/**
 * The code version of a run written with `--remote`: `--code-commit`, else the CI's
 * variables, else the HEAD of the work tree `cwd` is in. Throws NO_CODE_VERSION naming them.
 *
 * @example
 * await remoteCodeVersion(env, cwd, undefined); // { commit: '9fce…', branch: 'main', dirty: false } (from GITHUB_SHA)
 */
export async function remoteCodeVersion(env: Env, cwd: string, codeCommit: string | undefined): Promise<CodeVersion> {
  const branchVar = CODE_BRANCH_VARS.map((v) => env.vars[v]).find((v) => v);
  const given = codeCommit ?? CODE_COMMIT_VARS.map((v) => env.vars[v]).find((v) => v);
  if (given !== undefined) {
    const commit = given.trim().toLowerCase();
    if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) {
      const from = codeCommit !== undefined ? '--code-commit' : CODE_COMMIT_VARS.find((v) => env.vars[v]);
      throw new GitTrackError('BAD_INPUT', `${from} must be a full commit id (40 or 64 hex digits), got '${given.slice(0, 80)}'`);
    }
    return { commit, branch: branchVar ?? null, dirty: false };
  }
  const head = await runGit(['rev-parse', '--verify', '-q', 'HEAD'], { cwd, env, allowFailure: true }).catch(() => null);
  const commit = head?.code === 0 ? head.stdout.trim() : '';
  if (!/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new GitTrackError(
      'BAD_INPUT',
      `no code version for --remote: give --code-commit SHA or set ${CODE_COMMIT_VARS.join(', ')} (${cwd} is not in a git work tree with a commit)`,
    );
  }
  const branch = await runGit(['symbolic-ref', '--short', '-q', 'HEAD'], { cwd, env, allowFailure: true });
  const status = await runGit(['status', '--porcelain', '--untracked-files=no'], { cwd, env, allowFailure: true });
  return { commit, branch: branchVar ?? (branch.stdout.trim() || null), dirty: status.stdout.trim() !== '' };
}

/**
 * A temporary repository to write runs for `url` with. Nothing is fetched yet: a run that
 * trains for hours fetches the tip when it is recorded, so the push is likely to land in `runs`.
 *
 * @example
 * const w = await openRemoteWriter(env, { url: 'https://git.example.com/churn.git', cwd, codeCommit });
 * try { await fetchRunsTip(w); … await pushRemoteWriter(w); } finally { w.close(); }
 */
export async function openRemoteWriter(env: Env, options: { url: string; cwd: string; codeCommit?: string }): Promise<RemoteWriter> {
  const code = await remoteCodeVersion(env, options.cwd, options.codeCommit);
  const dir = mkdtempSync(join(tmpdir(), 'git-track-remote-'));
  const close = () => rmSync(dir, { recursive: true, force: true });
  try {
    // The stand-in must name objects as the remote does, or git refuses to fetch and push: a
    // remote on this filesystem says so in its config; else the code commit's length tells
    // (the runs go to the code's own repository), and a fetch that finds otherwise starts again.
    const format = localRemoteFormat(options.url, options.cwd) ?? formatOfOid(code.commit ?? '')?.name ?? 'sha1';
    await runGit(['init', '-q', '--bare', `--object-format=${format}`, dir], { cwd: dir, env });
    const ctx = openContext({ dir, env });
    const remote = resolveRemote(ctx.repo, options.url, options.cwd);
    return { ctx, remote, code: { ...code, remote: remote.label }, commitsFetched: 0, close };
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * Fetch the remote's `runs` tip alone (depth 1) and make it this repository's `runs` and the
 * tip a push builds on. A remote without `runs` leaves it unborn (the run starts it).
 *
 * @example
 * await fetchRunsTip(w); // w.commitsFetched === 1
 */
export async function fetchRunsTip(w: RemoteWriter): Promise<void> {
  const { remote } = w;
  const fetchTip = (ctx: TrackerContext) =>
    runGit(['fetch', '-q', '--depth', '1', '--no-tags', '--no-write-fetch-head', remote.target, `+${RUNS_REF}:${RUNS_REF}`], {
      cwd: ctx.repo.gitDir,
      env: ctx.env,
      allowFailure: true,
    });
  let fetch = await fetchTip(w.ctx);
  // A network remote of the other object format says so only now: start the stand-in again in its format.
  const server = fetch.code !== 0 ? /mismatched algorithms: client \w+; server (sha1|sha256)/.exec(fetch.stderr)?.[1] : undefined;
  if (server) {
    const dir = w.ctx.repo.gitDir;
    const env = w.ctx.env;
    rmSync(dir, { recursive: true, force: true });
    await runGit(['init', '-q', '--bare', `--object-format=${server}`, dir], { cwd: tmpdir(), env });
    w.ctx = openContext({ dir, env });
    fetch = await fetchTip(w.ctx);
  }
  const { ctx } = w;
  if (fetch.code !== 0 && !/couldn't find remote ref/i.test(fetch.stderr)) {
    const line = scrubText(fetch.stderr.split('\n').find((l) => /^(fatal|error):/.test(l)) ?? fetch.stderr.trim().split('\n')[0] ?? '');
    throw new GitTrackError('GIT_FAILED', `cannot fetch runs from ${scrubUrl(remote.label)}: ${line.replace(/^(fatal|error):\s*/, '') || `git exited with ${fetch.code}`}`, {
      remote: remote.label,
    });
  }
  const tip = fetch.code === 0 ? (await runGit(['rev-parse', '--verify', '-q', RUNS_REF], { cwd: ctx.repo.gitDir, env: ctx.env })).stdout.trim() : null;
  if (tip) {
    // The push starts from here: `seen` is what a clone remembers from its last sync.
    await runGit(['update-ref', remote.seen, tip], { cwd: ctx.repo.gitDir, env: ctx.env });
    await runGit(['update-ref', remote.runsTracking, tip], { cwd: ctx.repo.gitDir, env: ctx.env });
  }
  const count = await runGit(['rev-list', '--count', '--all'], { cwd: ctx.repo.gitDir, env: ctx.env });
  w.commitsFetched = Number(count.stdout.trim()) || 0;
}

/**
 * Push what was recorded: to `runs`, or when others moved it, to this writer's own ref —
 * never a second fetch (that would bring history).
 *
 * @example
 * const r = await pushRemoteWriter(w); // { runsSent: 1, queuedAs: null, … }
 */
export async function pushRemoteWriter(w: RemoteWriter): Promise<PushResult> {
  try {
    return await pushRuns(w.ctx, { remote: w.remote.target, cwd: w.ctx.repo.gitDir, fetch: false });
  } catch (err) {
    if (isGitTrackError(err, 'GIT_FAILED')) err.message = scrubText(err.message);
    throw err;
  }
}

/**
 * The object format of the remote at `url` when it is a repository on this filesystem (a path
 * or `file://`), from its config; undefined for a network remote (git tells at the fetch).
 */
function localRemoteFormat(url: string, cwd: string): string | undefined {
  let path: string;
  try {
    path = /^file:\/\//i.test(url) ? fileURLToPath(url) : url;
  } catch {
    return undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || /^[^/]*:/.test(path)) return undefined;
  const base = isAbsolute(path) ? path : resolve(cwd, path);
  for (const dir of [base, join(base, '.git')]) {
    if (existsSync(join(dir, 'config')) && existsSync(join(dir, 'objects'))) return declaredObjectFormat(readGitConfig(dir))?.name;
  }
  return undefined;
}
