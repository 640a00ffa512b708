/**
 * Writing a run straight to a remote from a machine without a clone of the repository (a
 * container or a cluster node that has only the training code): a private temporary bare
 * repository receives the remote's `runs` tip alone — one commit (`--depth 1`, never the
 * history) and, where the server allows filters, only the top of its tree (`--filter=tree:2`:
 * the root, its two small files and the `runs/` tree; a handful of objects however many runs
 * there are). The stand-in is a partial clone of the remote, so the one shard tree a new run
 * goes into is fetched when the run is written (git's promisor fetch, one object and its run
 * directories' trees, never a manifest). A server that does not allow filters, or refuses this
 * one, sends the whole tip tree; one that applies filters but does not send objects by id (git's
 * default in protocol v0) sends every shard tree up front instead (see fetchRunsTip). The run
 * is committed on it and pushed like any push — to `runs` when no one moved it meanwhile, else
 * to a ref of this writer's own (incoming.ts), without fetching again. The code version comes from `--code-commit` or the CI's variables, since there may be
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
import { runGit, type GitResult } from '../git/system-git.js';
import { fetchViaGit } from '../git/fetch-via-git.js';
import { RUNS_DIR, RUNS_REF } from '../runs/layout.js';
import { REMOTE_WRITER_TREE_DEPTH } from '../limits.js';
import { openContext, type TrackerContext } from '../tracker-context.js';
import { readGitConfig } from '../git/config.js';
import { formatOfOid } from '../git/object-format.js';
import { pushRuns, type PushResult } from './push.js';
import { readRef } from '../git/refs.js';
import { markSeen, setTrackingRef } from './sync-state.js';
import { declaredObjectFormat } from './format-mismatch.js';
import { urlRemote, type Remote } from './remote.js';
import { readServerOffer } from './server-offer.js';

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
  /**
   * Set when the cheap fetch could not be used against this server and another was (see
   * {@link fetchRunsTip}): what was fetched instead and why, for one line on a terminal.
   */
  fallback: { fetched: string; reason: string } | null;
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
  // Read only: git status would otherwise refresh (write) the user's index, or wait on its lock.
  const status = await runGit(['status', '--porcelain', '--untracked-files=no'], { cwd, env, vars: { GIT_OPTIONAL_LOCKS: '0' }, allowFailure: true });
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
    return { ctx, remote, code: { ...code, remote: remote.label }, commitsFetched: 0, fallback: null, close };
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * Fetch the remote's `runs` tip alone (depth 1) and make it this repository's `runs` and the
 * tip a push builds on. A remote without `runs` leaves it unborn (the run starts it).
 *
 * The cheap fetch (the top of the tip tree, the run's shard on demand) needs a server that
 * applies filters and sends a single object asked for by id. Where it does not, this falls
 * back once, before anything is written: a server that refuses the filter sends the whole tip
 * tree; one that applies it but sends only what it advertised (protocol v0 without
 * `uploadpack.allowReachableSHA1InWant`, git's default) sends every shard tree, one level
 * deeper, so that no object has to be asked for later. {@link RemoteWriter.fallback} says why.
 *
 * @example
 * await fetchRunsTip(w); // w.commitsFetched === 1, w.fallback === null
 */
export async function fetchRunsTip(w: RemoteWriter): Promise<void> {
  const { remote } = w;
  const partial = `tree:${REMOTE_WRITER_TREE_DEPTH}`;
  let fetch = await fetchTip(w, partial, true);
  // A network remote of the other object format says so only now: start the stand-in again in its format.
  const server = fetch.code !== 0 ? /mismatched algorithms: client \w+; server (sha1|sha256)/.exec(fetch.stderr)?.[1] : undefined;
  if (server) {
    await restartStandIn(w, server);
    fetch = await fetchTip(w, partial, true);
  }
  // Filters can be allowed with limits (uploadpackfilter.tree.maxDepth, uploadpackfilter.allow):
  // without one, the server sends the whole tip tree, as to a server without filters.
  const refused = fetch.code !== 0 ? /remote error: (.*filter.*)$/im.exec(fetch.stderr)?.[1]?.trim() : undefined;
  if (refused) {
    await restartStandIn(w);
    fetch = await fetchTip(w, null, false);
    w.fallback = { fetched: 'whole tip tree', reason: `the remote refused --filter=${partial} (${fromRemote(refused).slice(0, 160)})` };
  }
  let tip = checkFetched(w, fetch);
  const shard = tip && !refused ? missingShard(w.ctx, tip) : undefined;
  const noObjectsById = tip && shard ? await objectsByIdRefused(w, shard) : null;
  if (noObjectsById) {
    await restartStandIn(w);
    tip = checkFetched(w, await fetchTip(w, `tree:${REMOTE_WRITER_TREE_DEPTH + 1}`, false));
    w.fallback = { fetched: 'every shard tree', reason: noObjectsById };
  }
  const { ctx } = w;
  if (tip) {
    // The push starts from here: `seen` is what a clone remembers from its last sync.
    markSeen(ctx, remote, tip);
    await setTrackingRef(ctx, remote.runsTracking, tip);
  }
  w.commitsFetched = tip ? commitsHere(ctx, tip) : 0;
}

/** The stand-in's copy of git's packet trace of the first fetch (server-offer.ts). */
const OFFER_TRACE = 'git-track-offer.trace';

/** `git fetch` of the tip of `runs` alone, with `filter` when given; `trace`: record what the server offered. */
function fetchTip(w: RemoteWriter, filter: string | null, trace: boolean) {
  const { gitDir } = w.ctx.repo;
  const args = ['-c', 'maintenance.auto=false', '-c', 'gc.auto=0', 'fetch', '-q', '--depth', '1', ...(filter ? [`--filter=${filter}`] : [])];
  return runGit([...args, '--no-tags', '--no-write-fetch-head', PROMISOR, `+${RUNS_REF}:${RUNS_REF}`], {
    cwd: gitDir,
    env: w.ctx.env,
    // Set or not, the user's own trace settings must not decide what is read here.
    vars: { GIT_TRACE_PACKET: trace ? join(gitDir, OFFER_TRACE) : '0' },
    allowFailure: true,
  });
}

/** The fetched tip, or null when the remote has no `runs`; throws GIT_FAILED with git's reason otherwise. */
function checkFetched(w: RemoteWriter, fetch: GitResult): string | null {
  if (fetch.code !== 0 && !/couldn't find remote ref/i.test(fetch.stderr)) {
    const line = fromRemote(fetch.stderr.split('\n').find((l) => /^(fatal|error):/.test(l)) ?? fetch.stderr.trim().split('\n')[0] ?? '');
    throw new GitTrackError('GIT_FAILED', `cannot fetch runs from ${scrubUrl(w.remote.label)}: ${line.replace(/^(fatal|error):\s*/, '') || `git exited with ${fetch.code}`}`, {
      remote: w.remote.label,
    });
  }
  return fetch.code === 0 ? readRef(w.ctx.repo.commonDir, RUNS_REF) : null;
}

/**
 * A line of git's stderr for our own message: it may quote the server (`remote error: …`), so
 * credentials are scrubbed and control characters (a terminal's escape sequences) shown as `?`.
 */
function fromRemote(line: string): string {
  return scrubText(line).replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

/**
 * A shard tree of `tip` the filter left on the remote (a run written into that shard makes git
 * ask for it by id); undefined when every shard is here, or there are none yet.
 */
function missingShard(ctx: TrackerContext, tip: string): string | undefined {
  const runs = ctx.store.readTree(ctx.store.readCommit(tip).tree).find((e) => e.name === RUNS_DIR && e.mode === '040000');
  if (!runs || !ctx.store.has(runs.oid)) return undefined;
  return ctx.store.readTree(runs.oid).find((e) => e.mode === '040000' && !ctx.store.has(e.oid))?.oid;
}

/**
 * Why the remote will not send a single object by id, or null when it will: from what it
 * advertised to the fetch. When git's trace of it cannot be read, or a server other than git's
 * own speaks protocol v2 (where git allows any want but another implementation may not say),
 * by asking for `shard`: one round trip, and the answer.
 */
async function objectsByIdRefused(w: RemoteWriter, shard: string): Promise<string | null> {
  const offer = readServerOffer(join(w.ctx.repo.gitDir, OFFER_TRACE));
  if (offer && (offer.protocol < 2 || offer.agent?.startsWith('git/'))) {
    return offer.objectsById ? null : `the remote does not send objects by id (git protocol v${offer.protocol} without uploadpack.allowReachableSHA1InWant)`;
  }
  return fetchViaGit(w.ctx.repo.gitDir, w.ctx.env, shard) ? null : 'the remote did not send an object asked for by id';
}

/** Start the stand-in again, empty, in `format` (default: its own). */
async function restartStandIn(w: RemoteWriter, format?: string): Promise<void> {
  const dir = w.ctx.repo.gitDir;
  const { env } = w.ctx;
  const objectFormat = format ?? w.ctx.repo.format.objectFormat.name;
  w.ctx.store.close();
  rmSync(dir, { recursive: true, force: true });
  await runGit(['init', '-q', '--bare', `--object-format=${objectFormat}`, dir], { cwd: tmpdir(), env });
  promiseObjectsFrom(dir, w.remote.target);
  w.ctx = openContext({ dir, env });
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
