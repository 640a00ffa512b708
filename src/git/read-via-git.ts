/**
 * Reading one object through `git cat-file`, for objects our own reader cannot reach: in a
 * partial clone (`--filter=blob:none`, `tree:0`) git fetches a missing object from the
 * promisor remote on demand, which only git knows how to do.
 */
import { spawnSync } from 'node:child_process';
import { GitTrackError } from '../errors.js';
import type { Env } from '../env.js';
import type { GitObject, ObjectType } from './encode.js';

/**
 * The object `oid` as git reads it (fetching it if the repository is a partial clone), or
 * undefined when git does not have it either.
 *
 * @example
 * readViaGit(repo.gitDir, env, '45b983be36b73c0788dc9cbcb76cbb80fc7bb057'); // { type: 'blob', content }
 */
export function readViaGit(gitDir: string, env: Env, oid: string): GitObject | undefined {
  const r = spawnSync(env.gitBinary, ['cat-file', '--batch'], {
    cwd: gitDir,
    env: { ...env.vars, GIT_DIR: gitDir, GIT_TERMINAL_PROMPT: '0' } as NodeJS.ProcessEnv,
    input: `${oid}\n`,
    maxBuffer: 1 << 30,
  });
  if (r.error || r.status !== 0) {
    const reason = r.error?.message ?? r.stderr.toString('utf8').trim().split('\n')[0] ?? `exit ${r.status}`;
    throw new GitTrackError('GIT_FAILED', `git cat-file could not fetch object ${oid}: ${reason}`, { oid });
  }
  const out = r.stdout;
  const nl = out.indexOf(10);
  const header = /^([0-9a-f]{40}) (blob|tree|commit|tag) (\d+)$/.exec(out.toString('latin1', 0, Math.max(nl, 0)));
  if (!header || header[1] !== oid) return undefined;
  const size = Number(header[3]);
  if (out.length < nl + 1 + size) throw new GitTrackError('CORRUPT_OBJECT', `git cat-file returned a truncated object ${oid}`, { oid });
  return { type: header[2] as ObjectType, content: out.subarray(nl + 1, nl + 1 + size) };
}
