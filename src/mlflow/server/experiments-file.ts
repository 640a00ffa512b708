/**
 * The experiments file of an earlier server (`<git-dir>/git-track/mlflow-experiments.json`,
 * local to one repository), read once to move its experiments onto `runs` as records.
 */
import { readFileSync } from 'node:fs';
import { experimentIdOf } from '../mapping.js';
import { NAME_PATTERN, type ExperimentChange, type FoldedExperiment } from './experiment-records.js';

/** The file an earlier server kept experiments in (moved onto `runs`, then renamed `.migrated`). */
export const EXPERIMENTS_FILE = 'mlflow-experiments.json';

/** A change to write: the record's fields after `experiment`, `at` and `by`. */
export type Change = Pick<ExperimentChange, 'created' | 'name' | 'lifecycle' | 'tags'>;

/**
 * The records that carry the file's experiments not yet on `runs` (`recorded`): for each, its
 * creation under the name its id derives from, its later names in order, its deletion, each
 * stamped (ms) so that file order is change order.
 *
 * @example
 * legacyChanges(path, recorded, Date.now(), warn); // [{ id: '2214…', change: { created: true, name: 'churn' }, at: 1764100000000 }, …]
 */
export function legacyChanges(path: string, recorded: Map<string, FoldedExperiment>, now: number, warn: (message: string) => void): { id: string; change: Change; at: number }[] {
  const out: { id: string; change: Change; at: number }[] = [];
  for (const old of readSaved(path)) {
    if (recorded.has(old.id)) continue;
    const names = [...old.aliases, old.name];
    const first = names.findIndex((n) => experimentIdOf(n) === old.id);
    if (first < 0) {
      warn(`${EXPERIMENTS_FILE}: experiment ${old.id} (${old.name}) has no name its id derives from; left out`);
      continue;
    }
    let at = validTime(old.created) ?? now;
    out.push({ id: old.id, change: { created: true, name: names[first]!, ...(Object.keys(old.tags).length ? { tags: old.tags } : {}) }, at });
    for (const n of names.slice(first + 1)) out.push({ id: old.id, change: { name: n }, at: ++at });
    if (old.lifecycle === 'deleted') out.push({ id: old.id, change: { lifecycle: 'deleted' }, at: Math.max(++at, validTime(old.updated) ?? 0) });
  }
  return out;
}

/**
 * A time in ms that makes a valid record stamp (from 2000 to before 3000), or undefined.
 *
 * @example
 * validTime(0); // undefined
 */
export function validTime(ms: number): number | undefined {
  return Number.isFinite(ms) && ms >= 946684800000 && ms < 32503680000000 ? Math.floor(ms) : undefined;
}

function readSaved(path: string): FoldedExperiment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
  const list = (parsed as { experiments?: unknown })?.experiments;
  if (!Array.isArray(list)) return [];
  const out: FoldedExperiment[] = [];
  for (const r of list as FoldedExperiment[]) {
    if (typeof r?.id !== 'string' || typeof r.name !== 'string' || !NAME_PATTERN.test(r.name)) continue;
    out.push({
      id: r.id,
      name: r.name,
      aliases: Array.isArray(r.aliases) ? r.aliases.filter((a) => typeof a === 'string' && NAME_PATTERN.test(a)) : [],
      lifecycle: r.lifecycle === 'deleted' ? 'deleted' : 'active',
      created: Number(r.created) || 0,
      updated: Number(r.updated) || 0,
      tags: r.tags && typeof r.tags === 'object' ? Object.fromEntries(Object.entries(r.tags).filter(([k, v]) => typeof v === 'string' && k.length >= 1 && k.length <= 250 && v.length <= 8000)) : {},
    });
  }
  return out;
}
