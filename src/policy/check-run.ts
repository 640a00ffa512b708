/**
 * `check`: the repository's policy, merged with rules given on the command line, applied to a run.
 */
import { GitTrackError, isGitTrackError } from '../errors.js';
import type { RunManifest } from '../manifest/schema.js';
import { resolveRun } from '../runs/resolve-run.js';
import type { TrackerContext } from '../tracker-context.js';
import { evaluatePolicy, type RuleResult } from './evaluate.js';
import { loadPolicy } from './load-policy.js';
import { emptyPolicy, policySchema, type Policy } from './schema.js';

export interface CheckResult {
  run: RunManifest;
  results: RuleResult[];
  ok: boolean;
}

/**
 * Rules from flags, in the policy's shape, to merge over the file's.
 */
export interface ExtraRules {
  params?: string[];
  metrics?: string[];
  tags?: string[];
  roles?: string[];
  thresholds?: string[];
  cleanCode?: boolean;
  noRegression?: { stage: string; tolerance: number };
}

/**
 * Merge rules given on the command line into a policy (lists add up; a flag's no-regression
 * stage replaces the file's).
 *
 * @throws GitTrackError BAD_INPUT for a malformed threshold
 * @example
 * mergeRules(emptyPolicy(), { thresholds: ['metrics.f1>=0.8'] });
 */
export function mergeRules(policy: Policy, extra: ExtraRules): Policy {
  const merged = {
    require: {
      params: [...policy.require.params, ...(extra.params ?? [])],
      metrics: [...policy.require.metrics, ...(extra.metrics ?? [])],
      tags: [...policy.require.tags, ...(extra.tags ?? [])],
      data: policy.require.data,
      artifact_roles: [...policy.require.artifact_roles, ...(extra.roles ?? [])],
    },
    clean_code: policy.clean_code || Boolean(extra.cleanCode),
    thresholds: [...policy.thresholds, ...(extra.thresholds ?? [])],
    signed: policy.signed,
    no_regression: extra.noRegression ? { ...policy.no_regression, minimize: policy.no_regression?.minimize ?? [], ...extra.noRegression } : policy.no_regression,
  };
  const r = policySchema.safeParse(merged);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new GitTrackError('USAGE', `${issue.path.join('.')}: ${issue.message}`, { issues: r.error.issues });
  }
  return r.data;
}

/**
 * Check the run `ref` against `policy` (default: the repository's). `ok` is false when any rule fails.
 *
 * @example
 * (await checkRun(ctx, 'latest', { extra: { thresholds: ['metrics.f1>=0.8'] } })).ok;
 */
export async function checkRun(ctx: TrackerContext, ref: string, options: { extra?: ExtraRules; usePolicyFile?: boolean } = {}): Promise<CheckResult> {
  const base = options.usePolicyFile === false ? emptyPolicy() : loadPolicy(ctx.repo.workTree);
  const policy = mergeRules(base, options.extra ?? {});
  const run = resolveRun(ctx, ref).manifest;
  const result = checkManifest(ctx, run, policy);
  if (!policy.signed) return result;
  // Signatures are judged by git (a verifier process per signed commit): only when required.
  const { runCommitSignature } = await import('../verify/signatures.js');
  const signature = await runCommitSignature(ctx, run.id);
  const ok = signature?.status === 'good';
  result.results.push({ rule: 'signed', ok, detail: signature?.message ?? `no commit on runs adds run ${run.id}` });
  return { ...result, ok: result.ok && ok };
}

/**
 * Apply `policy` to a manifest already read.
 *
 * @example
 * checkManifest(ctx, manifest, loadPolicy(workTree)).results;
 */
export function checkManifest(ctx: TrackerContext, run: RunManifest, policy: Policy): CheckResult {
  const baseline = policy.no_regression ? stageRun(ctx, policy.no_regression.stage) : null;
  const results = evaluatePolicy(run, policy, baseline);
  return { run, results, ok: results.every((r) => r.ok) };
}

function stageRun(ctx: TrackerContext, stage: string): RunManifest | null {
  try {
    return resolveRun(ctx, `stage:${stage}`).manifest;
  } catch (err) {
    if (isGitTrackError(err, 'RUN_NOT_FOUND')) return null;
    throw err;
  }
}
