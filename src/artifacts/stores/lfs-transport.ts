/**
 * The git settings the LFS transport honours as git and git-lfs do, read through `git config`
 * itself (so `~/.gitconfig`, includes and `http.<url>.*` matching behave exactly as in git):
 *  - `lfs.concurrenttransfers`: objects sent or fetched at once (git-lfs's default, 8);
 *  - the proxy of an LFS URL: `remote.<name>.proxy` (empty turns it off), then
 *    `http.<url>.proxy` / `http.proxy`, then the environment (proxy.ts).
 */
import type { Env } from '../../env.js';
import { GitTrackError, quoteInput } from '../../errors.js';
import { readGitConfig } from '../../git/config.js';
import type { Repo } from '../../git/repo.js';
import { runGit } from '../../git/system-git.js';
import { LFS_CONCURRENT_TRANSFERS, MAX_STORE_CONCURRENCY } from '../../limits.js';
import type { Remote } from '../../sync/remote.js';
import { pickProxy, withoutCredentials, type Proxy } from './proxy.js';

/**
 * `lfs.concurrenttransfers`, or git-lfs's default; at most {@link MAX_STORE_CONCURRENCY}.
 *
 * @example
 * await lfsConcurrency(repo, env); // 8
 */
export async function lfsConcurrency(repo: Repo, env: Env): Promise<number> {
  const raw = await gitConfigValue(repo, env, ['--get', 'lfs.concurrenttransfers']);
  if (raw === undefined) return LFS_CONCURRENT_TRANSFERS;
  return concurrencyValue(raw, 'lfs.concurrenttransfers');
}

/**
 * A concurrency setting: a whole number of at least 1, capped at {@link MAX_STORE_CONCURRENCY}.
 *
 * @example
 * concurrencyValue('16', 'gittrack.store.concurrency'); // 16
 */
export function concurrencyValue(raw: string, name: string): number {
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new GitTrackError('BAD_INPUT', `${name}: not a whole number of at least 1: ${quoteInput(raw)}`, { name });
  return Math.min(n, MAX_STORE_CONCURRENCY);
}

/**
 * The proxy for a request to `href` on `remote`'s LFS server, or null.
 *
 * @example
 * await lfsProxyFor(repo, env, remote, 'https://git.example.com/team/x.git/info/lfs/objects/batch');
 */
export async function lfsProxyFor(repo: Repo, env: Env, remote: Remote | null, href: string): Promise<Proxy | null> {
  const url = new URL(href);
  const name = remote && readGitConfig(repo.commonDir).get(`remote.${remote.target}.url`) !== undefined ? remote.target : null;
  const forRemote = name ? await gitConfigValue(repo, env, ['--get', `remote.${name}.proxy`]) : undefined;
  if (forRemote !== undefined) return pickProxy(url, env.vars, { value: forRemote, source: `remote.${name}.proxy` });
  url.username = '';
  url.password = '';
  const forUrl = await gitConfigValue(repo, env, ['--get-urlmatch', 'http.proxy', url.href]);
  if (forUrl !== undefined) return pickProxy(url, env.vars, { value: forUrl, source: 'http.proxy' });
  return pickProxy(url, env.vars);
}

/** One git config value, or undefined when it is not set. */
async function gitConfigValue(repo: Repo, env: Env, args: string[]): Promise<string | undefined> {
  const r = await runGit(['config', ...args], { cwd: repo.workTree ?? repo.gitDir, env, allowFailure: true });
  if (r.code === 1) return undefined;
  if (r.code !== 0) throw new GitTrackError('GIT_FAILED', `git config ${args.at(-1)}: ${withoutCredentials(r.stderr.trim().split('\n')[0] ?? '')}`, {});
  return r.stdout.replace(/\n$/, '');
}
