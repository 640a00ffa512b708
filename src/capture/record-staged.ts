/**
 * Recording a staging dir as a run: the one code path behind `git-track run`, the library's
 * `run.finish()` and crash recovery.
 *
 * Exactly-once: the dir is first claimed by an atomic rename to `<id>.recording` (with a
 * `claim.json` saying who and how the run ended), the branch is checked for the run id, and
 * {@link logRun} writes with the id fixed, refusing (`CONFLICT`) if it is already there. The
 * dir is removed only after the run commit landed, so a crash at any point leaves either the
 * run on the branch or a dir that the next recovery records.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { GitTrackError, isGitTrackError } from '../errors.js';
import { logRun, type LogRunResult } from '../runs/log-run.js';
import { findRunEntries, readRunManifest, runsTip } from '../runs/read-runs.js';
import type { TrackerContext } from '../tracker-context.js';
import type { RunManifest } from '../manifest/schema.js';
import { collectStaging, type RunOutcome } from './collect-staging.js';
import { processStartTicks } from './liveness.js';
import { claimStaging, listStaging, readState, removeStaging } from './staging.js';
import { shareState } from '../git/state-perm.js';

export const CLAIM_FILE = 'claim.json';

/** Who claimed a staging dir, and the outcome it was recording. */
export interface Claim {
  pid: number;
  hostname: string;
  startTicks?: string;
  outcome: RunOutcome;
}

export interface RecordResult {
  manifest: RunManifest;
  /** The run commit; null when the run was already on the branch (a retried recording). */
  commit: string | null;
}

/**
 * Record the staging dir `dir` with `outcome`. Returns null when another process claimed it
 * first.
 *
 * @example
 * const result = await recordStaged(ctx, dir, { status: 'finished', durationS: 3.2, exitCode: 0 });
 * result?.manifest.id;
 */
export async function recordStaged(ctx: TrackerContext, dir: string, outcome: RunOutcome): Promise<RecordResult | null> {
  const claimed = claimStaging(dir);
  if (!claimed) return null;
  writeFileSync(join(claimed, CLAIM_FILE), JSON.stringify({ pid: process.pid, hostname: hostname(), startTicks: processStartTicks(process.pid), outcome } satisfies Claim));
  shareState(join(claimed, CLAIM_FILE));
  return recordClaimed(ctx, claimed, outcome);
}

/**
 * Record a dir already claimed (by this process, or by one that died while recording).
 *
 * @example
 * await recordClaimed(ctx, '/…/staging/3f9a21c0b7d4.recording', readClaim(dir)!.outcome);
 */
export async function recordClaimed(ctx: TrackerContext, claimed: string, outcome: RunOutcome): Promise<RecordResult> {
  const state = readState(claimed);
  if (!state) throw new GitTrackError('BAD_INPUT', `${claimed}: no readable run.json; cannot record it`, { dir: claimed });
  const existing = recordedManifest(ctx, state.id);
  if (existing) {
    removeStaging(claimed);
    return { manifest: existing, commit: null };
  }
  const input = collectStaging(claimed, state, outcome, ctx.env.warn);
  let result: LogRunResult;
  try {
    result = await logRun(ctx, input);
  } catch (err) {
    if (!isGitTrackError(err, 'CONFLICT')) throw err;
    removeStaging(claimed);
    return { manifest: recordedManifest(ctx, state.id)!, commit: null };
  }
  removeStaging(claimed);
  return { manifest: result.manifest, commit: result.commit };
}

/** The claim file of a claimed dir, or null. */
export function readClaim(claimed: string): Claim | null {
  try {
    return JSON.parse(readFileSync(join(claimed, CLAIM_FILE), 'utf8')) as Claim;
  } catch {
    return null;
  }
}

function recordedManifest(ctx: TrackerContext, id: string): RunManifest | null {
  const tip = runsTip(ctx);
  if (!tip) return null;
  const entry = findRunEntries(ctx, tip, id).find((e) => e.id === id);
  return entry ? readRunManifest(ctx, entry) : null;
}

/**
 * Record the runs the program of a `git-track run` started besides the process's own (their
 * state names the process): each as its block ended, or with the process's outcome when the
 * program never ended it. Runs already recorded (by a `list` meanwhile) are skipped.
 *
 * @example
 * for (const r of await recordProgramRuns(ctx, state.id, outcome)) console.log(r.manifest.id);
 */
export async function recordProgramRuns(ctx: TrackerContext, processId: string, outcome: RunOutcome): Promise<RecordResult[]> {
  const out: RecordResult[] = [];
  for (const entry of listStaging(ctx.repo)) {
    if (entry.claimed || readState(entry.dir)?.process !== processId) continue;
    const result = await recordStaged(ctx, entry.dir, outcome);
    if (result) out.push(result);
  }
  return out;
}
