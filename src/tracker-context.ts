/**
 * The handle every library operation works on: the repository, its object store and the Env.
 */
import { defaultEnv, type Env } from './env.js';
import { ObjectStore } from './git/objects.js';
import { findRepo, type Repo } from './git/repo.js';
import { join } from 'node:path';

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
  const repo = findRepo(options.dir);
  return { repo, store: new ObjectStore(join(repo.commonDir, 'objects')), env: options.env ?? defaultEnv() };
}
