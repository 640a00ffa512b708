import { describe, expect, it } from 'vitest';
import { fixedEnv } from '../../src/env.js';
import { openTracker } from '../../src/tracker.js';
import { git, makeRepo } from '../helpers/repo.js';

function tracker(dir: string) {
  const env = fixedEnv({ start: new Date('2026-05-30T10:00:00Z'), seed: 7 });
  return openTracker({ dir, env: { ...env, vars: { ...env.vars, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' } } });
}

describe('Tracker: stages, tags, checks and verify through the library', () => {
  it('promotes with a fixed clock to predictable paths and resolves stage:NAME', async () => {
    const dir = makeRepo({ commit: true });
    const t = tracker(dir);
    const a = (await t.log({ name: 'a', params: { lr: 0.1 }, metrics: { f1: 0.8 } })).manifest;
    const b = (await t.log({ name: 'b', params: { lr: 0.2 }, metrics: { f1: 0.7 } })).manifest;
    const first = await t.promote(a.id, 'production', 'baseline');
    expect(first.previous).toBeNull();
    const second = await t.promote(b.id, 'production', 'try b');
    expect(second.promotion.previous).toBe(a.id);
    expect(second.changes.map((c) => `${c.section}.${c.key}`)).toEqual(['params.lr', 'metrics.f1']);
    const files = git(dir, 'ls-tree', '-r', '--name-only', 'runs', 'stages/').trim().split('\n');
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(new RegExp(`^stages/production/2026-05/20260530T1000\\d{5}Z-${a.id}-[0-9a-f]{4}\\.yaml$`));
    expect(t.get('stage:production').id).toBe(b.id);
    expect(t.stages().map((p) => p.run)).toEqual([b.id]);
    expect(t.stages({ history: true }).map((p) => p.reason)).toEqual(['baseline', 'try b']);

    await t.tag(a.id, { reviewed: 'yes' });
    expect(t.get(a.id).tags).toEqual({}); // the manifest itself never changes

    const check = await t.check('stage:production', { noRegression: { stage: 'production', tolerance: 0 }, thresholds: ['metrics.f1>=0.75'] });
    expect(check.ok).toBe(false);
    expect(check.results.find((r) => !r.ok)?.detail).toBe('f1 = 0.7');

    const report = await t.verify({ stages: true });
    expect(report).toMatchObject({ runs: 2, promotions: 2, problems: [] });
    expect(t.lineage(b.id)).toMatchObject({ id: b.id, inputs: [] });
  });
});
