import { describe, expect, it } from 'vitest';
import { fixedEnv, type Env } from '../../src/env.js';
import { isGitTrackError } from '../../src/errors.js';
import { openTracker } from '../../src/tracker.js';
import { makeRepo } from '../helpers/repo.js';

/** An env whose run ids are the given ones, in order (the rest of its randomness is seeded). */
function envWithIds(ids: string[]): Env {
  const env = fixedEnv({ seed: 7 });
  const queue = [...ids];
  const random = env.random;
  return { ...env, random: (n) => (n === 6 && queue.length ? Buffer.from(queue.shift()!, 'hex') : random(n)) };
}

describe('resolveRun', () => {
  it('lists the candidates of an ambiguous prefix and resolves a unique one', async () => {
    const dir = makeRepo({ commit: true });
    const tracker = openTracker({ dir, env: envWithIds(['abcd00000001', 'abcd00000002', 'abce00000003']) });
    for (const f1 of [0.1, 0.2, 0.3]) await tracker.log({ metrics: { f1 } });
    let caught: unknown;
    try {
      tracker.get('abcd');
    } catch (err) {
      caught = err;
    }
    expect(isGitTrackError(caught, 'AMBIGUOUS_RUN')).toBe(true);
    expect((caught as Error).message).toBe("run prefix 'abcd' is ambiguous: abcd00000001, abcd00000002");
    expect(tracker.get('abce').id).toBe('abce00000003');
    expect(tracker.get('abcd00000002').metrics.f1).toBe(0.2);
  });

  it('draws a new id when the drawn one is already on the branch', async () => {
    const dir = makeRepo({ commit: true });
    const tracker = openTracker({ dir, env: envWithIds(['aaaa00000001', 'aaaa00000001', 'bbbb00000002']) });
    const first = await tracker.log({ metrics: { f1: 0.1 } });
    const second = await tracker.log({ metrics: { f1: 0.2 } });
    expect(first.manifest.id).toBe('aaaa00000001');
    expect(second.manifest.id).toBe('bbbb00000002');
    expect(tracker.list().map((m) => m.id).sort()).toEqual(['aaaa00000001', 'bbbb00000002']);
  });

  it('writes byte-identical commits for the same input, clock and ids', async () => {
    const a = makeRepo();
    const b = makeRepo();
    const one = await openTracker({ dir: a, env: envWithIds(['0123456789ab']) }).log({ name: 'x', params: { lr: 0.1 }, metrics: { f1: 0.5 } });
    const two = await openTracker({ dir: b, env: envWithIds(['0123456789ab']) }).log({ name: 'x', params: { lr: 0.1 }, metrics: { f1: 0.5 } });
    expect(one.commit).toBe(two.commit);
    expect(one.yaml).toBe(two.yaml);
  });
});
