import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare-runs.js';
import { metricDirection } from '../../src/compare/direction.js';
import { diffMaps, diffMetric, diffRuns } from '../../src/compare/run-diff.js';
import { manifestPatch } from '../../src/compare/manifest-diff.js';
import type { RunManifest } from '../../src/manifest/schema.js';

const SHA = (c: string) => c.repeat(64);

function manifest(id: string, over: Partial<RunManifest>): RunManifest {
  return {
    format: 'git-track/run@1',
    id,
    status: 'finished',
    created: '2026-01-01T00:00:00Z',
    author: { name: 'A', email: 'a@example.com' },
    code: { commit: 'a'.repeat(40), branch: 'main', dirty: false },
    data: [],
    params: {},
    metrics: {},
    artifacts: [],
    env: { os: 'linux', arch: 'x64', hostname: 'h', node: '20', git_track: '0.1.0' },
    tags: {},
    ...over,
  };
}

describe('metric directions', () => {
  it.each([
    ['loss', 'lower'],
    ['val.loss', 'lower'],
    ['train_loss', 'lower'],
    ['rmse', 'lower'],
    ['error', 'lower'],
    ['accuracy', 'higher'],
    ['f1', 'higher'],
    ['test.auc', 'higher'],
    ['r2', 'higher'],
    ['throughput', undefined],
  ])('%s → %s', (name, dir) => expect(metricDirection(name)).toBe(dir));

  it('flags override the defaults', () => {
    expect(metricDirection('loss', { higherIsBetter: ['loss'] })).toBe('higher');
    expect(metricDirection('latency', { lowerIsBetter: ['latency'] })).toBe('lower');
  });
});

describe('run diff', () => {
  it('reports params, metric deltas and the better side', () => {
    expect(diffMaps({ lr: 0.1, depth: 4, same: 'x' }, { lr: 0.2, seed: 1, same: 'x' })).toEqual([
      { key: 'depth', kind: 'removed', a: 4 },
      { key: 'lr', kind: 'changed', a: 0.1, b: 0.2 },
      { key: 'same', kind: 'same', a: 'x', b: 'x' },
      { key: 'seed', kind: 'added', b: 1 },
    ]);
    expect(diffMetric('loss', 0.5, 0.4)).toMatchObject({ kind: 'changed', direction: 'lower', better: 'b', relative: expect.closeTo(-0.2, 10) });
    expect(diffMetric('f1', 0.8, 0.7)).toMatchObject({ better: 'a', delta: expect.closeTo(-0.1, 10) });
    expect(diffMetric('speed', 1, 2)).not.toHaveProperty('better');
    expect(diffMetric('f1', 0, 0.5)).not.toHaveProperty('relative');
    expect(diffMetric('f1', 0.5, undefined)).toMatchObject({ kind: 'removed' });
  });

  it('warns loudly when the runs read different data', () => {
    const a = manifest('aaaaaaaaaaaa', { data: [{ path: 'train.csv', kind: 'file', sha256: SHA('1'), size: 1 }, { path: 'old.csv', kind: 'file', sha256: SHA('3'), size: 1 }] });
    const b = manifest('bbbbbbbbbbbb', { data: [{ path: 'train.csv', kind: 'file', sha256: SHA('2'), size: 1 }] });
    const d = diffRuns(a, b);
    expect(d.warnings).toEqual([
      `different data: train.csv has sha256 ${'1'.repeat(12)}… in A and ${'2'.repeat(12)}… in B`,
      'different data: only A read old.csv',
    ]);
    expect(d.data.map((f) => f.kind)).toEqual(['removed', 'changed']);
    expect(diffRuns(a, a).warnings).toEqual([]);
  });

  it('compares code by snapshot, else commit', () => {
    const a = manifest('aaaaaaaaaaaa', {});
    const b = manifest('bbbbbbbbbbbb', { code: { commit: 'a'.repeat(40), branch: 'main', dirty: true, snapshot: 'b'.repeat(40) } });
    expect(diffRuns(a, b).code).toMatchObject({ same: false, a: 'a'.repeat(40), b: 'b'.repeat(40), bDirty: true });
    expect(diffRuns(a, manifest('cccccccccccc', {})).code.same).toBe(true);
  });

  it('makes a unified diff of two manifests', () => {
    const patch = manifestPatch('a: 1\nb: 2\n', 'a: 1\nb: 3\n', 'A/run.yaml', 'B/run.yaml');
    expect(patch).toContain('--- A/run.yaml');
    expect(patch).toContain('-b: 2\n+b: 3');
  });
});

describe('compare', () => {
  it('keeps differing rows and marks the best value per metric', () => {
    const runs = [
      manifest('aaaaaaaaaaaa', { params: { lr: 0.1, seed: 1 }, metrics: { f1: 0.8, loss: 0.3, speed: 1 } }),
      manifest('bbbbbbbbbbbb', { params: { lr: 0.2, seed: 1 }, metrics: { f1: 0.9, loss: 0.3, speed: 2 } }),
      manifest('cccccccccccc', { params: { lr: 0.3, seed: 1 }, metrics: { f1: 0.9, loss: 0.5, speed: 3 } }),
    ];
    const cmp = compareRuns(runs);
    expect(cmp.rows.map((r) => `${r.section}.${r.key}`)).toEqual(['params.lr', 'metrics.f1', 'metrics.loss', 'metrics.speed']);
    expect(cmp.rows.find((r) => r.key === 'f1')!.best).toEqual([1, 2]);
    expect(cmp.rows.find((r) => r.key === 'loss')!.best).toEqual([0, 1]);
    expect(cmp.rows.find((r) => r.key === 'speed')!.best).toEqual([]);
    expect(compareRuns(runs, { higherIsBetter: ['speed'] }).rows.find((r) => r.key === 'speed')!.best).toEqual([2]);
    expect(compareRuns(runs, { all: true }).rows.find((r) => r.key === 'seed')).toMatchObject({ differs: false, values: [1, 1, 1] });
  });
});
