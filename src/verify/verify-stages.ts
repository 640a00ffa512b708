/**
 * `verify --stages`: the stage files committed in the working tree match real runs, byte for
 * byte, record real promotions, and pass the policy. This is what CI runs on a pull request.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isGitTrackError } from '../errors.js';
import type { RunManifest } from '../manifest/schema.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import { loadPolicy } from '../policy/load-policy.js';
import { findRunEntries, readManifestText, runsTip } from '../runs/read-runs.js';
import { resolveRun } from '../runs/resolve-run.js';
import { listPromotions } from '../stages/read-stages.js';
import { parseStageFile, STAGE_FILES_DIR } from '../stages/stage-file.js';
import type { TrackerContext } from '../tracker-context.js';
import type { VerifyProblem } from './verify-branch.js';

/**
 * Check every `.git-track/stages/*.yaml`. Returns the problems and the files checked.
 *
 * @example
 * const { problems, files } = verifyStageFiles(ctx);
 */
export function verifyStageFiles(ctx: TrackerContext): { problems: VerifyProblem[]; files: string[] } {
  const workTree = ctx.repo.workTree;
  const problems: VerifyProblem[] = [];
  if (!workTree) return { problems, files: [] };
  const dir = join(workTree, STAGE_FILES_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort();
  } catch {
    return { problems, files: [] };
  }
  const tip = runsTip(ctx);
  const promotions = listPromotions(ctx);
  const policy = loadPolicy(workTree);
  const files = names.map((n) => `${STAGE_FILES_DIR}/${n}`);
  for (const file of files) {
    const bad = (kind: VerifyProblem['kind'], message: string) => problems.push({ kind, message: `${file}: ${message}` });
    let parsed;
    try {
      parsed = parseStageFile(readFileSync(join(workTree, file), 'utf8'), file);
    } catch (err) {
      if (!isGitTrackError(err)) throw err;
      problems.push({ kind: 'stage-file', message: err.message });
      continue;
    }
    const { promotion: p, manifestYaml } = parsed;
    if (`${p.stage}.yaml` !== file.slice(STAGE_FILES_DIR.length + 1)) bad('stage-file', `holds a promotion to '${p.stage}'`);
    const entry = tip ? findRunEntries(ctx, tip, p.run).find((e) => e.id === p.run) : undefined;
    if (!entry) {
      bad('stage-file', `run ${p.run} is not on the runs branch (fetch it: git fetch origin runs:runs)`);
      continue;
    }
    let real: string | undefined;
    try {
      real = readManifestText(ctx, entry);
    } catch (err) {
      if (!isGitTrackError(err)) throw err;
    }
    if (real !== manifestYaml) bad('stage-file', `the manifest differs from run ${p.run} on the runs branch${firstDifference(real ?? '', manifestYaml)}`);
    const recorded = promotions.some((r) => r.stage === p.stage && r.run === p.run && r.promoted === p.promoted && r.reason === p.reason && r.previous === p.previous);
    if (!recorded) bad('stage-file', `no such promotion of ${p.run} to ${p.stage} at ${p.promoted} is recorded on the runs branch`);
    const current = promotions.filter((r) => r.stage === p.stage).at(-1);
    if (recorded && current && current.run !== p.run) {
      bad('stage-file', `is stale: ${p.stage} has since been promoted to ${current.run} (${current.promoted}, "${current.reason.split('\n')[0]}"); run git-track promote again or drop this change`);
    }
    const run = resolveRun(ctx, p.run).manifest;
    const baseline = policy.no_regression ? baselineFor(ctx, policy.no_regression.stage, p.stage, p.previous) : null;
    for (const r of evaluatePolicy(run, policy, baseline)) if (!r.ok) bad('policy', `${r.rule}: ${r.detail}`);
  }
  return { problems, files };
}

/** Against its own stage a promotion is compared with the run it replaced, not with itself. */
function baselineFor(ctx: TrackerContext, policyStage: string, fileStage: string, previous: string | null): RunManifest | null {
  const ref = policyStage === fileStage ? previous : `stage:${policyStage}`;
  if (!ref) return null;
  try {
    return resolveRun(ctx, ref).manifest;
  } catch (err) {
    if (isGitTrackError(err, 'RUN_NOT_FOUND')) return null;
    throw err;
  }
}

function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return ` (first at line ${i + 1} of the manifest: '${(lb[i] ?? '').trim()}', the run has '${(la[i] ?? '').trim()}')`;
  }
  return '';
}
