/**
 * The server's runs: those in progress ({@link ActiveRun}, staged) and those recorded on
 * `runs`. Every write to the branch (a run recorded, an archive fact for a deleted run, a tag
 * set after the end) goes through one queue, so concurrent clients never race each other for
 * the branch and each run is committed exactly once.
 */
import { captureCodeVersion, resolveHead, type CapturedCode } from '../../git/code-version.js';
import { resolveIdentity } from '../../git/identity.js';
import { recordStaged } from '../../capture/record-staged.js';
import { archiveRuns, renameRun } from '../../facts/record-facts.js';
import { factsOf } from '../../facts/read-facts.js';
import { resolveRecordedCommit } from '../../runs/import-record.js';
import { findRunEntries, readRunManifest, runsTip, type RunEntry } from '../../runs/read-runs.js';
import { RUN_ID_PATTERN } from '../../runs/layout.js';
import { tagRecordsOf, withTags } from '../../stages/read-stages.js';
import { tagRun } from '../../stages/tag-run.js';
import { queryRuns } from '../../query/query-runs.js';
import { readRunSeries } from '../../series/read-series.js';
import { MLFLOW_MAX_ACTIVE_RUNS } from '../../limits.js';
import type { RunManifest } from '../../manifest/schema.js';
import type { TrackerContext } from '../../tracker-context.js';
import { withFacts } from '../../facts/read-facts.js';
import {
  fromTrackName,
  runFromManifest,
  TAG_GIT_COMMIT,
  TAG_MLFLOW_RUN_ID,
  TAG_RUN_NAME,
  toRunStatus,
  type MlflowMetric,
  type MlflowRun,
  type MlflowRunStatus,
} from '../mapping.js';
import { ActiveRun, trackKey } from './active-run.js';
import { RunJsonCache } from './run-json-cache.js';
import { generatedRunName } from './run-names.js';
import { invalid, MlflowError, notFound } from './errors.js';
import type { Experiments } from './experiments.js';

/** A recorded run as the server shows it. */
export interface RecordedRun {
  entry: RunEntry;
  manifest: RunManifest;
  deleted: boolean;
}

export class RunStore {
  readonly active = new Map<string, ActiveRun>();
  /** Recorded runs' JSON for runs/search, valid while the `runs` tip is unchanged. */
  readonly runJson = new RunJsonCache();
  private queue: Promise<unknown> = Promise.resolve();
  /** One code capture shared by the runs created while it is under way. */
  private capture: Promise<CapturedCode> | null = null;

  constructor(
    readonly ctx: TrackerContext,
    readonly experiments: Experiments,
  ) {}

  /** Run `write` after every write queued before it; its result (or error) is the caller's. */
  enqueue<T>(write: () => Promise<T>): Promise<T> {
    const result = this.queue.then(write);
    this.queue = result.catch(() => {});
    return result;
  }

  /** Resolves when every queued write is done. */
  drain(): Promise<unknown> {
    return this.queue;
  }

  /** The artifact URI MLflow clients resolve against this server's artifact proxy. */
  artifactUri(experimentId: string, runId: string): string {
    return `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
  }

  /** Start a run: a staging dir, with the code as it is now (or the commit the client names). */
  async create(options: { experimentId: string; startTime?: number; runName?: string; tags: { key: string; value: string }[] }): Promise<ActiveRun> {
    if (this.active.size >= MLFLOW_MAX_ACTIVE_RUNS) throw new MlflowError('INVALID_STATE', `${MLFLOW_MAX_ACTIVE_RUNS} runs are in progress on this server already; end some first`);
    const experiment = this.experiments.runExperimentOf(options.experimentId);
    const clientCommit = options.tags.find((t) => t.key === TAG_GIT_COMMIT)?.value;
    let code: CapturedCode['code'] | undefined;
    let patch: Buffer | undefined;
    const head = clientCommit ? resolveHead(this.ctx.repo).commit : null;
    if (clientCommit && !(head && head.startsWith(clientCommit.toLowerCase()))) {
      // The client's code is not this work tree: link the commit it names when this
      // repository has it; otherwise the commit stays a tag.
      const { commit } = resolveRecordedCommit(this.ctx.store, clientCommit);
      code = { commit, branch: null, dirty: false };
    } else {
      const captured = await this.captureCode();
      code = captured.code;
      patch = captured.patch ?? undefined;
    }
    const run = new ActiveRun(this.ctx, {
      experimentId: options.experimentId,
      experiment,
      startTime: options.startTime ?? Date.now(),
      code,
      patch,
      name: options.runName || undefined,
      tags: options.tags,
      resolveParent: (id) => this.parentId(id),
    });
    // MLflow's server names every run a client starts without one; so does this one.
    if (!options.runName && !options.tags.some((t) => t.key === TAG_RUN_NAME && t.value)) run.setName(generatedRunName(run.id));
    this.active.set(run.id, run);
    return run;
  }

  /** An active run by id, or null. */
  activeRun(id: string): ActiveRun | null {
    return this.active.get(id) ?? null;
  }

  /** A recorded run by its id (or an imported run by its MLflow run id), or null. */
  recorded(id: string): RecordedRun | null {
    const tip = runsTip(this.ctx);
    if (!tip) return null;
    let entry: RunEntry | undefined;
    if (RUN_ID_PATTERN.test(id)) entry = findRunEntries(this.ctx, tip, id).find((e) => e.id === id);
    if (!entry && /^[0-9a-zA-Z][\w-]{0,255}$/.test(id)) {
      const { table, rows } = queryRuns(this.ctx, { filter: { kind: 'compare', field: { scope: 'tags', name: TAG_MLFLOW_RUN_ID }, op: '=', value: { type: 'string', value: id } }, limit: 1 });
      if (rows.length) entry = { id: table.id(rows[0]!), tree: table.tree(rows[0]!) };
    }
    if (!entry) return null;
    const facts = factsOf(this.ctx, entry.id);
    const manifest = withFacts(withTags(readRunManifest(this.ctx, entry), tagRecordsOf(this.ctx, entry.id)), facts);
    return { entry, manifest, deleted: facts?.archived ?? false };
  }

  /** The run, active or recorded; RESOURCE_DOES_NOT_EXIST when neither. */
  getRun(id: string): MlflowRun {
    const active = this.active.get(id);
    if (active) return active.message(this.artifactUri(active.experimentId, active.id));
    const rec = this.recorded(id);
    if (!rec) throw notFound(`Run with id=${id} not found`);
    return this.recordedMessage(rec);
  }

  /** A recorded run as MLflow's message. */
  recordedMessage(rec: RecordedRun): MlflowRun {
    const experimentId = this.experiments.idOfName(rec.manifest.experiment);
    const run = runFromManifest(rec.manifest, { artifactUri: this.artifactUri(experimentId, rec.manifest.id), deleted: rec.deleted });
    run.info.experiment_id = experimentId;
    return run;
  }

  /** An active run to log to; a recorded one is MLflow's INVALID_STATE (it is a commit now). */
  open(id: string): ActiveRun {
    const run = this.active.get(id);
    if (run) return run;
    if (this.recorded(id)) throw new MlflowError('INVALID_STATE', `The run ${id} has ended and is recorded on 'runs'; git-track records a run once, log before ending it`);
    throw notFound(`Run with id=${id} not found`);
  }

  /** Set tags on a run; on a recorded run, a later tag record (a name: a rename fact). */
  async setTags(id: string, tags: { key: string; value: string }[]): Promise<void> {
    const run = this.active.get(id);
    if (run) {
      run.setTags(tags, (p) => this.parentId(p));
      return;
    }
    const rec = this.recorded(id);
    if (!rec) throw notFound(`Run with id=${id} not found`);
    const plain: Record<string, string> = {};
    for (const t of tags) {
      if (t.key === TAG_RUN_NAME) await this.enqueue(() => renameRun(this.ctx, rec.manifest.id, t.value));
      else plain[trackKey(t.key, 'tag')] = t.value;
    }
    if (Object.keys(plain).length) await this.enqueue(() => tagRun(this.ctx, rec.manifest.id, plain));
  }

  /** End, rename or re-status a run. A terminal status records an active run as one commit. */
  async update(id: string, options: { status?: string; endTime?: number; runName?: string }): Promise<MlflowRun> {
    const run = this.active.get(id);
    if (!run) {
      const rec = this.recorded(id);
      if (!rec) throw notFound(`Run with id=${id} not found`);
      if (options.runName && options.runName !== rec.manifest.name) await this.enqueue(() => renameRun(this.ctx, rec.manifest.id, options.runName!));
      const status = options.status && toRunStatus(options.status);
      if (status && status !== rec.manifest.status) {
        throw new MlflowError('INVALID_STATE', `The run ${id} is recorded as ${rec.manifest.status.toUpperCase()}; a recorded run's status cannot change`);
      }
      return this.getRun(rec.manifest.id);
    }
    if (options.runName) run.setName(options.runName);
    const status = options.status as MlflowRunStatus | undefined;
    if (status && !['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].includes(status)) throw invalid(`Invalid value '${status}' for parameter 'status'`);
    const terminal = status ? toRunStatus(status) : null;
    if (!terminal) return run.message(this.artifactUri(run.experimentId, run.id));
    if (!run.recording) {
      const endTime = options.endTime ?? Date.now();
      run.end(status!, endTime);
      run.recording = this.enqueue(async () => {
        const durationS = Math.max(0, (endTime - run.startTime) / 1000);
        const result = await recordStaged(this.ctx, run.dir, { status: terminal, durationS });
        if (run.deleted) await archiveRuns(this.ctx, [run.id], true);
        return result;
      }).finally(() => this.active.delete(run.id));
    }
    await run.recording;
    return this.getRun(run.id);
  }

  /** MLflow's soft delete: an archive fact (restore: unarchive). An active run is archived once recorded. */
  async setDeleted(id: string, deleted: boolean): Promise<void> {
    const run = this.active.get(id);
    if (run) {
      run.deleted = deleted;
      return;
    }
    const rec = this.recorded(id);
    if (!rec) throw notFound(`Run with id=${id} not found`);
    if (rec.deleted !== deleted) await this.enqueue(() => archiveRuns(this.ctx, [rec.manifest.id], deleted));
  }

  /** Every value of a metric, in the order logged. */
  metricHistory(id: string, key: string): MlflowMetric[] {
    const run = this.active.get(id);
    if (run) return run.metricHistory(key);
    const rec = this.recorded(id);
    if (!rec) throw notFound(`Run with id=${id} not found`);
    return recordedHistory(this.ctx, rec, key);
  }

  /** The parent a client names (an id of ours, or an imported run's MLflow id), as a run id. */
  parentId(mlflowId: string): string | undefined {
    if (this.active.has(mlflowId)) return mlflowId;
    if (RUN_ID_PATTERN.test(mlflowId)) return mlflowId;
    return this.recorded(mlflowId)?.manifest.id;
  }

  private captureCode(): Promise<CapturedCode> {
    if (!this.capture) {
      const identity = resolveIdentity(this.ctx.repo, this.ctx.env);
      this.capture = captureCodeVersion(this.ctx.repo, this.ctx.env, identity).finally(() => {
        this.capture = null;
      });
    }
    return this.capture;
  }
}

/** A recorded run's metric history: its series file, or its one value at the run's end. */
function recordedHistory(ctx: TrackerContext, rec: RecordedRun, key: string): MlflowMetric[] {
  const name = trackKey(key, 'metric');
  if (rec.manifest.series?.includes(name)) {
    const { series } = readRunSeries(ctx, rec.manifest.id, name);
    const end = Date.parse(rec.manifest.created) + Math.round((rec.manifest.duration_s ?? 0) * 1000);
    return (series[0]?.points ?? []).map((p) => ({ key, value: p.value, step: p.step, timestamp: p.timestamp ? Date.parse(p.timestamp) : end }));
  }
  const value = rec.manifest.metrics[name];
  if (value === undefined) return [];
  const end = Date.parse(rec.manifest.created) + Math.round((rec.manifest.duration_s ?? 0) * 1000);
  return [{ key: fromTrackName(name), value, step: 0, timestamp: end }];
}

