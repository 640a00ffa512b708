import { describe, expect, it } from 'vitest';
import { fixedEnv, type Env } from '../../src/env.js';
import { newRunId } from '../../src/runs/ids.js';

describe('newRunId', () => {
  it('draws again instead of an id YAML would read as a number', () => {
    const draws = ['123456789012', '542e86568557', '0123456789ab'];
    const env: Env = { ...fixedEnv(), random: () => Buffer.from(draws.shift()!, 'hex') };
    expect(newRunId(env)).toBe('0123456789ab');
  });

  it('gives 12 lowercase hex digits, different each time', () => {
    const env = fixedEnv({ seed: 3 });
    const ids = new Set(Array.from({ length: 1000 }, () => newRunId(env)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}$/);
  });
});
