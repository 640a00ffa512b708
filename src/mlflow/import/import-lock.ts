/**
 * One import of a given MLflow store at a time per repository: a second `git-track import
 * mlflow` of the same store waits for the first, then finds its runs imported and adds only
 * what is left, instead of writing every run a second time.
 *
 * The lock is a file `<git-dir>/git-track/locks/mlflow-import-<hash of the store>.lock`
 * created with O_EXCL, naming its owner (pid, host, process start time). A lock whose owner
 * died (a killed import) is stale: the next import removes it and goes on, so a crash never
 * blocks imports. Removing a stale lock is done under a second, short-lived lock, so two
 * waiters that both saw it stale never remove the fresh lock one of them took meanwhile.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isOwnerAlive, processStartTicks } from '../../capture/liveness.js';
import { systemCode } from '../../errors.js';
import { mkdirState } from '../../git/state-perm.js';
import { MLFLOW_IMPORT_LOCK_POLL_MS, STALE_LOCK_BREAKER_MS } from '../../limits.js';
import type { TrackerContext } from '../../tracker-context.js';

interface Owner {
  pid: number;
  hostname: string;
  startTicks?: string;
  source: string;
}

/**
 * Take the import lock of the store `key` (waiting while a live import holds it); resolves
 * to the function that releases it.
 *
 * @example
 * const release = await lockImport(ctx, realpathSync(root), 'mlruns');
 * try { ... } finally { release(); }
 */
export async function lockImport(ctx: TrackerContext, key: string, label: string): Promise<() => void> {
  const dir = join(ctx.repo.stateDir, 'locks');
  mkdirState(dir);
  const path = join(dir, `mlflow-import-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.lock`);
  const me: Owner = { pid: process.pid, hostname: hostname(), source: label, ...optional(processStartTicks(process.pid)) };
  let told = false;
  for (;;) {
    if (tryCreate(path, me)) break;
    const owner = readOwner(path);
    if (owner === 'gone') continue;
    const age = Date.now() - mtimeOf(path);
    if (owner ? !isOwnerAlive(owner, mtimeOf(path)) : age > STALE_LOCK_BREAKER_MS) {
      breakStale(path, owner);
      continue;
    }
    if (owner && !told) {
      ctx.env.warn(`another import of ${label} is running (pid ${owner.pid}); waiting for it to finish`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, MLFLOW_IMPORT_LOCK_POLL_MS));
  }
  return () => {
    // Only our own lock: never one a waiter took after judging ours stale.
    const owner = readOwner(path);
    if (owner && owner !== 'gone' && owner.pid === me.pid && owner.hostname === me.hostname) unlinkSync(path);
  };
}

function tryCreate(path: string, owner: Owner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if (systemCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The lock's owner; undefined when unreadable (a lock being written, or garbage); 'gone' when the file went away. */
function readOwner(path: string): Owner | undefined | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const o = JSON.parse(text) as Owner;
    return Number.isInteger(o.pid) && o.pid > 0 && typeof o.hostname === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}

/**
 * Remove a stale lock, under the breaker lock, and only if it still names the dead owner seen
 * (an unreadable lock only once it is older than the breaker's grace: it may be being written).
 */
function breakStale(path: string, seen: Owner | undefined): void {
  const breaker = `${path}.break`;
  let fd: number;
  try {
    fd = openSync(breaker, 'wx', 0o644);
  } catch (err) {
    if (systemCode(err) !== 'EEXIST') throw err;
    // A breaker left by a process killed in these few lines.
    if (Date.now() - mtimeOf(breaker) > STALE_LOCK_BREAKER_MS) unlinkQuiet(breaker);
    return;
  }
  try {
    closeSync(fd);
    const now = readOwner(path);
    if (now === 'gone') return;
    const same = now === undefined ? seen === undefined && Date.now() - mtimeOf(path) > STALE_LOCK_BREAKER_MS : seen !== undefined && now.pid === seen.pid && now.hostname === seen.hostname && now.startTicks === seen.startTicks;
    if (same) unlinkQuiet(path);
  } finally {
    unlinkQuiet(breaker);
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (systemCode(err) !== 'ENOENT') throw err;
  }
}

function optional(ticks: string | undefined): { startTicks?: string } {
  return ticks === undefined ? {} : { startTicks: ticks };
}
