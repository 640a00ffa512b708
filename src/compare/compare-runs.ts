/**
 * N runs side by side: one row per param or metric, a column per run, the best value of each
 * metric marked when its direction is known. Pure.
 */
import type { RunManifest } from '../manifest/schema.js';
import { metricDirection, type Direction, type DirectionOptions } from './direction.js';

export interface ComparisonRow {
  section: 'params' | 'metrics' | 'tags';
  key: string;
  values: unknown[];
  /** False when every run has the same value. */
  differs: boolean;
  direction?: Direction;
  /** Column indexes holding the best value (ties share it). */
  best: number[];
}

export interface Comparison {
  runs: { id: string; name?: string; created: string }[];
  rows: ComparisonRow[];
}

/**
 * Compare runs; with `all: false` (the default) only rows whose values differ are kept.
 *
 * @example
 * compareRuns([a, b, c]).rows.find((r) => r.key === 'f1')?.best; // [2]
 */
export function compareRuns(runs: RunManifest[], options: DirectionOptions & { all?: boolean } = {}): Comparison {
  const rows: ComparisonRow[] = [];
  for (const section of ['params', 'metrics', 'tags'] as const) {
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r[section])))].sort();
    for (const key of keys) {
      const values = runs.map((r) => (r[section] as Record<string, unknown>)[key]);
      const differs = new Set(values.map((v) => JSON.stringify(v) ?? 'undefined')).size > 1;
      if (!differs && !options.all) continue;
      const direction = section === 'metrics' ? metricDirection(key, options) : undefined;
      rows.push({ section, key, values, differs, ...(direction ? { direction } : {}), best: direction && runs.length > 1 ? bestOf(values, direction) : [] });
    }
  }
  return { runs: runs.map((r) => ({ id: r.id, ...(r.name ? { name: r.name } : {}), created: r.created })), rows };
}

function bestOf(values: unknown[], direction: Direction): number[] {
  const nums = values.map((v) => (typeof v === 'number' ? v : undefined));
  const present = nums.filter((v): v is number => v !== undefined);
  if (present.length === 0) return [];
  const best = direction === 'higher' ? Math.max(...present) : Math.min(...present);
  return nums.flatMap((v, i) => (v === best ? [i] : []));
}
