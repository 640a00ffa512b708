/**
 * MLflow experiments over git-track's `experiment` names. An experiment exists when runs name
 * it or when a client created it; its id comes from its first name ({@link experimentIdOf}), so
 * it is the same after a restart and in every clone. What runs cannot carry (an experiment
 * with no runs yet, its tags, a rename, a deletion) is recorded on `runs` as experiment
 * records (experiment-records.ts), pushed and pulled with the runs. A server of an earlier
 * version kept them in `<git-dir>/git-track/mlflow-experiments.json`: {@link openExperiments}
 * moves that file's experiments onto the branch once.
 */
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isGitTrackError, systemCode } from '../../errors.js';
import type { TreeEdit } from '../../git/tree-edit.js';
import { resolveIdentity } from '../../git/identity.js';
import { lookupPath } from '../../git/tree-edit.js';
import { queryRuns } from '../../query/query-runs.js';
import { runsTip } from '../../runs/read-runs.js';
import { appendToRuns } from '../../runs/runs-branch.js';
import { warnSkipped } from '../../stages/record-file.js';
import type { TrackerContext } from '../../tracker-context.js';
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, experimentIdOf } from '../mapping.js';
import { MlflowError, invalid, notFound } from './errors.js';
import { EXPERIMENTS_FILE, legacyChanges, validTime, type Change } from './experiments-file.js';
import {
  decodeExperimentRecord,
  encodeExperimentRecord,
  experimentRecordPath,
  EXPERIMENT_RECORD_FORMAT,
  EXPERIMENTS_DIR,
  NAME_PATTERN,
  readExperimentRecords,
  type FoldedExperiment,
} from './experiment-records.js';

/** What the server knows about an experiment. */
export type ExperimentRecord = FoldedExperiment;

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


/**
 * The server's experiments, with the earlier server's file moved onto `runs` first (one
 * commit, once; the file is then renamed `mlflow-experiments.json.migrated`).
 *
 * @example
 * const experiments = await openExperiments(ctx);
 */
export async function openExperiments(ctx: TrackerContext): Promise<Experiments> {
  const experiments = new Experiments(ctx);
  await experiments.migrate(join(ctx.repo.stateDir, EXPERIMENTS_FILE));
  return experiments;
}

export class Experiments {
  private recorded: { tree: string | null; byId: Map<string, ExperimentRecord> } = { tree: null, byId: new Map() };
  private fromRuns: { tip: string | null; byName: Map<string, { first: number; last: number }> } | null = null;
  /** Experiments known from runs, by id (a name's id never changes). */
  private readonly known = new Map<string, ExperimentRecord>();
  /** This server's changes, one at a time: each is checked against the branch as it is then. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: TrackerContext) {}

  /** Every experiment, the Default first. */
  all(): ExperimentRecord[] {
    const out = new Map<string, ExperimentRecord>();
    const runs = this.runExperiments();
    const defaultRuns = runs.get(DEFAULT_EXPERIMENT_NAME);
    out.set(DEFAULT_EXPERIMENT_ID, { id: DEFAULT_EXPERIMENT_ID, name: DEFAULT_EXPERIMENT_NAME, aliases: [], lifecycle: 'active', created: defaultRuns?.first ?? 0, updated: defaultRuns?.last ?? 0, tags: {} });
    for (const r of this.saved().values()) out.set(r.id, { ...r, tags: { ...r.tags } });
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

  /**
   * The experiment with this name (current name), or undefined. Two clones may each have
   * renamed an experiment to the same name: the one created first holds it, the same in
   * every clone.
   */
  byName(name: string): ExperimentRecord | undefined {
    return this.all()
      .filter((e) => e.name === name)
      .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))[0];
  }

  /** The id of the experiment a manifest's `experiment` belongs to (a renamed one's old names too). */
  idOfName(name: string | undefined): string {
    if (name === undefined) return DEFAULT_EXPERIMENT_ID;
    const saved = [...this.saved().values()].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
    return (saved.find((r) => r.name === name) ?? saved.find((r) => r.aliases.includes(name)))?.id ?? experimentIdOf(name);
  }

  /** Every manifest `experiment` value of an experiment (undefined stands for runs without one). */
  namesOf(id: string): (string | undefined)[] {
    if (id === DEFAULT_EXPERIMENT_ID) return [undefined, DEFAULT_EXPERIMENT_NAME];
    const r = this.get(id);
    return [r.name, ...r.aliases];
  }

  /**
   * The manifest `experiment` for new runs of an experiment. Asked on every run created: the
   * recorded experiments answer without reading runs, and runs' experiments are re-read only
   * for an id not seen yet.
   */
  runExperimentOf(id: string): string | undefined {
    if (id === DEFAULT_EXPERIMENT_ID) return undefined;
    const known = this.saved().get(id) ?? this.known.get(id);
    const r = known ?? this.get(id);
    if (!known) this.known.set(id, r);
    if (r.lifecycle === 'deleted') throw new MlflowError('INVALID_STATE', `The experiment ${id} must be in the 'active' state. Current state is deleted.`);
    return r.name;
  }

  /** Create an experiment; RESOURCE_ALREADY_EXISTS when the name is taken (also by a deleted one). */
  create(name: string, tags: Record<string, string>): Promise<ExperimentRecord> {
    return this.serially(async () => {
      checkName(name);
      const existing = this.byName(name);
      if (existing) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists. Error: experiment '${name}' exists${existing.lifecycle === 'deleted' ? ' (deleted)' : ''}`);
      const id = experimentIdOf(name);
      if (this.all().some((e) => e.id === id)) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists under an earlier name`);
      await this.record([[id, { created: true, name, ...(Object.keys(tags).length ? { tags } : {}) }]], `mlflow: create experiment ${name}`);
      return this.get(id);
    });
  }

  rename(id: string, name: string): Promise<void> {
    return this.serially(async () => {
      checkName(name);
      if (id === DEFAULT_EXPERIMENT_ID) throw invalid('The Default experiment cannot be renamed');
      const r = this.get(id);
      if (r.name === name) return;
      if (this.byName(name)) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
      await this.change(r, { name }, `rename experiment ${r.name} to ${name}`);
    });
  }

  setLifecycle(id: string, lifecycle: 'active' | 'deleted'): Promise<void> {
    return this.serially(async () => {
      if (id === DEFAULT_EXPERIMENT_ID && lifecycle === 'deleted') throw invalid('Cannot delete the default experiment \'0\'. This is an internally reserved experiment.');
      const r = this.get(id);
      if (id === DEFAULT_EXPERIMENT_ID || r.lifecycle === lifecycle) return;
      await this.change(r, { lifecycle }, `${lifecycle === 'deleted' ? 'delete' : 'restore'} experiment ${r.name}`);
    });
  }

  setTag(id: string, key: string, value: string): Promise<void> {
    return this.serially(async () => {
      const r = this.get(id);
      if (r.tags[key] === value) return;
      await this.change(r, { tags: { [key]: value } }, `tag experiment ${r.name}`);
    });
  }

  /**
   * Move an earlier server's experiments file onto `runs`: experiments not recorded there yet
   * get their records (created, renames, lifecycle, tags) in one commit; the file is then
   * renamed, never deleted.
   */
  async migrate(path: string): Promise<void> {
    if (!existsSync(path)) return;
    const changes = legacyChanges(path, this.saved(), this.ctx.env.now().getTime(), (m) => this.ctx.env.warn(m));
    if (changes.length) await this.record(changes.map((c) => [c.id, c.change]), `mlflow: record ${new Set(changes.map((c) => c.id)).size} experiments of ${EXPERIMENTS_FILE}`, changes.map((c) => c.at), (m) => this.ctx.env.warn(`${EXPERIMENTS_FILE}: ${m}; left out`));
    try {
      renameSync(path, `${path}.migrated`);
    } catch (err) {
      // Another server on this repository moved it at the same moment (its records fold with ours).
      if (systemCode(err) !== 'ENOENT') throw err;
    }
  }

  /** A change to an experiment; one known only from runs gets its `created` record with it. */
  private async change(r: ExperimentRecord, change: Change, summary: string): Promise<void> {
    const records: [string, Change][] = [];
    const times: (number | undefined)[] = [];
    if (!this.saved().has(r.id)) {
      records.push([r.id, { created: true, name: r.aliases[0] ?? r.name }]);
      times.push(validTime(r.created));
    }
    records.push([r.id, change]);
    await this.record(records, `mlflow: ${summary}`, times);
  }

  /** Append records in one commit; `times` (ms) stamp them when given, else now (1 ms apart, so file order is change order). */
  /**
   * Append records in one commit; `times` (ms) stamp them when given, else now (1 ms apart, so
   * file order is change order). Each record is read back as every clone will read it: one a
   * reader would refuse (a tag value too long, a record over the size limit) is never written —
   * INVALID_PARAMETER_VALUE, or with `onInvalid` (moving the earlier file) left out and said.
   */
  private async record(changes: [string, Change][], summary: string, times: (number | undefined)[] = [], onInvalid?: (message: string) => void): Promise<void> {
    const identity = await resolveIdentity(this.ctx.repo, this.ctx.env);
    const by = { name: identity.name, email: identity.email };
    const now = this.ctx.env.now().getTime();
    const edits: TreeEdit[] = [];
    changes.forEach(([id, change], i) => {
      const at = new Date(times[i] ?? now + i).toISOString();
      const text = encodeExperimentRecord({ format: EXPERIMENT_RECORD_FORMAT, experiment: id, at, by, ...change });
      try {
        decodeExperimentRecord(text, `experiment ${id}`);
      } catch (err) {
        if (!isGitTrackError(err)) throw err;
        if (!onInvalid) throw invalid(err.message);
        onInvalid(err.message);
        return;
      }
      const oid = this.ctx.store.write('blob', Buffer.from(text));
      edits.push({ path: experimentRecordPath(id, at, this.ctx.env.random(3).toString('hex')), entry: { mode: '100644' as const, oid } });
    });
    if (edits.length === 0) return;
    const trailers = [...new Set(changes.map(([id]) => `Git-Track-MLflow-Experiment: ${id}`))].join('\n');
    await appendToRuns(this.ctx, { edits: () => edits, message: `${summary}\n\n${trailers}\n`, identity });
  }

  private serially<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write);
    this.writes = result.catch(() => {});
    return result;
  }

  /** The experiments recorded on `runs` (read again only when their tree changed). */
  private saved(): Map<string, ExperimentRecord> {
    const tip = runsTip(this.ctx);
    const dir = tip ? lookupPath(this.ctx.store, this.ctx.store.readCommit(tip).tree, EXPERIMENTS_DIR) : undefined;
    const tree = dir?.oid ?? null;
    if (tree !== this.recorded.tree) {
      this.recorded = { tree, byId: tip && dir ? readExperimentRecords(this.ctx, this.ctx.store.readCommit(tip).tree, warnSkipped(this.ctx)) : new Map() };
      this.known.clear();
    }
    return this.recorded.byId;
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
