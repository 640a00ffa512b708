/**
 * A run in progress on the server: what MLflow clients logged so far, in memory for fast
 * answers and in the run's staging dir (the same files `git-track run` and the library's
 * runs write) so a crash of the server loses nothing: the next `recover`, `list` or server
 * start records the dir as `killed` with every value it holds.
 *
 * Writes are synchronous and whole: params.json, tags.json and meta.json are replaced by a
 * rename, metric steps are appended to metrics.jsonl, one write per request.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStaging, STREAM_FILE, writeState, type RunState } from '../../capture/staging.js';
import { parseMetricStream } from '../../capture/metric-stream.js';
import type { CodeVersion } from '../../git/code-version.js';
import { shareState } from '../../git/state-perm.js';
import { MAX_MANIFEST_BYTES, MLFLOW_MAX_ACTIVE_HISTORY, MLFLOW_MAX_DATASET_DIGEST_CHARS, MLFLOW_MAX_KEY_CHARS, MAX_PARAM_VALUE_CHARS, MAX_TAG_VALUE_CHARS } from '../../limits.js';
import type { TrackerContext } from '../../tracker-context.js';
import { PATCH_FILE } from '../../runs/layout.js';
import {
  fromTrackName,
  TAG_GIT_COMMIT,
  TAG_NOTE,
  TAG_PARENT,
  TAG_RUN_NAME,
  TAG_USER,
  toParamValue,
  toTrackName,
  runData,
  TAG_DATASET_CONTEXT,
  type MlflowDatasetInput,
  type MlflowMetric,
  type MlflowRun,
  type MlflowRunStatus,
} from '../mapping.js';
import { invalid, MlflowError } from './errors.js';
import { datasetRecordTags, type DatasetRecord } from '../dataset-tags.js';
import { NAME_MAX } from '../../manifest/names.js';

export interface NewActiveRun {
  experimentId: string;
  name?: string;
  tags: { key: string; value: string }[];
  /** Maps `mlflow.parentRunId` to a run id. */
  resolveParent: (mlflowRunId: string) => string | undefined;
  /** The manifest `experiment`; undefined for the Default experiment. */
  experiment: string | undefined;
  startTime: number;
  code?: CodeVersion;
  patch?: Buffer;
}

/** A dataset a run used, as MLflow's log-inputs gives it. */
export type DatasetInput = DatasetRecord;

/** A metric step as kept in memory. */
interface Point {
  step: number;
  value: number;
  timestamp: number;
}

export class ActiveRun {
  readonly id: string;
  readonly dir: string;
  readonly experimentId: string;
  readonly startTime: number;
  status: MlflowRunStatus = 'RUNNING';
  endTime: number | undefined;
  deleted = false;
  /** Set while the run is being recorded: the recording every caller waits for. */
  recording: Promise<unknown> | null = null;
  private state: RunState;
  private readonly meta: { name?: string; experiment?: string; note?: string; parent?: string };
  /** Param values as MLflow strings, by MLflow key (write-once). */
  private readonly params = new Map<string, string>();
  /** Every tag as the client set it, by MLflow key. */
  private readonly tags = new Map<string, string>();
  private readonly latest = new Map<string, MlflowMetric>();
  private history: Map<string, Point[]> | null = new Map();
  private points = 0;
  /** Keys whose non-finite values were dropped (warned once each). */
  private readonly dropped = new Set<string>();
  private inputs: DatasetInput[] = [];
  /** About how many bytes the run's params, tags and metric names take in its manifest. */
  private manifestBytes = 0;

  constructor(private readonly ctx: TrackerContext, init: NewActiveRun) {
    // Everything a client can get wrong is checked before the staging dir exists: a refused
    // create leaves nothing behind.
    if (init.name) checkRunName(init.name);
    for (const { key, value } of init.tags) {
      trackKey(key, 'tag');
      checkValue(`tag '${key}'`, value, MAX_TAG_VALUE_CHARS);
    }
    const user = [...init.tags].reverse().find((t) => t.key === TAG_USER)?.value;
    const author = user && !/[<>\n\r]/.test(user) ? { name: user, email: '' } : undefined;
    // The run starts when the client says it did (MLflow's start_time): one write of run.json.
    const env = { ...ctx.env, now: () => new Date(init.startTime) };
    const { dir, state } = createStaging(ctx.repo, env, { owner: 'api', input: { ...(init.code ? { code: init.code } : {}), ...(author ? { author } : {}) } });
    this.id = state.id;
    this.dir = dir;
    this.experimentId = init.experimentId;
    this.startTime = init.startTime;
    this.state = state;
    if (init.patch) writeFileSync(join(dir, PATCH_FILE), init.patch);
    this.meta = init.experiment === undefined ? {} : { experiment: init.experiment };
    if (init.name) {
      this.meta.name = init.name;
      this.tags.set(TAG_RUN_NAME, init.name);
    }
    this.applyTags(init.tags, init.resolveParent);
    this.writeMeta();
    this.writeTags();
  }

  get name(): string | undefined {
    return this.meta.name;
  }

  /** Set the run's name (MLflow's run_name, or the mlflow.runName tag). */
  setName(name: string): void {
    if (name === '') return;
    checkRunName(name);
    this.meta.name = name;
    this.tags.set(TAG_RUN_NAME, name);
    this.writeMeta();
  }

  /**
   * Log params; one already logged with another value is MLflow's error, and nothing of the
   * request is written.
   */
  logParams(params: { key: string; value: string }[]): void {
    this.checkOpen();
    const fresh = new Map<string, string>();
    for (const { key, value } of params) {
      trackKey(key, 'param');
      checkValue(`param '${key}'`, value, MAX_PARAM_VALUE_CHARS);
      const old = this.params.get(key) ?? fresh.get(key);
      if (old !== undefined && old !== value) {
        throw invalid(
          `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${this.id}'. Attempted logging new value '${value}'.`,
        );
      }
      fresh.set(key, value);
    }
    if ([...fresh].every(([k]) => this.params.has(k))) return;
    this.reserve([...fresh].filter(([k]) => !this.params.has(k)).reduce((n, [k, v]) => n + entryBytes(k, v), 0));
    for (const [k, v] of fresh) this.params.set(k, v);
    const out: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of this.params) out[toTrackName(k)!] = toParamValue(v);
    writeAtomic(join(this.dir, 'params.json'), JSON.stringify(out));
  }

  /** Set tags; the well-known ones also set the run's name, note, parent or author. */
  setTags(tags: { key: string; value: string }[], resolveParent: (id: string) => string | undefined): void {
    this.checkOpen();
    for (const { key, value } of tags) {
      trackKey(key, 'tag');
      checkValue(`tag '${key}'`, value, MAX_TAG_VALUE_CHARS);
    }
    this.reserve(tags.reduce((n, { key, value }) => n + entryBytes(key, value) - (this.tags.has(key) ? entryBytes(key, this.tags.get(key)!) : 0), 0));
    const { meta, author } = this.applyTags(tags, resolveParent);
    if (author) writeState(this.dir, this.state);
    if (meta) this.writeMeta();
    this.writeTags();
  }

  /** Tags into memory (checked already); says which files need writing. */
  private applyTags(tags: { key: string; value: string }[], resolveParent: (id: string) => string | undefined): { meta: boolean; author: boolean } {
    const changed = { meta: false, author: false };
    for (const { key, value } of tags) {
      if (key === TAG_RUN_NAME) {
        if (value !== '') {
          checkRunName(value);
          this.meta.name = value;
          this.tags.set(key, value);
          changed.meta = true;
        }
        continue;
      }
      this.tags.set(key, value);
      if (key === TAG_NOTE) {
        this.meta.note = value;
        changed.meta = true;
      } else if (key === TAG_PARENT) {
        const parent = resolveParent(value);
        if (parent !== undefined && parent !== this.id) {
          this.meta.parent = parent;
          changed.meta = true;
        }
      } else if (key === TAG_USER && value !== '' && !/[<>\n\r]/.test(value) && this.state.input.author?.name !== value) {
        this.state = { ...this.state, input: { ...this.state.input, author: { name: value, email: '' } } };
        changed.author = true;
      }
    }
    return changed;
  }

  /** Remove a tag; RESOURCE_DOES_NOT_EXIST when the run has none by that key (as MLflow). */
  deleteTag(key: string): void {
    this.checkOpen();
    if (!this.tags.has(key)) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${this.id}`);
    this.tags.delete(key);
    if (key === TAG_NOTE) delete this.meta.note;
    if (key === TAG_PARENT) delete this.meta.parent;
    if (key === TAG_NOTE || key === TAG_PARENT) this.writeMeta();
    this.writeTags();
  }

  /**
   * Log metric values (all checked before any is written). Non-finite values (NaN, ±Infinity)
   * cannot be recorded in a manifest: they are left out with one warning per metric, so a
   * training script that logs a NaN loss goes on.
   */
  logMetrics(metrics: MlflowMetric[]): void {
    this.checkOpen();
    let lines = '';
    for (const m of metrics) trackKey(m.key, 'metric');
    this.reserve([...new Set(metrics.map((m) => m.key))].filter((k) => !this.latest.has(k)).reduce((n, k) => n + entryBytes(k, '-0.0000000000000000e+000') * 2, 0));
    for (const m of metrics) {
      if (!Number.isFinite(m.value)) {
        if (!this.dropped.has(m.key)) this.ctx.env.warn(`run ${this.id}: metric '${m.key}' value ${m.value} is not a finite number; such values are not recorded`);
        this.dropped.add(m.key);
        continue;
      }
      lines += `{"name":${JSON.stringify(toTrackName(m.key))},"step":${m.step},"value":${m.value},"ts":${m.timestamp}}\n`;
      const last = this.latest.get(m.key);
      // MLflow's latest value is the one at the highest step (then the latest time).
      if (!last || m.step > last.step || (m.step === last.step && m.timestamp >= last.timestamp)) this.latest.set(m.key, m);
      if (this.history) {
        const list = this.history.get(m.key) ?? [];
        list.push({ step: m.step, value: m.value, timestamp: m.timestamp });
        this.history.set(m.key, list);
        // Past the bound, history is read back from the staging dir instead.
        if (++this.points > MLFLOW_MAX_ACTIVE_HISTORY) this.history = null;
      }
    }
    if (lines) {
      appendFileSync(join(this.dir, STREAM_FILE), lines);
    }
  }

  /**
   * Datasets the run used (MLflow's log-inputs), with the context MLflow gives an input
   * (`mlflow.data.context`: training, eval, …): kept in the staging dir's inputs.json, which the
   * recording writes as `dataset.<name>` tags (dataset-tags.ts). A client's local path is never
   * hashed on the server.
   */
  logInputs(datasets: DatasetInput[]): void {
    this.checkOpen();
    for (const d of datasets) {
      if (d.context !== undefined) checkValue(`context of dataset '${d.name}'`, d.context, MAX_TAG_VALUE_CHARS);
      if (d.sourceType !== undefined) checkValue(`source type of dataset '${d.name}'`, d.sourceType, MAX_TAG_VALUE_CHARS);
      // MLflow's own limit for a digest; a source is kept whole in one tag, so a tag's limit.
      checkValue(`digest of dataset '${d.name}'`, d.digest, MLFLOW_MAX_DATASET_DIGEST_CHARS);
      checkValue(`source of dataset '${d.name}'`, d.source, MAX_TAG_VALUE_CHARS);
    }
    const next = this.inputs.map((i) => ({ ...i }));
    let bytes = 0;
    for (const d of datasets) {
      const same = next.find((i) => i.name === d.name && i.digest === d.digest);
      if (same) {
        Object.assign(same, d);
        continue;
      }
      bytes += entryBytes(d.name, d.source) + entryBytes(d.name, d.digest) + entryBytes(d.name, d.context ?? '') + entryBytes(d.name, d.sourceType ?? '');
      next.push(d);
    }
    // Whatever the recording could not write as tags is refused now, not lost then.
    const [refused] = datasetRecordTags(next).refused;
    if (refused !== undefined) throw invalid(`Dataset name '${refused.slice(0, 100)}' is too long: git-track records a dataset as the tag dataset.<name>, which holds at most ${NAME_MAX} characters`);
    this.reserve(bytes);
    this.inputs = next;
    writeAtomic(join(this.dir, 'inputs.json'), JSON.stringify(this.inputs));
  }

  /** The datasets logged so far, for datasets.* filters. */
  datasets(): readonly DatasetInput[] {
    return this.inputs;
  }

  /** Every logged value of a metric, in the order logged. */
  metricHistory(key: string): MlflowMetric[] {
    if (this.history) return (this.history.get(key) ?? []).map((p) => ({ key, ...p }));
    const name = toTrackName(key);
    let text = '';
    try {
      text = readFileSync(join(this.dir, STREAM_FILE), 'utf8');
    } catch {
      return [];
    }
    const series = name === null ? undefined : parseMetricStream(text, STREAM_FILE, () => {}).get(name);
    return (series ?? []).map((p) => ({ key, value: p.value, step: p.step, timestamp: p.ts ?? this.startTime }));
  }

  /** The run as MLflow's message. */
  message(artifactUri: string): MlflowRun {
    return {
      info: {
        run_id: this.id,
        run_uuid: this.id,
        run_name: this.meta.name ?? '',
        experiment_id: this.experimentId,
        user_id: this.state.input.author?.name ?? '',
        status: this.status,
        start_time: this.startTime,
        ...(this.endTime !== undefined ? { end_time: this.endTime } : {}),
        artifact_uri: artifactUri,
        lifecycle_stage: this.deleted ? 'deleted' : 'active',
      },
      data: runData(
        [...this.latest.values()],
        [...this.params].map(([key, value]) => ({ key, value })),
        [...this.tags].map(([key, value]) => ({ key, value })),
      ),
      inputs: this.inputs.length ? { dataset_inputs: this.inputs.map(datasetInputMessage) } : {},
    };
  }

  /** Field values for filters, as a manifest would give them. */
  fields(): { name?: string; experiment?: string; parent?: string; note?: string; author?: string; params: Map<string, string>; tags: Map<string, string>; metrics: Map<string, MlflowMetric> } {
    return { ...this.meta, author: this.state.input.author?.name, params: this.params, tags: this.tags, metrics: this.latest };
  }

  /** A terminal status: no more logging. */
  end(status: MlflowRunStatus, endTime: number): void {
    this.status = status;
    this.endTime = endTime;
  }

  /** Make the staging dir's artifacts/<path> directory (the artifact proxy writes into it). */
  artifactsDir(): string {
    const dir = join(this.dir, 'artifacts');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /**
   * Refuse what would make the manifest too large to record (MAX_MANIFEST_BYTES), so a run in
   * progress can always be recorded: the request is refused, the run keeps what it had.
   */
  private reserve(bytes: number): void {
    // Room for the rest of the manifest: ids, times, author, code, environment, artifacts.
    const limit = MAX_MANIFEST_BYTES - 128 * 1024;
    if (this.manifestBytes + bytes > limit) {
      throw invalid(`Run ${this.id} would hold more than ${limit} bytes of params, tags and metric names, over what one run's manifest can record (MAX_MANIFEST_BYTES); log fewer or shorter values`);
    }
    this.manifestBytes += bytes;
  }

  private checkOpen(): void {
    if (this.status !== 'RUNNING' && this.status !== 'SCHEDULED') {
      throw new MlflowError('INVALID_STATE', `The run ${this.id} is ${this.status}: git-track records a run once it ends, log before ending it`);
    }
  }

  private writeMeta(): void {
    writeAtomic(join(this.dir, 'meta.json'), JSON.stringify(this.meta));
  }

  private writeTags(): void {
    const out: Record<string, string> = {};
    for (const [k, v] of this.tags) {
      // The manifest fields carry these; a commit the repository lacks stays a tag.
      if (k === TAG_RUN_NAME || k === TAG_NOTE || k === TAG_USER) continue;
      if (k === TAG_PARENT && this.meta.parent !== undefined) continue;
      if (k === TAG_GIT_COMMIT && this.state.input.code?.commit) continue;
      out[toTrackName(k)!] = v;
    }
    writeAtomic(join(this.dir, 'tags.json'), JSON.stringify(out));
  }
}

function datasetInputMessage(d: DatasetInput): MlflowDatasetInput {
  return {
    ...(d.context !== undefined ? { tags: [{ key: TAG_DATASET_CONTEXT, value: d.context }] } : {}),
    dataset: { name: d.name, digest: d.digest, source_type: d.sourceType ?? '', source: d.source },
  };
}

/** The git-track name of an MLflow key, or MLflow's error for a key it cannot be. */
export function trackKey(key: string, what: string): string {
  if (typeof key !== 'string' || key === '') throw invalid(`Missing value for required parameter 'key' of a ${what}`);
  if (key.length > MLFLOW_MAX_KEY_CHARS) throw invalid(`${what} key '${key.slice(0, 100)}…' had length ${key.length}, which exceeded length limit of ${MLFLOW_MAX_KEY_CHARS}`);
  // Metric series are files named after the key (as in MLflow's file store): no empty, `.` or `..` segment.
  if (key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw invalid(`Invalid ${what} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`);
  }
  const name = toTrackName(key);
  if (name === null) throw invalid(`Invalid ${what} name: '${key.slice(0, 200)}' cannot be recorded (too long once encoded)`);
  return name;
}

/** About what one key and value take in a manifest line (UTF-8, quotes, indentation). */
function entryBytes(key: string, value: string): number {
  return Buffer.byteLength(key) + Buffer.byteLength(value) + 16;
}

function checkRunName(name: string): void {
  checkValue('run name', name, 200);
  if (/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(name)) throw invalid(`Invalid run name ${JSON.stringify(name.slice(0, 200))}: it must be one line`);
}

function checkValue(what: string, value: string, max: number): void {
  if (value.length > max) throw invalid(`${what} had length ${value.length}, which exceeded length limit of ${max}`);
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  shareState(`${path}.tmp`);
  renameSync(`${path}.tmp`, path);
}

export { fromTrackName };
