/**
 * An MLflow run as a git-track manifest and its companion files, through the shared mapping
 * (src/mlflow/mapping.ts): well-known tags become fields, keys become names, params numbers
 * where MLflow wrote a number, every metric's full history a series file (step, value and
 * timestamp kept), and the MLflow run id a tag, so a second import knows the run.
 */
import { encodeSeries, seriesPath } from '../../capture/series-files.js';
import { GitTrackError, quoteInput } from '../../errors.js';
import type { Identity } from '../../git/identity.js';
import { MAX_SERIES_BYTES } from '../../limits.js';
import { encodeValidManifest } from '../../manifest/codec.js';
import { MANIFEST_FORMAT } from '../../manifest/names.js';
import { validateManifest, type ArtifactEntry, type RunManifest } from '../../manifest/schema.js';
import { checkManifestSize, checkValueSizes } from '../../manifest/value-limits.js';
import type { Scalar } from '../../runs/log-run.js';
import { experimentOfName, tagsToFields, TAG_GIT_COMMIT, TAG_MLFLOW_RUN_ID, TAG_RUN_NAME, toParamValue, toRunStatus, toTrackName } from '../mapping.js';
import type { MetricPoint, SourceRun } from './source.js';

/** A run ready to be written. */
export interface ImportedManifest {
  manifest: RunManifest;
  /** Companion files of the run directory (series). */
  files: Record<string, Buffer>;
  /** The code commit to make the run commit's second parent, when it is in this repository. */
  codeCommit?: string;
}

export interface ToManifestOptions {
  id: string;
  /** The git-track id of the MLflow parent run, when it is imported. */
  parent?: string;
  artifacts: ArtifactEntry[];
  /** Who runs the import: the author when MLflow names none. */
  importer: Identity;
  /** A commit id as MLflow recorded it → the full id of that commit in this repository, or null. */
  resolveCommit(text: string): string | null;
  warn(message: string): void;
}

/**
 * The manifest of `run`. Throws BAD_INPUT (naming the run) when it cannot be one: no terminal
 * status, a value over git-track's limits.
 *
 * @example
 * const { manifest, files } = toManifest(run, { id: newRunId(env), artifacts: [], importer, resolveCommit, warn });
 */
export function toManifest(run: SourceRun, options: ToManifestOptions): ImportedManifest {
  const label = `MLflow run ${run.runId}`;
  const status = toRunStatus(run.status);
  if (!status) throw new GitTrackError('BAD_INPUT', `${label} is ${run.status}; import it again once it has finished`, { runId: run.runId, running: true });
  const tags = { ...run.tags };
  // Old clients put the name only in meta.yaml; newer ones in both.
  if (run.runName && tags[TAG_RUN_NAME] === undefined) tags[TAG_RUN_NAME] = run.runName;
  const fields = tagsToFields(tags, () => options.parent);
  const dropped = [...fields.rejected];
  let commit: string | null = null;
  if (fields.commit !== undefined) {
    commit = options.resolveCommit(fields.commit);
    // A commit this repository does not have stays what MLflow said, as a tag.
    if (!commit) fields.tags[TAG_GIT_COMMIT] = tags[TAG_GIT_COMMIT]!;
  }
  fields.tags[TAG_MLFLOW_RUN_ID] = run.runId;

  const params: Record<string, Scalar> = {};
  for (const [key, value] of Object.entries(run.params)) {
    const name = toTrackName(key);
    if (name === null) dropped.push(`param ${key}`);
    else params[name] = toParamValue(value);
  }
  const { metrics, series, files, nonFinite } = metricHistories(run, dropped, label);
  if (dropped.length) options.warn(`${label}: left out ${dropped.length} key${dropped.length > 1 ? 's' : ''} git-track cannot name: ${dropped.slice(0, 5).map((k) => quoteInput(k)).join(', ')}${dropped.length > 5 ? ', …' : ''}`);
  if (nonFinite.length) options.warn(`${label}: left out non-finite values (NaN, inf) of ${nonFinite.slice(0, 5).join(', ')}${nonFinite.length > 5 ? ', …' : ''}`);
  checkValueSizes({ params, tags: fields.tags, note: fields.note });

  const author = fields.author ?? (run.userId && !/[<>\n\r]/.test(run.userId) ? { name: run.userId, email: '' } : { name: options.importer.name, email: options.importer.email });
  const draft: Record<string, unknown> = {
    format: MANIFEST_FORMAT,
    id: options.id,
    name: fields.name,
    experiment: run.experimentName === undefined ? undefined : experimentOfName(run.experimentName),
    parent: options.parent,
    status,
    created: new Date(run.startTime).toISOString().replace(/\.000Z$/, 'Z'),
    duration_s: run.endTime !== undefined && run.endTime >= run.startTime ? (run.endTime - run.startTime) / 1000 : undefined,
    author,
    code: commit ? { commit, branch: null, dirty: false } : undefined,
    data: [],
    params,
    metrics,
    series: series.length ? series : undefined,
    artifacts: options.artifacts,
    tags: fields.tags,
    note: fields.note,
  };
  for (const key of Object.keys(draft)) if (draft[key] === undefined) delete draft[key];
  const manifest = validateManifest(draft, label);
  checkManifestSize(encodeValidManifest(manifest));
  return { manifest, files, ...(commit ? { codeCommit: commit } : {}) };
}

/**
 * Each metric's value at its last step (MLflow's "latest": highest step, then latest time) and
 * its whole history as a series file, in the order MLflow logged it.
 */
function metricHistories(run: SourceRun, dropped: string[], label: string) {
  const metrics: Record<string, number> = {};
  const series: string[] = [];
  const files: Record<string, Buffer> = {};
  const nonFinite: string[] = [];
  for (const [key, all] of run.metrics) {
    const name = toTrackName(key);
    if (name === null) {
      dropped.push(`metric ${key}`);
      continue;
    }
    const points = all.filter((p) => Number.isFinite(p.value));
    if (points.length < all.length) nonFinite.push(name);
    if (points.length === 0) continue;
    metrics[name] = latest(points).value;
    const text = encodeSeries(points.map((p) => ({ step: p.step, value: p.value, ts: p.timestamp })));
    if (Buffer.byteLength(text) > MAX_SERIES_BYTES) {
      throw new GitTrackError('BAD_INPUT', `${label}: metric ${quoteInput(key)} has ${points.length} points, over the series limit of ${MAX_SERIES_BYTES} bytes`, { runId: run.runId });
    }
    files[seriesPath(name)] = Buffer.from(text);
    series.push(name);
  }
  series.sort();
  return { metrics, series, files, nonFinite };
}

function latest(points: MetricPoint[]): MetricPoint {
  let best = points[0]!;
  for (const p of points) if (p.step > best.step || (p.step === best.step && p.timestamp >= best.timestamp)) best = p;
  return best;
}
