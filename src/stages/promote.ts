/**
 * Promoting a run to a stage: an append-only record on `runs`, plus the review file in the
 * working tree for the pull request.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitTrackError } from '../errors.js';
import { resolveIdentity } from '../git/identity.js';
import type { RunManifest } from '../manifest/schema.js';
import { checkRecordSize, checkValueSizes } from '../manifest/value-limits.js';
import { findRunEntries, readManifestText, readRunManifest, type RunEntry } from '../runs/read-runs.js';
import { resolveRun } from '../runs/resolve-run.js';
import { appendToRuns } from '../runs/runs-branch.js';
import type { TrackerContext } from '../tracker-context.js';
import { currentRunOfStageAt } from './stage-head.js';
import { checkStageName, encodeRecord, PROMOTION_FORMAT, promotionPath, type Promotion } from './records.js';
import { diffRuns, type ValueChange } from './stage-diff.js';
import { renderStageFile, STAGE_FILES_DIR } from './stage-file.js';

export interface PromoteResult {
  promotion: Promotion;
  /** The promotion's commit on `runs`. */
  commit: string;
  /** Absolute path of the stage file written in the working tree. */
  stageFile: string;
  /** The stage's previous run, when there was one. */
  previous: RunManifest | null;
  /** What changed against the previous run. */
  changes: ValueChange[];
}

/**
 * Promote `ref` to `stage` with a reason. Writes one commit on `runs` and
 * `.git-track/stages/<stage>.yaml` in the working tree.
 *
 * @example
 * const r = await promote(ctx, { ref: '3f9a', stage: 'production', reason: 'best f1' });
 * r.previous?.id; // the run that was in production before
 */
export async function promote(ctx: TrackerContext, input: { ref: string; stage: string; reason: string }): Promise<PromoteResult> {
  checkStageName(input.stage);
  if (!input.reason.trim()) throw new GitTrackError('USAGE', 'a promotion needs a reason (--reason TEXT)');
  checkValueSizes({ reason: input.reason.trim() });
  const workTree = ctx.repo.workTree;
  if (!workTree) throw new GitTrackError('USAGE', 'promote writes a stage file into the working tree; this repository has none (bare)');
  const run = resolveRun(ctx, input.ref);
  const yaml = readManifestText(ctx, run.entry);
  const identity = await resolveIdentity(ctx.repo, ctx.env);
  const rand = ctx.env.random(2).toString('hex');
  let promotion: Promotion | undefined;
  const result = await appendToRuns(ctx, {
    // The previous run and the time are taken on each tip tried, so concurrent promotions
    // chain in the order they land and time order agrees with that chain.
    edits: (root) => {
      const promoted = ctx.env.now().toISOString();
      const previous = currentRunOfStageAt(ctx.store, root, input.stage);
      promotion = {
        format: PROMOTION_FORMAT,
        stage: input.stage,
        run: run.manifest.id,
        previous,
        promoted,
        by: { name: identity.name, email: identity.email },
        reason: input.reason.trim(),
      };
      const text = encodeRecord(promotion);
      checkRecordSize(text);
      const oid = ctx.store.write('blob', Buffer.from(text));
      return [{ path: promotionPath(promotion, rand), entry: { mode: '100644', oid } }];
    },
    message: `promote ${run.manifest.id} to ${input.stage}\n\n${input.reason.trim()}\n\nGit-Track-Promotion: ${input.stage} ${run.manifest.id}\n`,
    identity,
  });
  const p = promotion!;
  const stageFile = join(workTree, STAGE_FILES_DIR, `${input.stage}.yaml`);
  mkdirSync(join(workTree, STAGE_FILES_DIR), { recursive: true });
  const tmp = `${stageFile}.${rand}.tmp`;
  writeFileSync(tmp, renderStageFile(p, yaml));
  renameSync(tmp, stageFile);
  const previous = p.previous ? manifestById(ctx, result.commit, p.previous) : null;
  return { promotion: p, commit: result.commit, stageFile, previous, changes: previous ? diffRuns(previous, run.manifest) : [] };
}

function manifestById(ctx: TrackerContext, tip: string, id: string): RunManifest | null {
  const entry: RunEntry | undefined = findRunEntries(ctx, tip, id).find((e) => e.id === id);
  return entry ? readRunManifest(ctx, entry) : null;
}
