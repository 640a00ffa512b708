import { describe, expect, it } from 'vitest';
import { type RunManifest } from '../../src/manifest/schema.js';
import { MANIFEST_FORMAT } from '../../src/manifest/names.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { parsePolicy } from '../../src/policy/load-policy.js';
import { mergeRules } from '../../src/policy/check-run.js';
import { emptyPolicy } from '../../src/policy/schema.js';

function run(overrides: Partial<RunManifest> = {}): RunManifest {
  return {
    format: MANIFEST_FORMAT,
    id: '3f9a21c0b7d4',
    status: 'finished',
    created: '2026-05-30T10:15:02Z',
    author: { name: 'Ada', email: 'ada@example.com' },
    code: { commit: 'a'.repeat(40), dirty: false },
    data: [{ path: 'd.csv', kind: 'file', sha256: 'b'.repeat(64), size: 1 }],
    params: { lr: 0.01 },
    metrics: { f1: 0.84, loss: 0.3 },
    artifacts: [{ path: 'm.pkl', kind: 'file', sha256: 'c'.repeat(64), size: 2, role: 'model' }],
    env: { os: 'linux', arch: 'x64', hostname: 'h', node: '20', git_track: '0.1.0' },
    tags: { team: 'growth' },
    ...overrides,
  };
}

describe('policy', () => {
  it('reads only the policy key of .git-track.yaml, leniently at the top level', () => {
    const p = parsePolicy('store:\n  kind: s3\n  bucket: b\npolicy:\n  clean_code: true\n  require: {metrics: [f1]}\n', '.git-track.yaml');
    expect(p.clean_code).toBe(true);
    expect(p.require.metrics).toEqual(['f1']);
    expect(parsePolicy('store: {kind: dir}\n', '.git-track.yaml')).toEqual(emptyPolicy());
    expect(() => parsePolicy('policy:\n  clean_code: maybe\n', '.git-track.yaml')).toThrow(/policy\.clean_code/);
    expect(() => parsePolicy('policy:\n  colour: red\n', '.git-track.yaml')).toThrow(/policy/);
  });

  it('passes a run that meets every rule', () => {
    const policy = parsePolicy(
      'policy:\n  require: {params: [lr], metrics: [f1], tags: [team], data: [d.csv], artifact_roles: [model]}\n  clean_code: true\n  thresholds: ["metrics.f1 >= 0.8", "params.lr < 0.1", "metrics.loss<=0.3"]\n',
      'p',
    );
    const results = evaluatePolicy(run(), policy, null);
    expect(results).toHaveLength(9);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it('fails each broken rule separately', () => {
    const policy = mergeRules(emptyPolicy(), { params: ['depth'], thresholds: ['metrics.f1>0.9', 'metrics.auc>=0.5'], cleanCode: true, roles: ['scaler'] });
    const bad = evaluatePolicy(run({ code: { commit: 'a'.repeat(40), dirty: true } }), policy, null).filter((r) => !r.ok);
    expect(bad.map((r) => r.detail)).toEqual([
      "param 'depth' is missing",
      "artifact role 'scaler' is missing",
      'the run used uncommitted changes',
      'f1 = 0.84',
      'metrics.auc is missing',
    ]);
  });

  it('compares against the stage run within the tolerance, minimising listed metrics', () => {
    const policy = parsePolicy('policy:\n  no_regression: {stage: production, tolerance: 0.01, minimize: [loss]}\n', 'p');
    const prod = run({ id: 'aaaaaaaaaaaa', metrics: { f1: 0.845, loss: 0.25 } });
    const results = evaluatePolicy(run(), policy, prod);
    expect(results.map((r) => [r.rule, r.ok])).toEqual([
      ['no regression of f1 vs production (tolerance 0.01)', true],
      ['no regression of loss vs production (tolerance 0.01)', false],
    ]);
    expect(evaluatePolicy(run(), policy, null)[0]).toMatchObject({ ok: true, detail: "stage 'production' has no run yet" });
  });
});
