/**
 * Writing a run straight to a remote from a machine without a clone of the repository (a
 * container or a cluster node that has only the training code): a private temporary bare
 * repository receives the remote's `runs` tip alone — one commit (`--depth 1`, never the
 * history) and, where the server allows filters, only the top of its tree (`--filter=tree:2`:
 * the root, its two small files and the `runs/` tree; a handful of objects however many runs
 * there are). The stand-in is a partial clone of the remote, so the one shard tree a new run
 * goes into is fetched when the run is written (git's promisor fetch, one object and its run
 * directories' trees, never a manifest). A server that does not allow filters sends the whole
 * tip tree, as before. The run is committed on it and pushed like any push — to `runs` when no
 * one moved it meanwhile, else to a ref of this writer's own (incoming.ts), without fetching
 * again. The code version comes from `--code-commit` or the CI's variables, since there may be
 * no work tree to read it from. The system `git` does the transport.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitTrackError, isGitTrackError } from '../errors.js';
import type { Env } from '../env.js';
import type { CodeVersion } from '../git/code-version.js';
import { scrubText, scrubUrl } from '../git/credentials.js';
import { runGit } from '../git/system-git.js';
import { RUNS_REF } from '../runs/layout.js';
import { REMOTE_WRITER_TREE_DEPTH } from '../limits.js';
import { openContext, type TrackerContext } from '../tracker-context.js';
import { readGitConfig } from '../git/config.js';
import { formatOfOid } from '../git/object-format.js';
import { pushRuns, type PushResult } from './push.js';
import { readRef } from '../git/refs.js';
import { markSeen, setTrackingRef } from './sync-state.js';
import { declaredObjectFormat } from './format-mismatch.js';
import { urlRemote, type Remote } from './remote.js';

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
    // A fresh repository has no remote names: the URL or path is the remote.
    const remote = urlRemote(options.url, options.cwd);
    promiseObjectsFrom(dir, remote.target);
    const ctx = openContext({ dir, env });
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
  // A server that does not allow filters says so on stderr and sends the whole tip tree.
  const fetchTip = (ctx: TrackerContext) =>
    runGit(['-c', 'maintenance.auto=false', '-c', 'gc.auto=0', 'fetch', '-q', '--depth', '1', `--filter=tree:${REMOTE_WRITER_TREE_DEPTH}`, '--no-tags', '--no-write-fetch-head', PROMISOR, `+${RUNS_REF}:${RUNS_REF}`], {
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
    promiseObjectsFrom(dir, remote.target);
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
  const tip = fetch.code === 0 ? readRef(ctx.repo.commonDir, RUNS_REF) : null;
  if (tip) {
    // The push starts from here: `seen` is what a clone remembers from its last sync.
    markSeen(ctx, remote, tip);
    await setTrackingRef(ctx, remote.runsTracking, tip);
  }
  w.commitsFetched = tip ? commitsHere(ctx, tip) : 0;
}

/** Commits reachable from `tip` that are in the stand-in (the fetch was shallow: the walk stops where they end). */
function commitsHere(ctx: TrackerContext, tip: string): number {
  const seen = new Set<string>();
  const todo = [tip];
  while (todo.length > 0) {
    const oid = todo.pop()!;
    if (seen.has(oid) || !ctx.store.has(oid)) continue;
    seen.add(oid);
    todo.push(...ctx.store.readCommit(oid).parents);
  }
  return seen.size;
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

/** The stand-in's name for the remote it writes to. */
const PROMISOR = 'runs-remote';

/**
 * Make the fresh bare repository at `dir` a partial clone of `target`: objects it lacks are
 * fetched from there by git when read (our object reader asks git, see fetch-via-git.ts). The
 * config is written directly, four settings, rather than by four `git config` processes.
 */
function promiseObjectsFrom(dir: string, target: string): void {
  const file = join(dir, 'config');
  const quoted = `"${target.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
  const text = readFileSync(file, 'utf8').replace(/^([ \t]*repositoryformatversion[ \t]*=[ \t]*)0[ \t]*$/m, (_, key: string) => `${key}1`);
  writeFileSync(file, `${text}[remote "${PROMISOR}"]\n\turl = ${quoted}\n\tpromisor = true\n[extensions]\n\tpartialClone = ${PROMISOR}\n`);
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
