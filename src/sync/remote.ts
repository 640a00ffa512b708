/**
 * Naming a remote: a configured remote name (`origin`) or a URL / path given directly, and
 * the local refs that track what we last fetched from it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GitTrackError } from '../errors.js';
import { readGitConfig, type GitConfig } from '../git/config.js';
import { readSymbolicHead } from '../git/refs.js';
import { scrubUrl as stripCredentials } from '../git/credentials.js';
import type { Repo } from '../git/repo.js';

export const ARTIFACTS_REF = 'refs/git-track/artifacts';

export interface Remote {
  /** What git is given: the remote's name, or the URL / absolute path. */
  target: string;
  /** For messages: the name, or the URL without credentials. */
  label: string;
  /** Where the remote's `runs` is fetched to (refs/remotes/<name>/runs for a named remote). */
  runsTracking: string;
  /** Where the remote's artifacts ref is fetched to. */
  artifactsTracking: string;
  /** The remote `runs` tip we last merged or pushed: the base of the history-rewrite check. */
  seen: string;
  /** Where the remote's incoming writers' refs are fetched to (a prefix ending in `/`). */
  incomingTracking: string;
  /**
   * Set when a push put our runs on our own ref instead of `runs`: the remote tip we had seen
   * then. While {@link seen} still holds it, our view is stale, and the next push fetches.
   */
  queuedOn: string;
}

/**
 * Resolve `arg` (default: the upstream of `runs`, else that of the checked-out branch, else
 * `origin`, else the repository's only remote).
 *
 * @example
 * resolveRemote(repo, undefined, cwd).runsTracking; // 'refs/remotes/origin/runs'
 * resolveRemote(repo, '../shared.git', cwd).target; // '/home/ada/shared.git'
 */
export function resolveRemote(repo: Repo, arg: string | undefined, cwd: string): Remote {
  const config = readGitConfig(repo.commonDir);
  const name = arg ?? defaultRemote(repo, config);
  if (/^[A-Za-z0-9._-]+$/.test(name) && config.get(`remote.${name}.url`) !== undefined) {
    return {
      target: name,
      label: name,
      runsTracking: `refs/remotes/${name}/runs`,
      artifactsTracking: `refs/git-track/remotes/${name}/artifacts`,
      seen: `refs/git-track/remotes/${name}/seen`,
      incomingTracking: `refs/git-track/remotes/${name}/incoming/`,
      queuedOn: `refs/git-track/remotes/${name}/queued-on`,
    };
  }
  if (arg === undefined) {
    throw new GitTrackError('USAGE', `no remote named '${name}': give one (git-track push REMOTE) or add it (git remote add ${name} URL)`, { name });
  }
  return urlRemote(arg, cwd);
}

/**
 * A remote given by URL or path (not a configured name): paths resolve from `cwd`.
 *
 * @example
 * urlRemote('../shared.git', '/home/ada/churn').target; // '/home/ada/shared.git'
 */
export function urlRemote(arg: string, cwd: string): Remote {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(arg) || /^[^/]+@[^/:]+:/.test(arg) || /^[^/.][^/:]*:[^\\]/.test(arg);
  const local = resolve(cwd, arg);
  if (!isUrl && !existsSync(local)) {
    throw new GitTrackError('USAGE', `'${arg}' is neither a configured remote nor an existing path or URL`, { remote: arg });
  }
  const target = isUrl ? arg : local;
  const key = `url-${createHash('sha1').update(stripCredentials(target)).digest('hex').slice(0, 16)}`;
  return {
    target,
    label: stripCredentials(target),
    runsTracking: `refs/git-track/remotes/${key}/runs`,
    artifactsTracking: `refs/git-track/remotes/${key}/artifacts`,
    seen: `refs/git-track/remotes/${key}/seen`,
    incomingTracking: `refs/git-track/remotes/${key}/incoming/`,
    queuedOn: `refs/git-track/remotes/${key}/queued-on`,
  };
}

/** The remote a bare `push` or `pull` means; `origin` when nothing says otherwise. */
function defaultRemote(repo: Repo, config: GitConfig): string {
  const head = readSymbolicHead(repo.gitDir)?.replace(/^refs\/heads\//, '');
  const upstream = config.get('branch.runs.remote') ?? (head ? config.get(`branch.${head}.remote`) : undefined);
  // `.` is git's name for the repository itself: not somewhere to share runs with.
  if (upstream !== undefined && upstream !== '.') return upstream;
  if (config.get('remote.origin.url') !== undefined) return 'origin';
  const remotes = [...new Set(config.keys().filter((k) => /^remote\..+\.url$/.test(k)).map((k) => k.slice('remote.'.length, -'.url'.length)))];
  return remotes.length === 1 ? remotes[0]! : 'origin';
}
