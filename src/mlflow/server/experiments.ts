/**
 * MLflow experiments over git-track's `experiment` names. An experiment exists when runs name
 * it or when a client created it; its id comes from its first name ({@link experimentIdOf}), so
 * it is the same after a restart and in every clone. What runs cannot carry (an experiment
 * with no runs yet, its tags, a rename, a deletion) is kept by the server in
 * `<git-dir>/git-track/mlflow-experiments.json`, local to this repository.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdirState, shareState } from '../../git/state-perm.js';
import { queryRuns } from '../../query/query-runs.js';
import { runsTip } from '../../runs/read-runs.js';
import type { TrackerContext } from '../../tracker-context.js';
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, experimentIdOf } from '../mapping.js';
import { MlflowError, invalid, notFound } from './errors.js';

export const EXPERIMENTS_FILE = 'mlflow-experiments.json';

/** What the server keeps about an experiment. */
export interface ExperimentRecord {
  id: string;
  name: string;
  /** Names it had before a rename: runs recorded under them still belong to it. */
  aliases: string[];
  lifecycle: 'active' | 'deleted';
  created: number;
  updated: number;
  tags: Record<string, string>;
}

/** MLflow's `Experiment` message as JSON. */
export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: { key: string; value: string }[];
}

const NAME_PATTERN = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029]{1,200}$/;

export class Experiments {
  private saved: Map<string, ExperimentRecord>;
  private fromRuns: { tip: string | null; byName: Map<string, { first: number; last: number }> } | null = null;
  private readonly path: string;
  /** Experiments known from runs, by id (a name's id never changes). */
  private readonly known = new Map<string, ExperimentRecord>();

  constructor(private readonly ctx: TrackerContext) {
    this.path = join(ctx.repo.stateDir, EXPERIMENTS_FILE);
    this.saved = readSaved(this.path);
  }

  /** Every experiment, the Default first. */
  all(): ExperimentRecord[] {
    const out = new Map<string, ExperimentRecord>();
    const runs = this.runExperiments();
    const defaultRuns = runs.get(DEFAULT_EXPERIMENT_NAME);
    out.set(DEFAULT_EXPERIMENT_ID, { id: DEFAULT_EXPERIMENT_ID, name: DEFAULT_EXPERIMENT_NAME, aliases: [], lifecycle: 'active', created: defaultRuns?.first ?? 0, updated: defaultRuns?.last ?? 0, tags: {} });
    for (const r of this.saved.values()) out.set(r.id, { ...r });
    for (const [name, times] of runs) {
      if (name === DEFAULT_EXPERIMENT_NAME || this.idOfName(name) !== experimentIdOf(name)) continue;
      const id = experimentIdOf(name);
      const known = out.get(id);
      if (known) known.updated = Math.max(known.updated, times.last);
      else out.set(id, { id, name, aliases: [], lifecycle: 'active', created: times.first, updated: times.last, tags: {} });
    }
    return [...out.values()];
  }

  /** The experiment with this id; RESOURCE_DOES_NOT_EXIST when there is none. */
  get(id: string): ExperimentRecord {
    const found = this.all().find((e) => e.id === id);
    if (!found) throw notFound(`Could not find experiment with ID ${id}`);
    return found;
  }

  /** The experiment with this name (current name), or undefined. */
  byName(name: string): ExperimentRecord | undefined {
    return this.all().find((e) => e.name === name);
  }

  /** The id of the experiment a manifest's `experiment` belongs to (a renamed one's old names too). */
  idOfName(name: string | undefined): string {
    if (name === undefined) return DEFAULT_EXPERIMENT_ID;
    for (const r of this.saved.values()) if (r.name === name || r.aliases.includes(name)) return r.id;
    return experimentIdOf(name);
  }

  /** Every manifest `experiment` value of an experiment (undefined stands for runs without one). */
  namesOf(id: string): (string | undefined)[] {
    if (id === DEFAULT_EXPERIMENT_ID) return [undefined, DEFAULT_EXPERIMENT_NAME];
    const r = this.get(id);
    return [r.name, ...r.aliases];
  }

  /**
   * The manifest `experiment` for new runs of an experiment. Asked on every run created: the
   * saved experiments answer without reading the branch, and runs' experiments are re-read
   * only for an id not seen yet.
   */
  runExperimentOf(id: string): string | undefined {
    if (id === DEFAULT_EXPERIMENT_ID) return undefined;
    const known = this.saved.get(id) ?? this.known.get(id);
    const r = known ?? this.get(id);
    if (!known) this.known.set(id, r);
    if (r.lifecycle === 'deleted') throw new MlflowError('INVALID_STATE', `The experiment ${id} must be in the 'active' state. Current state is deleted.`);
    return id === DEFAULT_EXPERIMENT_ID ? undefined : r.name;
  }

  /** Create an experiment; RESOURCE_ALREADY_EXISTS when the name is taken (also by a deleted one). */
  create(name: string, tags: Record<string, string>, now: number): ExperimentRecord {
    checkName(name);
    const existing = this.byName(name);
    if (existing) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists. Error: experiment '${name}' exists${existing.lifecycle === 'deleted' ? ' (deleted)' : ''}`);
    const id = experimentIdOf(name);
    if (this.all().some((e) => e.id === id)) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists under an earlier name`);
    const record: ExperimentRecord = { id, name, aliases: [], lifecycle: 'active', created: now, updated: now, tags };
    this.save(record);
    return record;
  }

  rename(id: string, name: string, now: number): void {
    checkName(name);
    if (id === DEFAULT_EXPERIMENT_ID) throw invalid('The Default experiment cannot be renamed');
    const r = this.get(id);
    if (r.name === name) return;
    if (this.byName(name)) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
    this.save({ ...r, name, aliases: [...new Set([...r.aliases, r.name])].filter((a) => a !== name), updated: now });
  }

  setLifecycle(id: string, lifecycle: 'active' | 'deleted', now: number): void {
    if (id === DEFAULT_EXPERIMENT_ID && lifecycle === 'deleted') throw invalid('Cannot delete the default experiment \'0\'. This is an internally reserved experiment.');
    const r = this.get(id);
    this.save({ ...r, lifecycle, updated: now });
  }

  setTag(id: string, key: string, value: string, now: number): void {
    const r = this.get(id);
    this.save({ ...r, tags: { ...r.tags, [key]: value }, updated: now });
  }

  private save(record: ExperimentRecord): void {
    this.saved.set(record.id, record);
    mkdirState(this.ctx.repo.stateDir);
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ experiments: [...this.saved.values()] }, null, 1)}\n`);
    shareState(tmp);
    renameSync(tmp, this.path);
  }

  /** Experiment names on the branch with their first and last run times (once per branch tip). */
  private runExperiments(): Map<string, { first: number; last: number }> {
    const tip = runsTip(this.ctx);
    if (this.fromRuns?.tip === tip) return this.fromRuns.byName;
    const byName = new Map<string, { first: number; last: number }>();
    if (tip) {
      const { rows, get } = queryRuns(this.ctx);
      for (const row of rows) {
        const e = get(row, { scope: 'attr', name: 'experiment' });
        const name = typeof e === 'string' ? e : DEFAULT_EXPERIMENT_NAME;
        const t = Date.parse(String(get(row, { scope: 'attr', name: 'created' })));
        const seen = byName.get(name);
        if (!seen) byName.set(name, { first: t, last: t });
        else {
          seen.first = Math.min(seen.first, t);
          seen.last = Math.max(seen.last, t);
        }
      }
    }
    this.fromRuns = { tip, byName };
    return byName;
  }
}

/**
 * An experiment as MLflow's message.
 *
 * @example
 * experimentMessage(experiments.get('0'));
 */
export function experimentMessage(r: ExperimentRecord): MlflowExperiment {
  return {
    experiment_id: r.id,
    name: r.name,
    artifact_location: `mlflow-artifacts:/${r.id}`,
    lifecycle_stage: r.lifecycle,
    creation_time: r.created,
    last_update_time: r.updated,
    tags: Object.entries(r.tags).map(([key, value]) => ({ key, value })),
  };
}

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) throw invalid(`Invalid experiment name ${JSON.stringify(name.slice(0, 200))}: it must be 1 to 200 characters on one line`);
}

function readSaved(path: string): Map<string, ExperimentRecord> {
  const out = new Map<string, ExperimentRecord>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return out;
  }
  const list = (parsed as { experiments?: unknown })?.experiments;
  if (!Array.isArray(list)) return out;
  for (const r of list as ExperimentRecord[]) {
    if (typeof r?.id === 'string' && typeof r.name === 'string' && NAME_PATTERN.test(r.name)) {
      out.set(r.id, {
        id: r.id,
        name: r.name,
        aliases: Array.isArray(r.aliases) ? r.aliases.filter((a) => typeof a === 'string') : [],
        lifecycle: r.lifecycle === 'deleted' ? 'deleted' : 'active',
        created: Number(r.created) || 0,
        updated: Number(r.updated) || 0,
        tags: r.tags && typeof r.tags === 'object' ? Object.fromEntries(Object.entries(r.tags).filter(([, v]) => typeof v === 'string')) : {},
      });
    }
  }
  return out;
}
