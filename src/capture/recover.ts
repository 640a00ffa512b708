/**
 * Runs in progress and runs left behind. A staging dir whose owner is alive is a running run
 * (shown by `list`); one whose owner died without recording it (a reboot, `kill -9` of
 * git-track or of a program using the library) is recorded as `killed` with what it held.
 * Called by `run`, `list`, `log` and `recover`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isValidName } from '../manifest/names.js';
import type { TrackerContext } from '../tracker-context.js';
import { isOwnerAlive } from './liveness.js';
import type { RecordResult } from './record-staged.js';
import { listStaging, readState, STREAM_FILE, type RunState } from './staging.js';
import { END_FILE } from './program-files.js';

/** A run whose owner is still working on it. */
export interface RunningRun {
  state: RunState;
  dir: string;
  /** Latest value of each metric reported so far. */
  metrics: Record<string, number>;
  lastActivity: Date;
}

export interface RecoverResult {
  recovered: RecordResult[];
  /** Runs their program ended itself (`end.json`) while it goes on: recorded, not abandoned. */
  recorded: RecordResult[];
  running: RunningRun[];
  /** Staging dirs that could not be recorded, with the reason (kept for a later try). */
  failed: { dir: string; error: string }[];
}

/**
 * Record every abandoned staging dir as `killed` (a claimed one with the outcome its recorder
 * had) and return the runs still in progress.
 *
 * @example
 * const { recovered, running } = await recoverStale(ctx);
 */
export async function recoverStale(ctx: TrackerContext, options: { nowMs?: number } = {}): Promise<RecoverResult> {
  const result: RecoverResult = { recovered: [], recorded: [], running: [], failed: [] };
  const nowMs = options.nowMs ?? Date.now();
  const entries = listStaging(ctx.repo);
  if (entries.length === 0) return result;
  // Recording reads and writes manifests: its modules (zod among them) load only when some
  // staging dir exists, not on every `log` and `list`.
  const { readClaim, recordClaimed, recordStaged } = await import('./record-staged.js');
  for (const entry of entries) {
    try {
      const lastActivity = lastActivityMs(entry.dir);
      if (entry.claimed) {
        const claim = readClaim(entry.dir);
        if (claim && isOwnerAlive(claim, lastActivity, nowMs)) continue;
        const state = readState(entry.dir);
        const outcome = claim?.outcome ?? { status: 'killed' as const, durationS: state ? (lastActivity - Date.parse(state.started)) / 1000 : 0 };
        result.recovered.push(await recordClaimed(ctx, entry.dir, outcome));
        continue;
      }
      const state = readState(entry.dir);
      // No state yet: the owner is between creating the dir and writing run.json.
      if (!state) continue;
      if (isOwnerAlive(state, lastActivity, nowMs)) {
        // A program that ended a run it owns (the Python helper outside `git-track run`, or a
        // later run of a program under it) has said all it will: record it now. The process's
        // own run of `git-track run` waits for the program to exit.
        if (state.owner === 'api' && existsSync(join(entry.dir, END_FILE))) {
          const recorded = await recordStaged(ctx, entry.dir, { status: 'finished', durationS: 0 });
          if (recorded) result.recorded.push(recorded);
          continue;
        }
        result.running.push({ state, dir: entry.dir, metrics: latestMetrics(entry.dir), lastActivity: new Date(lastActivity) });
        continue;
      }
      const durationS = Math.max(0, (lastActivity - Date.parse(state.started)) / 1000);
      const recorded = await recordStaged(ctx, entry.dir, { status: 'killed', durationS });
      if (recorded) result.recovered.push(recorded);
    } catch (err) {
      result.failed.push({ dir: entry.dir, error: (err as Error).message });
    }
  }
  return result;
}

/**
 * The runs in progress, read only: unlike {@link recoverStale} nothing is recorded, so a
 * reader that must not write (the dashboard) can show what `list` shows. Staging dirs whose
 * owner is gone are left for the next `list`, `log` or `recover` to record.
 *
 * @example
 * runningRuns(ctx).map((r) => r.state.id);
 */
export function runningRuns(ctx: TrackerContext, nowMs = Date.now()): RunningRun[] {
  const out: RunningRun[] = [];
  for (const entry of listStaging(ctx.repo)) {
    if (entry.claimed) continue;
    try {
      const state = readState(entry.dir);
      const lastActivity = lastActivityMs(entry.dir);
      if (!state || !isOwnerAlive(state, lastActivity, nowMs)) continue;
      if (state.owner === 'api' && existsSync(join(entry.dir, END_FILE))) continue;
      out.push({ state, dir: entry.dir, metrics: latestMetrics(entry.dir), lastActivity: new Date(lastActivity) });
    } catch {
      // Vanished or half-written while looking: it is recorded or about to be.
    }
  }
  return out;
}

/** The newest modification time among the dir and its top-level files. */
function lastActivityMs(dir: string): number {
  let newest = 0;
  try {
    newest = statSync(dir).mtimeMs;
    for (const name of readdirSync(dir)) newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  } catch {
    // Vanished while looking: another process recorded it.
  }
  return newest;
}

/** Latest step values from the end of the stream (the last 64 KiB is plenty for a table row). */
function latestMetrics(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  let text: string;
  try {
    const buf = readFileSync(join(dir, STREAM_FILE));
    text = buf.subarray(Math.max(0, buf.length - 65536)).toString('utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    try {
      const e = JSON.parse(line) as { name?: unknown; value?: unknown };
      if (typeof e.name === 'string' && isValidName(e.name) && typeof e.value === 'number' && Number.isFinite(e.value)) out[e.name] = e.value;
    } catch {
      // A partial first or last line.
    }
  }
  return out;
}
