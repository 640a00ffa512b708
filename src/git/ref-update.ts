/**
 * Moving a ref the way git would in this repository. The in-process lock + rename of
 * {@link updateRef} is git's files-backend protocol exactly, so it is kept for the plain case;
 * whenever git would do more than that — run a `reference-transaction` hook, apply
 * `core.sharedRepository` modes, follow a symbolic ref to its target, log by a
 * `core.logAllRefUpdates` other than the default, or read config we cannot (includes,
 * `-c` settings) — the update is handed to `git update-ref` with the same compare-and-swap.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GitTrackError, systemCode } from '../errors.js';
import type { Env } from '../env.js';
import { globalConfigPaths, readGitConfigFile, type GitConfig } from './config.js';
import { shouldCreateReflog, updateRef, type RefUpdate } from './refs.js';
import type { Repo } from './repo.js';
import { isRunnableHook } from './hooks.js';

/** How refs of one repository are updated. */
interface RefSettings {
  /** Why `git update-ref` must do it, or null for the in-process path. */
  viaGit: string | null;
  logAllRefUpdates: string | undefined;
}

const settingsOf = new WeakMap<Repo, RefSettings>();

/**
 * Move a ref from `update.expected` to `update.oid` as git would, or throw: `REF_MOVED`
 * (another writer got there first), `LOCK_TIMEOUT` (the lock is held), `CONFLICT` (a ref
 * name git cannot have beside an existing one), `GIT_FAILED` (a hook refused).
 *
 * @example
 * moveRef(ctx.repo, ctx.env, { name: 'refs/heads/runs', oid: tip, expected: old, reflog });
 */
export function moveRef(repo: Repo, env: Env, update: RefUpdate): void {
  let settings = settingsOf.get(repo);
  if (!settings) settingsOf.set(repo, (settings = refSettings(repo, env)));
  if (settings.viaGit || isSymbolic(repo.commonDir, update.name)) return updateWithGit(repo, env, update);
  updateRef(repo.commonDir, { ...update, createReflog: shouldCreateReflog(update.name, settings.logAllRefUpdates, repo.workTree === null) });
}

/** The settings that decide between the in-process path and `git update-ref`. */
function refSettings(repo: Repo, env: Env): RefSettings {
  const vars = env.vars;
  if (vars.GIT_CONFIG_PARAMETERS || vars.GIT_CONFIG_COUNT) return { viaGit: 'command-line config', logAllRefUpdates: undefined };
  const system = vars.GIT_CONFIG_NOSYSTEM ? [] : [vars.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig'];
  const global = vars.GIT_CONFIG_GLOBAL !== undefined ? [vars.GIT_CONFIG_GLOBAL] : globalConfigPaths(vars);
  const layers: GitConfig[] = [...[...system, ...global].filter(Boolean).map((f) => readGitConfigFile(f)), repo.config];
  const last = (key: string): string | undefined => layers.map((c) => c.get(key)).filter((v) => v !== undefined).at(-1);
  const logAllRefUpdates = last('core.logallrefupdates');
  const viaGit = ((): string | null => {
    if (layers.some((c) => c.keys().some((k) => k === 'include.path' || k.startsWith('includeif.')))) return 'config includes';
    if (last('core.sharedrepository') !== undefined) return 'core.sharedRepository';
    if (logAllRefUpdates !== undefined && !/^(true|yes|on|1)$/i.test(logAllRefUpdates)) return 'core.logAllRefUpdates';
    const hooksPath = last('core.hookspath');
    const hooksDir = hooksPath === undefined ? join(repo.commonDir, 'hooks') : resolve(repo.workTree ?? repo.gitDir, expandHome(hooksPath, vars.HOME));
    if (isRunnableHook(join(hooksDir, 'reference-transaction'))) return 'reference-transaction hook';
    return null;
  })();
  return { viaGit, logAllRefUpdates };
}

function updateWithGit(repo: Repo, env: Env, update: RefUpdate): void {
  const args = ['update-ref'];
  if (update.reflog) args.push('-m', update.reflog.message);
  args.push(update.name, update.oid, update.expected ?? repo.format.objectFormat.zero);
  const r = spawnSync(env.gitBinary, args, {
    cwd: repo.workTree ?? repo.gitDir,
    env: { ...env.vars, ...repo.gitVars, GIT_TERMINAL_PROMPT: '0' } as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
  if (r.error) {
    if (systemCode(r.error) === 'ENOENT') throw new GitTrackError('GIT_MISSING', `git is not installed or not on PATH (looked for '${env.gitBinary}')`);
    throw new GitTrackError('GIT_FAILED', `git update-ref: ${r.error.message}`);
  }
  if (r.status === 0) return;
  const lines = r.stderr.split('\n').map((l) => l.replace(/^(fatal|error):\s*/, '').trim()).filter(Boolean);
  const text = lines.join(' ');
  const data = { name: update.name, expected: update.expected, stderr: r.stderr };
  if (/\.lock': File exists/.test(text)) throw new GitTrackError('LOCK_TIMEOUT', `${update.name} is locked: another process is updating it`, data);
  const name = /'([^']+)' exists; cannot create/.exec(text);
  if (name) throw new GitTrackError('CONFLICT', `cannot create '${update.name}': '${name[1]}' exists, and git cannot have both (rename or delete '${name[1]}' first)`, data);
  if (/but expected|unable to resolve reference|reference already exists/.test(text)) {
    throw new GitTrackError('REF_MOVED', `${update.name} moved (expected ${update.expected ?? 'nothing'})`, data);
  }
  if (/aborted by hook/.test(text)) throw new GitTrackError('GIT_FAILED', `the reference-transaction hook refused to update ${update.name}`, data);
  throw new GitTrackError('GIT_FAILED', `git update-ref ${update.name}: ${lines[0] ?? `exit ${r.status}`}`, data);
}

function isSymbolic(gitDir: string, name: string): boolean {
  try {
    return readFileSync(join(gitDir, name), 'utf8').startsWith('ref: ');
  } catch {
    return false;
  }
}


function expandHome(path: string, home: string | undefined): string {
  if (path.startsWith('~/') && home) return join(home, path.slice(2));
  return path;
}
