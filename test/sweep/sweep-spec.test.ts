import { describe, expect, it } from 'vitest';
import { combinationKey, describeCombination, fillCommand, gridFromParams, gridParams, parseGrid, sweepCombinations, unusedKeys } from '../../src/sweep/sweep-spec.js';
import { isGitTrackError } from '../../src/index.js';

describe('sweep spec', () => {
  it('parses typed values, orders keys, and enumerates the product first key slowest', () => {
    const grid = parseGrid(['lr=0.1,1e-3', 'depth=4,8', 'model=xgb']);
    expect(grid).toEqual({ keys: ['depth', 'lr', 'model'], values: [[4, 8], [0.1, 0.001], ['xgb']] });
    expect(sweepCombinations(grid).map(describeCombination)).toEqual([
      'depth=4,lr=0.1,model=xgb',
      'depth=4,lr=0.001,model=xgb',
      'depth=8,lr=0.1,model=xgb',
      'depth=8,lr=0.001,model=xgb',
    ]);
    expect(parseGrid(['tag="007",8']).values).toEqual([['007', 8]]);
  });

  it('round-trips through the params a sweep records', () => {
    const grid = parseGrid(['lr=0.1,0.01', 'depth=4']);
    expect(gridFromParams({ ...gridParams(grid), 'sweep.seed': 3, other: [1, 2] })).toEqual(grid);
  });

  it('draws a seeded sample without repeats, the same for the same seed', () => {
    const grid = parseGrid(['a=1,2,3,4,5,6,7,8,9,10', 'b=1,2,3,4,5,6,7,8,9,10']);
    const one = sweepCombinations(grid, { random: 5, seed: 42 });
    expect(one).toHaveLength(5);
    expect(new Set(one.map((c) => combinationKey(grid, c))).size).toBe(5);
    expect(sweepCombinations(grid, { random: 5, seed: 42 })).toEqual(one);
    expect(sweepCombinations(grid, { random: 5, seed: 43 })).not.toEqual(one);
    expect(sweepCombinations(grid, { random: 500, seed: 1 })).toHaveLength(100);
  });

  it('fills {key} placeholders of grid keys only', () => {
    expect(fillCommand(['python', '-c', 'print({})', '--lr={lr}', '{other}', '{lr}{lr}'], { lr: 0.001 })).toEqual(['python', '-c', 'print({})', '--lr=0.001', '{other}', '0.0010.001']);
    expect(unusedKeys(['train', '{lr}'], parseGrid(['lr=1', 'depth=2']))).toEqual(['depth']);
  });

  it('refuses grids past the limits', () => {
    const big = Array.from({ length: 7 }, (_, i) => `k${i}=${Array.from({ length: 10 }, (_, j) => j).join(',')}`);
    let err: unknown;
    try {
      parseGrid(big);
    } catch (e) {
      err = e;
    }
    expect(isGitTrackError(err, 'USAGE')).toBe(true);
    expect((err as Error).message).toMatch(/10000000 combinations; at most 1000000/);
    expect(() => sweepCombinations(parseGrid(big.slice(0, 5)))).toThrow(/would start 100000 runs; at most 10000/);
    expect(sweepCombinations(parseGrid(big.slice(0, 5)), { random: 10, seed: 1 })).toHaveLength(10);
  });
});
