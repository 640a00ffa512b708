/**
 * The handle every library operation works on: the repository, its object store and the Env.
 */
import { defaultEnv, type Env } from './env.js';
import { ObjectStore } from './git/objects.js';
import { findRepo, type Repo } from './git/repo.js';
import { globalConfigPaths, readGitConfigFile } from './git/config.js';
import { fetchViaGit, indexPackViaGit } from './git/fetch-via-git.js';
import { sharedPerm } from './git/shared-perm.js';

export interface TrackerContext {
  repo: Repo;
  store: ObjectStore;
  env: Env;
}

/**
 * Open the repository containing `dir`.
 *
 * @example
 * const ctx = openContext({ dir: '/home/ada/churn' });
 */
export function openContext(options: { dir: string; env?: Env }): TrackerContext {
  const given = options.env ?? defaultEnv();
  const repo = findRepo(options.dir, { vars: given.vars, gitBinary: given.gitBinary });
  // git processes we start must find the same repository from whatever cwd they run in.
  const env = Object.keys(repo.gitVars).length === 0 ? given : { ...given, vars: { ...given.vars, ...repo.gitVars } };
  const store = new ObjectStore(repo.objectsDir, {
    format: repo.format.objectFormat,
    fsync: wantsObjectFsync(repo, env),
    alternates: repo.alternates,
    fetchMissing: repo.format.partialClone ? (oid) => fetchViaGit(repo.gitDir, env, oid) : undefined,
    reindexPack: (pack) => indexPackViaGit(repo.gitDir, env, pack),
    sharedPerm: sharedPerm(repo.config),
  });
  return { repo, store, env };
}

/**
 * Whether loose objects are fsynced before the ref moves. We follow git's own setting: by
 * default git does not fsync loose objects (only the ref update is made durable), and with
 * `core.fsyncObjectFiles=true` or a `core.fsync` naming loose objects it does. Measured on
 * this project's machines, fsyncing the ~6 objects of a run (and their directories) is the
 * largest single cost of a log (~1–6 ms), so it is paid only by users who asked git for it.
 */
function wantsObjectFsync(repo: Repo, env: Env): boolean {
  const layers = [...globalConfigPaths(env.vars).map(readGitConfigFile), repo.config];
  let wanted = false;
  for (const config of layers) {
    const legacy = config.get('core.fsyncObjectFiles');
    if (legacy !== undefined) wanted = legacy === 'true' || legacy === 'yes' || legacy === '1';
    const components = config.get('core.fsync');
    if (components !== undefined) wanted = /\b(loose-object|objects|committed|added|all)\b/.test(components);
  }
  return wanted;
}
