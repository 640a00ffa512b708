/**
 * Remotes on this filesystem (a bare repository by path or `file://`), the kind a team keeps
 * on a file server mount and every test uses. For them we write the pack into the other
 * repository with `git pack-objects` and move the ref with git's lock protocol: `git push` of
 * 1,000 runs spends ~190 ms in three processes (pack-objects streaming to index-pack, which
 * re-hashes every object, then a connectivity walk over them), the direct write ~40 ms.
 * Anything a direct write could not honour the way git's transport would — hooks to run,
 * settings that change how objects are received, an unusual repository layout — sends the
 * work back to the system git.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isGitTrackError } from '../errors.js';
import type { Env } from '../env.js';
import { globalConfigPaths, readGitConfig, readGitConfigFile, type GitConfig } from '../git/config.js';
import { isAncestor } from '../git/ancestry.js';
import { readRef, updateRef } from '../git/refs.js';
import type { Repo } from '../git/repo.js';
import { RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { ARTIFACTS_REF, type Remote } from './remote.js';
import { setTrackingRef } from './sync-state.js';
import { isRunnableHook } from '../git/hooks.js';
import { declaredObjectFormat, objectFormatMismatch } from './format-mismatch.js';
import { INCOMING_PREFIX, incomingTips, refsUnder, type IncomingTip } from './incoming.js';
import { deleteRefs, mirrorTrackingRefs } from './tracking-refs.js';
import { reachesNearby } from './nearby-ancestor.js';
import { collectGarbageIfNeeded, packInto } from './pack-into.js';
import type { EitherOutcome } from './transport.js';

/** The git directory of a remote we can read (and, for a push, write) directly. */
export interface LocalRemote {
  gitDir: string;
  /** Its own `config` file. */
  config: GitConfig;
}

export interface LocalTips {
  runs: string | null;
  artifacts: string | null;
  incoming: IncomingTip[];
}

/** Hooks git's receive-pack would run; a remote with any of them gets a real `git push`. */
const RECEIVE_HOOKS = ['pre-receive', 'update', 'post-receive', 'post-update', 'reference-transaction', 'proc-receive', 'push-to-checkout'];

/**
 * The remote's repository when it is a local one we can use directly, else null (use git).
 *
 * @example
 * localRemote(repo, env, remote, 'push')?.gitDir; // '/srv/git/churn.git', or undefined: use git
 */
export function localRemote(repo: Repo, env: Env, remote: Remote, purpose: 'fetch' | 'push'): LocalRemote | null {
  // Objects elsewhere (GIT_OBJECT_DIRECTORY, alternates from the environment): git's transport knows where.
  if (Object.keys(repo.gitVars).length > 0) return null;
  if (env.vars.GIT_CONFIG_PARAMETERS || env.vars.GIT_CONFIG_COUNT) return null;
  const settings = userConfigLayers(env);
  if (settings.some(hasIncludes)) return null;
  const path = remotePath(repo, remote, purpose, settings);
  if (!path) return null;
  const gitDir = repositoryAt(path, purpose);
  if (!gitDir) return null;
  const own = readGitConfig(gitDir);
  const theirs = declaredObjectFormat(own);
  if (theirs && theirs !== repo.format.objectFormat) throw objectFormatMismatch(remote.label, repo.format.objectFormat, theirs.name);
  if (hasIncludes(own)) return null;
  const layers = [...settings, own];
  const last = (key: string) => layers.map((c) => c.get(key)).filter((v) => v !== undefined).at(-1);
  if (Number(own.get('core.repositoryformatversion') ?? 0) > 1) return null;
  // Reftable refs, partial clones, …: layouts our ref code does not write. The object format
  // (the same as ours, checked above) is the one extension a direct write handles.
  if (own.keys().some((k) => k.startsWith('extensions.') && k !== 'extensions.objectformat')) return null;
  if (existsSync(join(gitDir, 'shallow'))) return null;
  if (purpose === 'push') {
    if (existsSync(join(gitDir, 'objects', 'info', 'alternates'))) return null;
    if (last('core.hookspath') !== undefined || RECEIVE_HOOKS.some((h) => isRunnableHook(join(gitDir, 'hooks', h)))) return null;
    if (isTrue(last('receive.fsckobjects') ?? last('transfer.fsckobjects'))) return null;
    if (last('core.sharedrepository') !== undefined) return null;
    const logs = last('core.logallrefupdates');
    if (logs !== undefined && logs !== 'false') return null;
    if (!isWritable(join(gitDir, 'objects', 'pack')) || !isWritable(join(gitDir, 'refs', 'heads'))) return null;
  }
  return { gitDir, config: own };
}

/**
 * Copy what we lack of the remote's `runs` and artifacts refs into our object store and set
 * the tracking refs, as `git fetch` with our refspecs would.
 *
 * @example
 * const tips = await fetchLocal(ctx, remote, local); // { runs: '9fce…', artifacts: null }
 */
export async function fetchLocal(ctx: TrackerContext, remote: Remote, local: LocalRemote): Promise<LocalTips> {
  const incomingRefs = refsUnder(local.gitDir, INCOMING_PREFIX);
  const tips = { runs: readRef(local.gitDir, RUNS_REF), artifacts: readRef(local.gitDir, ARTIFACTS_REF), incoming: incomingTips(incomingRefs, INCOMING_PREFIX) };
  const wanted = [...new Set([tips.runs, tips.artifacts, ...incomingRefs.values()])].filter((t): t is string => t !== null && !ctx.store.has(t));
  if (wanted.length > 0) {
    await packInto(ctx.env, ctx.store.format, ctx.repo.commonDir, join(local.gitDir, 'objects'), wanted, `fetching from ${remote.label}`);
  }
  await setTrackingRef(ctx, remote.runsTracking, tips.runs);
  await setTrackingRef(ctx, remote.artifactsTracking, tips.artifacts);
  await mirrorTrackingRefs(ctx, incomingRefs, INCOMING_PREFIX, remote.incomingTracking);
  return tips;
}

/**
 * Send objects to the remote as packs written straight into it, then move each ref with a
 * compare-and-swap under git's lock, artifacts before runs (a pointer never arrives before
 * its bytes). The objects of `early` start now; `finish` sends what else its updates need.
 * 'rejected' when a remote ref is not an ancestor of ours or moves meanwhile: fetch, merge
 * and try again, exactly as after a rejected `git push`.
 *
 * @example
 * const push = beginLocalPush(ctx, remote, local, [{ ref: 'refs/heads/runs', oid: tip }]);
 * await push.finish([{ ref: 'refs/heads/runs', oid: tip }]); // 'pushed'
 */
export function beginLocalPush(
  ctx: TrackerContext,
  remote: Remote,
  local: LocalRemote,
  early: RefUpdateSpec[],
): { finish(updates: RefUpdateSpec[]): Promise<'pushed' | 'rejected'>; finishOrQueue(primary: RefUpdateSpec[], queue: RefUpdateSpec[]): Promise<EitherOutcome> } {
  /** The remote's value of each ref we send, read before its objects go (the compare-and-swap's expectation). */
  const before = new Map<string, string | null>();
  const sent = new Map<string, string>();
  /** Tips whose objects are already in a pack written into the remote. */
  const packed = new Set<string>();
  const send = async (updates: RefUpdateSpec[]): Promise<boolean> => {
    for (const u of updates) {
      if (u.oid === null) continue;
      const theirs = readRef(local.gitDir, u.ref);
      before.set(u.ref, theirs);
      if (theirs === null || theirs === u.oid) continue;
      if (!ctx.store.has(theirs)) return false;
      if (!reachesNearby(ctx, u.oid, theirs) && !(await isAncestor(ctx.repo, ctx.env, theirs, u.oid))) return false;
    }
    const oids = [...new Set(updates.flatMap((u) => (u.oid === null || packed.has(u.oid) ? [] : [u.oid])))];
    if (oids.length > 0) await packInto(ctx.env, ctx.store.format, local.gitDir, ctx.repo.objectsDir, oids, `pushing to ${remote.label}`);
    for (const oid of oids) packed.add(oid);
    for (const u of updates) if (u.oid !== null) sent.set(u.ref, u.oid);
    return true;
  };
  const started = send(early);
  started.catch(() => {}); // awaited in finish; the caller may never get there (a refused artifact)
  /** Send what `updates` need and move them (artifacts before runs); false when one was refused or moved. */
  const move = async (updates: RefUpdateSpec[], landed: string[]): Promise<boolean> => {
    if (!(await send(updates.filter((u) => sent.get(u.ref) !== u.oid)))) return false;
    // Artifacts before runs (a pointer never arrives before its bytes).
    const moves = updates.flatMap((u) => (u.oid === null ? [] : [{ ref: u.ref, oid: u.oid }]));
    const last = (ref: string) => Number(ref === RUNS_REF || ref.endsWith('/runs'));
    const ordered = moves.sort((a, b) => last(a.ref) - last(b.ref));
    for (const u of ordered) {
      const expected = before.get(u.ref) ?? null;
      if (expected !== u.oid) {
        try {
          updateRef(local.gitDir, { name: u.ref, oid: u.oid, expected });
        } catch (err) {
          if (isGitTrackError(err, 'REF_MOVED') || isGitTrackError(err, 'LOCK_TIMEOUT')) return false;
          throw err;
        }
      }
      landed.push(u.ref);
    }
    return true;
  };
  return {
    async finish(updates) {
      if (!(await started)) return 'rejected';
      if (!(await move(updates, []))) return 'rejected';
      // Deletions of folded writers' refs only once `runs` holds what they held.
      await deleteRefs(ctx.env, local.gitDir, updates.flatMap((u) => (u.oid === null ? [{ ref: u.ref, expected: u.expected! }] : [])));
      await collectGarbageIfNeeded(ctx, local);
      return 'pushed';
    },
    async finishOrQueue(primary, queue) {
      const landed: string[] = [];
      // Refused early (`runs` moved to a tip we lack): nothing was packed, the queue sends it.
      if ((await started) && (await move(primary, landed))) {
        await collectGarbageIfNeeded(ctx, local);
        return { status: 'pushed', landed };
      }
      const status = (await move(queue, landed)) ? 'queued' : 'rejected';
      if (landed.length > 0) await collectGarbageIfNeeded(ctx, local);
      return { status, landed };
    },
  };
}

interface RefUpdateSpec {
  ref: string;
  oid: string | null;
  expected?: string;
}

/** The local path a remote names, or null for a network URL or a remote git would rewrite. */
function remotePath(repo: Repo, remote: Remote, purpose: 'fetch' | 'push', settings: GitConfig[]): string | null {
  let url = remote.target;
  const config = readGitConfig(repo.commonDir);
  if (remote.label === remote.target && config.get(`remote.${remote.target}.url`) !== undefined) {
    // `url.<base>.insteadOf` rewrites and multiple push URLs are git's business.
    if ([...settings, config].some((c) => c.keys().some((k) => /^url\..*\.(insteadof|pushinsteadof)$/.test(k)))) return null;
    const urls = config.getAll(`remote.${remote.target}.url`);
    const pushUrls = config.getAll(`remote.${remote.target}.pushurl`);
    const chosen = purpose === 'push' && pushUrls.length > 0 ? pushUrls : urls;
    if (chosen.length !== 1) return null;
    url = chosen[0]!;
  }
  if (/^file:\/\//i.test(url)) {
    try {
      return fileURLToPath(url);
    } catch {
      return null;
    }
  }
  // A path has no scheme and no scp-like `host:path`; a relative one is the repo's directory's.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]*:/.test(url)) return null;
  return resolve(repo.workTree ?? repo.gitDir, url);
}

/** The git dir at `path`: a bare repository, or (to fetch from) a working tree's `.git`. */
function repositoryAt(path: string, purpose: 'fetch' | 'push'): string | null {
  const candidates = purpose === 'fetch' ? [path, join(path, '.git')] : [path];
  for (const dir of candidates) {
    if (isDir(join(dir, 'objects')) && isDir(join(dir, 'refs')) && existsSync(join(dir, 'HEAD'))) {
      if (purpose === 'push' && readGitConfig(dir).get('core.bare') !== 'true') return null;
      return dir;
    }
  }
  return null;
}

/** The system and user config files git reads for every repository. */
function userConfigLayers(env: Env): GitConfig[] {
  const system = env.vars.GIT_CONFIG_NOSYSTEM ? [] : [env.vars.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig'];
  const global = env.vars.GIT_CONFIG_GLOBAL !== undefined ? [env.vars.GIT_CONFIG_GLOBAL] : globalConfigPaths(env.vars);
  return [...system, ...global].filter(Boolean).map((f) => readGitConfigFile(f));
}

function hasIncludes(config: GitConfig): boolean {
  return config.keys().some((k) => k === 'include.path' || k.startsWith('includeif.'));
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(true|yes|on|1)$/i.test(value);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
