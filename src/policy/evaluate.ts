/**
 * Applying a policy to a run: one result per rule, so CI can list every failure at once.
 */
import type { RunManifest } from '../manifest/schema.js';
import { THRESHOLD_PATTERN, type NoRegression, type Policy } from './schema.js';

export interface RuleResult {
  rule: string;
  ok: boolean;
  detail: string;
}

/**
 * Evaluate `policy` on `run`. `baseline` is the run of the policy's no-regression stage
 * (null when the stage has no run yet, which passes).
 *
 * @example
 * evaluatePolicy(run, { ...emptyPolicy(), thresholds: ['metrics.f1>=0.8'] }, null);
 * // [{ rule: 'metrics.f1>=0.8', ok: true, detail: 'f1 = 0.84' }]
 */
export function evaluatePolicy(run: RunManifest, policy: Policy, baseline: RunManifest | null): RuleResult[] {
  const out: RuleResult[] = [];
  const req = policy.require;
  const present = (section: string, names: string[], has: (n: string) => boolean) => {
    for (const n of names) out.push({ rule: `require ${section} ${n}`, ok: has(n), detail: has(n) ? 'present' : `${section} '${n}' is missing` });
  };
  present('param', req.params, (n) => n in run.params);
  present('metric', req.metrics, (n) => n in run.metrics);
  present('tag', req.tags, (n) => n in run.tags);
  present('artifact role', req.artifact_roles, (n) => run.artifacts.some((a) => a.role === n && a.sha256 !== null));
  if (req.data === true) out.push({ rule: 'require data', ok: run.data.length > 0, detail: run.data.length > 0 ? `${run.data.length} input(s)` : 'the run records no data input' });
  else if (Array.isArray(req.data)) present('data', req.data, (p) => run.data.some((d) => d.path === p));
  if (policy.clean_code) {
    const ok = run.code !== undefined && run.code.commit !== null && !run.code.dirty;
    out.push({ rule: 'clean code', ok, detail: ok ? `commit ${run.code!.commit!.slice(0, 12)}` : run.code?.dirty ? 'the run used uncommitted changes' : 'the run records no code commit' });
  }
  for (const t of policy.thresholds) out.push(evaluateThreshold(run, t));
  if (policy.no_regression) out.push(...evaluateNoRegression(run, policy.no_regression, baseline));
  return out;
}

function evaluateThreshold(run: RunManifest, expr: string): RuleResult {
  const m = THRESHOLD_PATTERN.exec(expr);
  const rule = expr.replace(/\s+/g, '');
  if (!m) return { rule, ok: false, detail: "not a threshold (expected e.g. 'metrics.f1>=0.8')" };
  const [, section, name, op, bound] = m as unknown as [string, string, string, string, string];
  const value = section.toLowerCase() === 'metrics' ? run.metrics[name] : run.params[name];
  if (typeof value !== 'number') return { rule, ok: false, detail: value === undefined ? `${section}.${name} is missing` : `${section}.${name} is not a number` };
  const b = Number(bound);
  const ok = { '>=': value >= b, '<=': value <= b, '>': value > b, '<': value < b, '==': value === b, '!=': value !== b }[op]!;
  return { rule, ok, detail: `${name} = ${value}` };
}

function evaluateNoRegression(run: RunManifest, rule: NoRegression, baseline: RunManifest | null): RuleResult[] {
  const label = (m: string) => `no regression of ${m} vs ${rule.stage}${rule.tolerance ? ` (tolerance ${rule.tolerance})` : ''}`;
  if (!baseline) return [{ rule: label('metrics'), ok: true, detail: `stage '${rule.stage}' has no run yet` }];
  if (baseline.id === run.id) return [{ rule: label('metrics'), ok: true, detail: `the run is the ${rule.stage} run` }];
  const metrics = rule.metrics ?? Object.keys(baseline.metrics).sort();
  return metrics.map((m) => {
    const before = baseline.metrics[m];
    const after = run.metrics[m];
    if (before === undefined) return { rule: label(m), ok: true, detail: `${rule.stage} run ${baseline.id} has no ${m}` };
    if (after === undefined) return { rule: label(m), ok: false, detail: `${m} is missing (${rule.stage} has ${before})` };
    const lower = rule.minimize.includes(m);
    const ok = lower ? after <= before + rule.tolerance : after >= before - rule.tolerance;
    return { rule: label(m), ok, detail: `${m} ${after} vs ${before} in ${rule.stage} (${baseline.id})` };
  });
}
