/**
 * MLflow runs and experiments ⇄ git-track manifests: the one mapping shared by
 * `git-track server` (MLflow's REST API over `runs`) and `git-track import mlflow`.
 *
 * - Experiments: an MLflow experiment is a manifest's `experiment` (a name). Its id is derived
 *   from the name ({@link experimentIdOf}), so it is the same after a restart and in every
 *   clone; MLflow's Default experiment is `"0"` and holds the runs without an experiment.
 * - Well-known tags are manifest fields: `mlflow.runName` → name, `mlflow.note.content` → note,
 *   `mlflow.parentRunId` → parent, `mlflow.source.git.commit` → code commit, `mlflow.user` →
 *   author. Every other tag is kept as a tag.
 * - Keys: MLflow allows spaces and other characters a git-track name does not; those are
 *   percent-encoded ({@link toTrackName}), reversibly ({@link fromTrackName}).
 * - Params: MLflow's are strings; one that is a number written canonically becomes a number
 *   (so `params.lr > 0.01` works in git-track), everything else stays the exact string.
 * - Status: RUNNING/SCHEDULED runs are staged runs; FINISHED/FAILED/KILLED are recorded ones.
 * - Times: MLflow's milliseconds since the epoch ⇄ `created` and `duration_s`.
 */
import { createHash } from 'node:crypto';
import type { RunManifest, RunStatus } from '../manifest/schema.js';
import type { Scalar } from '../runs/log-run.js';
import { DATASET_TAG_PREFIX, isDatasetPart, readDataset } from './dataset-tags.js';
import { fromTrackName, toTrackName } from './track-names.js';

export { fromTrackName, toTrackName } from './track-names.js';

/** MLflow's Default experiment: id and name. Runs without an experiment belong to it. */
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/** Tags MLflow clients set that are manifest fields. */
export const TAG_RUN_NAME = 'mlflow.runName';
export const TAG_NOTE = 'mlflow.note.content';
export const TAG_PARENT = 'mlflow.parentRunId';
export const TAG_GIT_COMMIT = 'mlflow.source.git.commit';
export const TAG_USER = 'mlflow.user';
/** The tag keeping an imported run's MLflow run id (the git-track id is new). */
export const TAG_MLFLOW_RUN_ID = 'mlflow.runId';

export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const MLFLOW_STATUSES: readonly MlflowRunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** MLflow's `Run` message (service.proto) as JSON. */
export interface MlflowRun {
  info: {
    run_id: string;
    run_uuid: string;
    run_name: string;
    experiment_id: string;
    user_id: string;
    status: MlflowRunStatus;
    start_time: number;
    end_time?: number;
    artifact_uri: string;
    lifecycle_stage: 'active' | 'deleted';
  };
  /** Each list left out when empty, as MLflow's JSON leaves out empty repeated fields. */
  data: {
    metrics?: MlflowMetric[];
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  };
  inputs: { dataset_inputs?: MlflowDatasetInput[] };
}

/**
 * A run's `data` as MLflow's JSON writes it: empty lists left out.
 *
 * @example
 * runData([], [{ key: 'lr', value: '0.1' }], []); // { params: [{ key: 'lr', value: '0.1' }] }
 */
export function runData(metrics: MlflowMetric[], params: { key: string; value: string }[], tags: { key: string; value: string }[]): MlflowRun['data'] {
  return { ...(metrics.length ? { metrics } : {}), ...(params.length ? { params } : {}), ...(tags.length ? { tags } : {}) };
}

/** MLflow's `DatasetInput` message as JSON: a dataset a run used, with its context tag. */
export interface MlflowDatasetInput {
  tags?: { key: string; value: string }[];
  dataset: { name: string; digest: string; source_type: string; source: string };
}

/** The input tag MLflow gives a dataset's role (training, eval, …). */
export const TAG_DATASET_CONTEXT = 'mlflow.data.context';

/**
 * The datasets a manifest's tags record (dataset-tags.ts: `dataset.<name>` and the tags
 * beside it, `.digest`, `.context`, `.source_type`) as MLflow's dataset inputs, and the other tags.
 *
 * @example
 * datasetInputsOf({ 'dataset.iris': 's3://b/iris.csv', 'dataset.iris.digest': 'd0', 'dataset.iris.context': 'training', team: 'a' });
 * // { inputs: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'iris', digest: 'd0', source_type: '', source: 's3://b/iris.csv' } }], rest: { team: 'a' } }
 */
export function datasetInputsOf(tags: Record<string, string>): { inputs: MlflowDatasetInput[]; rest: Record<string, string> } {
  const inputs: MlflowDatasetInput[] = [];
  const rest: Record<string, string> = {};
  const has = (key: string) => Object.hasOwn(tags, key);
  for (const [key, value] of Object.entries(tags)) {
    if (!key.startsWith(DATASET_TAG_PREFIX)) {
      rest[key] = value;
      continue;
    }
    if (isDatasetPart(key, has)) continue;
    const name = has(`${key}.name`) ? tags[`${key}.name`]! : key.slice(DATASET_TAG_PREFIX.length);
    const { digest, source } = readDataset(value, has(`${key}.digest`) ? tags[`${key}.digest`] : undefined);
    const context = has(`${key}.context`) ? tags[`${key}.context`] : undefined;
    inputs.push({
      ...(context !== undefined ? { tags: [{ key: TAG_DATASET_CONTEXT, value: context }] } : {}),
      dataset: { name, digest, source_type: (has(`${key}.source_type`) ? tags[`${key}.source_type`] : undefined) ?? '', source },
    });
  }
  return { inputs, rest };
}

export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/**
 * The experiment id of an experiment name: `"0"` for none (or `Default`), else the first 52
 * bits of the name's sha256 in decimal: numeric like MLflow's own ids, exact as a JavaScript
 * number, and the same on every machine.
 *
 * @example
 * experimentIdOf(undefined); // '0'
 * experimentIdOf('churn');   // '2214565937829069' (always the same for 'churn')
 */
export function experimentIdOf(name: string | null | undefined): string {
  if (name === undefined || name === null || name === '' || name === DEFAULT_EXPERIMENT_NAME) return DEFAULT_EXPERIMENT_ID;
  const hex = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 13);
  // A derived id never collides with the Default's "0".
  return String(Math.max(1, parseInt(hex, 16)));
}

/** The manifest `experiment` of an MLflow experiment name: none for the Default experiment. */
export function experimentOfName(name: string): string | undefined {
  return name === DEFAULT_EXPERIMENT_NAME ? undefined : name;
}

/**
 * An MLflow param value (a string) as a manifest value: a number when the string is exactly
 * how that number prints, so it reads back unchanged; else the string.
 *
 * @example
 * toParamValue('0.01'); // 0.01
 * toParamValue('1e-3'); // '1e-3' (would read back as '0.001')
 */
export function toParamValue(value: string): Scalar {
  if (value !== '' && /^-?[0-9]/.test(value)) {
    const n = Number(value);
    if (Number.isFinite(n) && String(n) === value) return n;
  }
  return value;
}

/**
 * A manifest param value as MLflow's string.
 *
 * @example
 * fromParamValue(0.01);    // '0.01'
 * fromParamValue([1, 2]);  // '[1,2]'
 */
export function fromParamValue(value: Scalar | Scalar[]): string {
  if (Array.isArray(value)) return JSON.stringify(value);
  if (value === null) return 'None';
  return String(value);
}

/**
 * A terminal MLflow status as a manifest status; null for RUNNING and SCHEDULED (not
 * recorded yet) and for anything else.
 *
 * @example
 * toRunStatus('FAILED'); // 'failed'
 */
export function toRunStatus(status: string): RunStatus | null {
  if (status === 'FINISHED') return 'finished';
  if (status === 'FAILED') return 'failed';
  if (status === 'KILLED') return 'killed';
  return null;
}

/**
 * A manifest status (or `running` for a staged run) as MLflow's.
 *
 * @example
 * fromRunStatus('killed'); // 'KILLED'
 */
export function fromRunStatus(status: RunStatus | 'running'): MlflowRunStatus {
  return status === 'running' ? 'RUNNING' : (status.toUpperCase() as MlflowRunStatus);
}

/** The manifest fields MLflow tags carry, and the tags left as tags. */
export interface TagFields {
  name?: string;
  note?: string;
  /** A git-track run id (`resolveParent` mapped the MLflow id), or absent. */
  parent?: string;
  /** `mlflow.source.git.commit`, as the client sent it. */
  commit?: string;
  author?: { name: string; email: string };
  /** Other tags, keys as git-track names. Keys that cannot be names are in `rejected`. */
  tags: Record<string, string>;
  rejected: string[];
}

/**
 * Split MLflow tags into manifest fields and plain tags. `resolveParent` maps an MLflow parent
 * run id to a git-track run id; a parent it cannot map stays a tag.
 *
 * @example
 * tagsToFields({ 'mlflow.runName': 'baseline', team: 'growth' }, (id) => id);
 * // { name: 'baseline', tags: { team: 'growth' }, rejected: [] }
 */
export function tagsToFields(tags: Record<string, string>, resolveParent: (mlflowRunId: string) => string | undefined): TagFields {
  const out: TagFields = { tags: {}, rejected: [] };
  for (const [key, value] of Object.entries(tags)) {
    if (key === TAG_RUN_NAME && value !== '') out.name = value;
    else if (key === TAG_NOTE) out.note = value;
    else if (key === TAG_GIT_COMMIT && /^[0-9a-f]{4,64}$/i.test(value)) out.commit = value.toLowerCase();
    else if (key === TAG_USER && value !== '' && !/[<>\n\r]/.test(value)) out.author = { name: value, email: '' };
    else if (key === TAG_PARENT && resolveParent(value) !== undefined) out.parent = resolveParent(value);
    else {
      const name = toTrackName(key);
      if (name === null) out.rejected.push(key);
      else out.tags[name] = value;
    }
  }
  return out;
}

/**
 * The MLflow tags of a manifest: its tags (keys decoded) plus the well-known tags its fields
 * carry. `parentRunId` maps a git-track parent id to the MLflow run id to show (default: itself).
 *
 * @example
 * manifestTags(manifest)['mlflow.runName']; // 'baseline'
 */
export function manifestTags(m: RunManifest, parentRunId: (id: string) => string = (id) => id): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.tags)) tags[fromTrackName(k)] = v;
  if (m.name !== undefined) tags[TAG_RUN_NAME] = m.name;
  if (m.note !== undefined) tags[TAG_NOTE] = m.note;
  if (m.parent !== undefined) tags[TAG_PARENT] = parentRunId(m.parent);
  if (m.code?.commit) tags[TAG_GIT_COMMIT] = m.code.commit;
  tags[TAG_USER] = m.author.name;
  return tags;
}

/** Milliseconds since the epoch of a manifest's start and end. */
export function runTimes(m: Pick<RunManifest, 'created' | 'duration_s'>): { start: number; end: number } {
  const start = Date.parse(m.created);
  return { start, end: start + Math.round((m.duration_s ?? 0) * 1000) };
}

/**
 * A recorded run as MLflow's `Run`. `lastSteps` gives the step and time of each metric's last
 * value when its series is known; otherwise the value is reported at step 0 at the run's end.
 *
 * @example
 * runFromManifest(manifest, { artifactUri: 'mlflow-artifacts:/0/3f9a21c0b7d4/artifacts', deleted: false });
 */
export function runFromManifest(
  m: RunManifest,
  options: { artifactUri: string; deleted: boolean; lastSteps?: Map<string, { step: number; timestamp: number }>; runId?: string },
): MlflowRun {
  const { start, end } = runTimes(m);
  const runId = options.runId ?? m.id;
  const metrics = Object.entries(m.metrics).map(([k, value]) => {
    const last = options.lastSteps?.get(k);
    return { key: fromTrackName(k), value, timestamp: last?.timestamp ?? end, step: last?.step ?? 0 };
  });
  const params = Object.entries(m.params).map(([k, v]) => ({ key: fromTrackName(k), value: fromParamValue(v) }));
  // Datasets are MLflow's run inputs, not tags (as a client that logged them sees them).
  const { inputs, rest } = datasetInputsOf(manifestTags(m));
  const tags = Object.entries(rest).map(([key, value]) => ({ key, value }));
  return {
    info: {
      run_id: runId,
      run_uuid: runId,
      run_name: m.name ?? '',
      experiment_id: experimentIdOf(m.experiment),
      user_id: m.author.name,
      status: fromRunStatus(m.status),
      start_time: start,
      end_time: end,
      artifact_uri: options.artifactUri,
      lifecycle_stage: options.deleted ? 'deleted' : 'active',
    },
    data: runData(metrics, params, tags),
    inputs: inputs.length ? { dataset_inputs: inputs } : {},
  };
}
