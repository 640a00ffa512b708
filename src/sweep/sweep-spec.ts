/**
 * What a sweep runs, as pure functions: the grid (`--grid lr=0.1,0.01`), its combinations in
 * a fixed order, a seeded random sample of them, and the command with `{key}` placeholders
 * filled in. Everything here is derived from what the sweep's parent run records (its
 * `grid.*` params, `sweep.random`/`sweep.seed` and its command), so `--resume` recomputes
 * exactly the same combinations.
 */
import { GitTrackError } from '../errors.js';
import { MAX_SWEEP_GRID, MAX_SWEEP_RUNS } from '../limits.js';
import { compareCodePoints, formatNumber } from '../manifest/scalars.js';
import type { Scalar } from '../manifest/schema.js';
import { parseAssignment } from '../manifest/values.js';
import { seededRandom } from '../seeded-random.js';

/** Grid keys (sorted by code point) and each key's values, in the order given. */
export interface Grid {
  keys: string[];
  values: Scalar[][];
}

export type Combination = Record<string, Scalar>;

/** The param prefix under which a sweep's parent run records its grid. */
export const GRID_PREFIX = 'grid.';

/**
 * Parse `--grid` flags. Values are YAML scalars like `-p` values (`8` a number, `"8"` a
 * string); a key given twice is refused.
 *
 * @throws GitTrackError USAGE naming the flag
 * @example
 * parseGrid(['lr=0.1,0.01', 'depth=4,8']); // { keys: ['depth', 'lr'], values: [[4, 8], [0.1, 0.01]] }
 */
export function parseGrid(flags: string[]): Grid {
  const byKey = new Map<string, Scalar[]>();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new GitTrackError('USAGE', `--grid expects KEY=V1,V2,…, got '${flag}'`, { flag: '--grid', text: flag });
    const key = flag.slice(0, eq);
    if (byKey.has(key)) throw new GitTrackError('USAGE', `--grid: '${key}' is given twice; list all its values in one --grid ${key}=V1,V2,…`, { flag: '--grid', text: flag });
    const values = flag
      .slice(eq + 1)
      .split(',')
      .map((v) => {
        const [, value] = parseAssignment(`${key}=${v}`, '--grid');
        if (Array.isArray(value)) throw new GitTrackError('USAGE', `--grid ${key}: a value cannot be a list`, { flag: '--grid', text: flag });
        return value;
      });
    const seen = new Set(values.map((v) => JSON.stringify(v)));
    if (seen.size !== values.length) throw new GitTrackError('USAGE', `--grid ${key}: a value is listed twice`, { flag: '--grid', text: flag });
    byKey.set(key, values);
  }
  return gridOf(byKey);
}

/**
 * The grid a sweep's parent run recorded (its `grid.*` list params).
 *
 * @example
 * gridFromParams({ 'grid.lr': [0.1, 0.01], other: 1 }); // { keys: ['lr'], values: [[0.1, 0.01]] }
 */
export function gridFromParams(params: Record<string, Scalar | Scalar[]>): Grid {
  const byKey = new Map<string, Scalar[]>();
  for (const [k, v] of Object.entries(params)) if (k.startsWith(GRID_PREFIX) && Array.isArray(v)) byKey.set(k.slice(GRID_PREFIX.length), v);
  return gridOf(byKey);
}

/** The grid as its parent run records it. */
export function gridParams(grid: Grid): Record<string, Scalar[]> {
  return Object.fromEntries(grid.keys.map((k, i) => [`${GRID_PREFIX}${k}`, grid.values[i]!]));
}

function gridOf(byKey: Map<string, Scalar[]>): Grid {
  const keys = [...byKey.keys()].sort(compareCodePoints);
  const grid = { keys, values: keys.map((k) => byKey.get(k)!) };
  const size = gridSize(grid);
  if (size > MAX_SWEEP_GRID) throw new GitTrackError('USAGE', `the grid has ${size} combinations; at most ${MAX_SWEEP_GRID} (sample some with --random N)`);
  return grid;
}

/** Number of combinations in the grid (1 for an empty grid: the command once). */
export function gridSize(grid: Grid): number {
  return grid.values.reduce((n, v) => n * v.length, 1);
}

/** The combination at `index` of the grid's product order (first key slowest). */
export function combinationAt(grid: Grid, index: number): Combination {
  const out: Combination = {};
  for (let k = grid.keys.length - 1; k >= 0; k--) {
    const values = grid.values[k]!;
    out[grid.keys[k]!] = values[index % values.length]!;
    index = Math.floor(index / values.length);
  }
  return Object.fromEntries(grid.keys.map((k) => [k, out[k]!]));
}

/**
 * The combinations a sweep runs: every one in product order, or with `random` that many
 * drawn without repetition by a PRNG seeded with `seed` (then in product order).
 *
 * @throws GitTrackError USAGE past {@link MAX_SWEEP_RUNS}
 * @example
 * sweepCombinations(grid);                           // all
 * sweepCombinations(grid, { random: 3, seed: 42 });  // the same 3 every time
 */
export function sweepCombinations(grid: Grid, options: { random?: number; seed?: number } = {}): Combination[] {
  const size = gridSize(grid);
  let indexes: number[];
  if (options.random === undefined || options.random >= size) {
    indexes = Array.from({ length: size }, (_, i) => i);
  } else {
    const next = seededRandom(options.seed ?? 0);
    const picked = new Set<number>();
    while (picked.size < options.random) picked.add(Math.floor(next() * size));
    indexes = [...picked].sort((a, b) => a - b);
  }
  if (indexes.length > MAX_SWEEP_RUNS) {
    throw new GitTrackError('USAGE', `the sweep would start ${indexes.length} runs; at most ${MAX_SWEEP_RUNS} (sample some with --random N)`);
  }
  return indexes.map((i) => combinationAt(grid, i));
}


/** A value as it is written into the command line: numbers in shortest form, null as nothing. */
export function valueText(v: Scalar): string {
  if (typeof v === 'number') return formatNumber(v);
  if (v === null) return '';
  return String(v);
}

/**
 * The command with each `{key}` of the grid replaced by the combination's value; other
 * braces are left alone (a program's own `{}`).
 *
 * @example
 * fillCommand(['python', 'train.py', '--lr={lr}'], { lr: 0.01 }); // ['python', 'train.py', '--lr=0.01']
 */
export function fillCommand(command: string[], combo: Combination): string[] {
  return command.map((arg) => arg.replace(/\{([^{}]+)\}/g, (m, key: string) => (Object.hasOwn(combo, key) ? valueText(combo[key]!) : m)));
}

/** Grid keys that no argument of the command mentions as `{key}`. */
export function unusedKeys(command: string[], grid: Grid): string[] {
  return grid.keys.filter((k) => !command.some((arg) => arg.includes(`{${k}}`)));
}

/**
 * A combination as one short line, also the child run's name: `depth=4,lr=0.01`.
 *
 * @example
 * describeCombination({ depth: 4, lr: 0.01 }); // 'depth=4,lr=0.01'
 */
export function describeCombination(combo: Combination): string {
  return Object.entries(combo)
    .map(([k, v]) => `${k}=${valueText(v)}`)
    .join(',');
}

/** A combination's identity for `--resume`: its grid values, compared exactly. */
export function combinationKey(grid: Grid, params: Record<string, unknown>): string {
  return JSON.stringify(grid.keys.map((k) => params[k] ?? null));
}
