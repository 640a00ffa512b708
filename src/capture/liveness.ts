/**
 * Is the process that owns a run still there? A pid alone is not enough: after a reboot the
 * pid may belong to someone else. On Linux the process start time (field 22 of
 * /proc/<pid>/stat) is kept with the pid and compared.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { systemCode } from '../errors.js';

/** How long a run owned by another host may stay silent before it counts as dead. */
export const FOREIGN_STALE_MS = 24 * 3600 * 1000;

/**
 * The start time of a process in clock ticks since boot, or undefined off Linux.
 *
 * @example
 * processStartTicks(process.pid); // '123456'
 */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * True when the owner of a run is alive: same host, pid alive, and the same process (start
 * time) when that can be checked. A run owned by another host (a shared filesystem) is
 * presumed alive until it has been silent for {@link FOREIGN_STALE_MS}.
 *
 * @example
 * isOwnerAlive({ pid: 1234, hostname: 'gpu-3', startTicks: '99' }, lastActivityMs);
 */
export function isOwnerAlive(owner: { pid: number; hostname: string; startTicks?: string }, lastActivityMs: number, nowMs = Date.now()): boolean {
  if (owner.hostname !== hostname()) return nowMs - lastActivityMs < FOREIGN_STALE_MS;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if (systemCode(err) !== 'EPERM') return false;
  }
  if (owner.startTicks === undefined) return true;
  const now = processStartTicks(owner.pid);
  return now === undefined || now === owner.startTicks;
}
