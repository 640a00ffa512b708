/**
 * Asking git for an object our own reader cannot reach: in a partial clone
 * (`--filter=blob:none`, `tree:0`) git fetches a missing object from the promisor remote on
 * demand, which only git knows how to do. git stores what it fetched in the object
 * directory, where our reader then finds it: no object content passes through a pipe, so a
 * size check still comes before the bytes are read.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GitTrackError } from '../errors.js';
import type { Env } from '../env.js';

/**
 * Have git make `oid` present locally (fetching it from the promisor remote); false when git
 * cannot find it either.
 *
 * @example
 * if (fetchViaGit(repo.gitDir, env, oid)) store.read(oid);
 */
export function fetchViaGit(gitDir: string, env: Env, oid: string): boolean {
  const r = spawnSync(env.gitBinary, ['cat-file', '-e', oid], {
    cwd: gitDir,
    env: { ...env.vars, GIT_DIR: gitDir, GIT_TERMINAL_PROMPT: '0' } as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
  if (r.error) throw new GitTrackError('GIT_FAILED', `git cat-file could not fetch object ${oid}: ${r.error.message}`, { oid });
  return r.status === 0;
}

/**
 * Have git build the index of a pack that lost it (see orphan-packs.ts); false when git
 * cannot read the pack either.
 *
 * @example
 * indexPackViaGit(repo.gitDir, env, '/repo/.git/objects/pack/pack-1a2b….pack');
 */
export function indexPackViaGit(gitDir: string, env: Env, packPath: string): boolean {
  // `git index-pack` writes the index in place, where another process could open it half
  // written: have it write a temp file (a name gc leaves alone), renamed in once whole.
  const temp = join(dirname(packPath), `.git-track-${randomBytes(8).toString('hex')}.tmp`);
  const r = spawnSync(env.gitBinary, ['index-pack', '-o', temp, packPath], {
    cwd: gitDir,
    env: { ...env.vars, GIT_DIR: gitDir } as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
  try {
    if (r.error || r.status !== 0 || !existsSync(packPath)) return false;
    renameSync(temp, `${packPath.slice(0, -'.pack'.length)}.idx`);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(temp, { force: true });
  }
}
