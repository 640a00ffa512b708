/**
 * Runs the query index left out because their manifest is bad (missing, too large, invalid,
 * filed under another id). Runs come from other people: one bad run costs a warning, not the
 * listing. The list is kept beside the index (`query-index.skipped.json`, for the same tip)
 * so that a warm index still names them, without reading them again.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TrackerContext } from '../tracker-context.js';
import { sealJson, unsealJson } from '../cache-seal.js';
import { shareState } from '../git/state-perm.js';

export const SKIPPED_FILE = 'query-index.skipped.json';

/** Warnings naming each run, up to this many; the rest are counted. */
const NAMED = 5;

export interface SkippedRun {
  id: string;
  tree: string;
  message: string;
  /** Skipped because this object is missing from the repository: re-read once it is back. */
  missing?: string;
}

/**
 * The runs skipped by the index built for `tip` (none when the file is for another tip).
 *
 * @example
 * readSkipped(ctx.repo.stateDir, table.tip); // [{ id, tree, message }]
 */
export function readSkipped(stateDir: string, tip: string | null): SkippedRun[] {
  if (tip === null) return [];
  try {
    // Checksummed like every cache here: a damaged file reads as none, never as a wrong warning.
    const saved = (unsealJson(readFileSync(join(stateDir, SKIPPED_FILE), 'utf8')) ?? {}) as { tip?: unknown; runs?: unknown };
    if (saved.tip !== tip || !Array.isArray(saved.runs)) return [];
    return saved.runs.filter(
      (r): r is SkippedRun => typeof r?.id === 'string' && typeof r?.tree === 'string' && typeof r?.message === 'string' && (r.missing === undefined || typeof r.missing === 'string'),
    );
  } catch {
    return []; // missing or damaged: the runs are simply not named again until re-read
  }
}

/** Save the skipped runs of the index for `tip` (removes the file when there are none). */
export function writeSkipped(stateDir: string, tip: string | null, runs: readonly SkippedRun[]): void {
  const path = join(stateDir, SKIPPED_FILE);
  try {
    if (runs.length === 0 || tip === null) {
      rmSync(path, { force: true });
      return;
    }
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, sealJson({ tip, runs }));
    shareState(temp);
    renameSync(temp, path);
  } catch {
    // A read-only repository: the warning comes again on the next read, which is fine.
  }
}

/**
 * One warning per skipped run (the first few), then a count pointing at `verify`.
 *
 * @example
 * warnSkippedRuns(ctx, skipped); // warning: skipping run 3f9a21c0b7d4: run.yaml is a symlink, not a manifest
 */
export function warnSkippedRuns(ctx: TrackerContext, runs: readonly SkippedRun[]): void {
  for (const r of runs.slice(0, NAMED)) ctx.env.warn(skipMessage(r.id, r.message));
  if (runs.length > NAMED) ctx.env.warn(`skipping ${runs.length - NAMED} more runs with bad manifests (git-track verify lists them all)`);
}

/** `skipping run <id>: <why>`, for a message that may already name the run. */
export function skipMessage(id: string, message: string): string {
  if (message.startsWith('run directory') || message.startsWith('tree ')) return `skipping ${message}`;
  return `skipping run ${id}: ${message.startsWith(`run ${id}`) ? message.slice(`run ${id}`.length).replace(/^:? /, '') : message}`;
}
