/**
 * How a dataset a run used (MLflow's log-inputs, the Python helper's `log_input`) is kept in
 * the manifest's tags, and read back, exactly.
 *
 * Written now: `dataset.<name>` holds the source and `dataset.<name>.digest` the digest, each
 * exactly as given (empty, spaces, quotes, newlines, any Unicode), beside
 * `dataset.<name>.context` and `dataset.<name>.source_type` (and `.name` for a second dataset
 * of the same name, {@link datasetRecordTags}). One tag per field keeps the
 * manifest readable and filterable (`tags.dataset.iris.digest = 'd0'`). The name is written as
 * MLflow keys are (track-names.ts: `wine quality` as `wine%20quality`), so any name MLflow
 * takes can be recorded; readers decode it as they decode every tag key.
 *
 * Written before: `dataset.<name>` alone held `"<digest> <source>"` (line breaks turned into
 * spaces, cut at 1,000 characters, `unnamed source` when both were empty), read back by
 * splitting at the first space, so an empty digest, or one with a space, came back wrong; a
 * name that was not a valid tag name was not recorded. That writer never wrote a `.digest`
 * tag: a dataset without one is read by the same split as before, so manifests already
 * written read exactly as they did.
 */
import { isValidName } from '../manifest/names.js';
import { toTrackName } from './track-names.js';

/** The prefix of the tags that record datasets. */
export const DATASET_TAG_PREFIX = 'dataset.';

/** The tags beside `dataset.<name>` that hold its other fields. */
export const DATASET_PARTS = ['.digest', '.context', '.source_type', '.name'] as const;

/** A dataset's digest and source as MLflow gives them. */
export interface DatasetFields {
  digest: string;
  source: string;
}

/** A dataset a run used, as MLflow's log-inputs (or the Python helper's `log_input`) gives it. */
export interface DatasetRecord extends DatasetFields {
  name: string;
  /** MLflow's `mlflow.data.context` input tag (training, eval, …). */
  context?: string;
  /** MLflow's dataset source type (local, http, s3, …). */
  sourceType?: string;
}

/**
 * The tag `dataset.<name>` of a dataset (its name encoded as MLflow keys are), or null when
 * its tags cannot be written (the longest, `dataset.<name>.source_type`, would be too long).
 *
 * @example
 * datasetTagKey('iris');         // 'dataset.iris'
 * datasetTagKey('wine quality'); // 'dataset.wine%20quality'
 */
export function datasetTagKey(name: string): string | null {
  const encoded = toTrackName(name);
  const key = encoded === null ? null : `${DATASET_TAG_PREFIX}${encoded}`;
  return key !== null && isValidName(`${key}.source_type`) ? key : null;
}

/**
 * The tags that record a run's datasets, in the order logged: one dataset per name and digest
 * (a later one of the same name and digest replaces the earlier). The first of a name gets
 * `dataset.<name>`; another of the same name (MLflow names every unnamed dataset `dataset`, so
 * a training and an evaluation set often share it) gets `dataset.<name>~2`, `~3`, … with its
 * name in `dataset.<name>~2.name`. `refused` names the datasets whose tags would be too long.
 *
 * @example
 * datasetRecordTags([{ name: 'iris', digest: '', source: 's3://b/iris data.csv' }]).tags;
 * // { 'dataset.iris': 's3://b/iris data.csv', 'dataset.iris.digest': '' }
 */
export function datasetRecordTags(datasets: readonly DatasetRecord[]): { tags: Record<string, string>; refused: string[] } {
  const unique = new Map<string, DatasetRecord>();
  for (const d of datasets) unique.set(JSON.stringify([d.name, d.digest]), { ...unique.get(JSON.stringify([d.name, d.digest])), ...d });
  const refused: string[] = [];
  const keys = new Map<DatasetRecord, string>();
  const taken = new Set<string>();
  // First the first dataset of each name, so that none of them loses its plain key to another's `~N`.
  for (const d of unique.values()) {
    const key = datasetTagKey(d.name);
    if (key === null) refused.push(d.name);
    else if (!taken.has(key)) {
      keys.set(d, key);
      taken.add(key);
    }
  }
  const named = new Set<DatasetRecord>();
  for (const d of unique.values()) {
    const base = datasetTagKey(d.name);
    if (base === null || keys.has(d)) continue;
    let n = 2;
    while (taken.has(`${base}~${n}`)) n++;
    const key = `${base}~${n}`;
    if (!isValidName(`${key}.source_type`)) {
      refused.push(d.name);
      continue;
    }
    keys.set(d, key);
    taken.add(key);
    named.add(d);
  }
  const tags: Record<string, string> = {};
  for (const [d, key] of keys) {
    tags[key] = d.source;
    tags[`${key}.digest`] = d.digest;
    if (d.context !== undefined) tags[`${key}.context`] = d.context;
    if (d.sourceType) tags[`${key}.source_type`] = d.sourceType;
    if (named.has(d)) tags[`${key}.name`] = d.name;
  }
  return { tags, refused };
}

/**
 * A dataset's digest and source from its tags: `value` is the tag `dataset.<name>`, `digest`
 * the tag `dataset.<name>.digest` (undefined when absent: a manifest of the earlier form,
 * read as it always was).
 *
 * @example
 * readDataset('s3://b/x y.csv', '');  // { digest: '', source: 's3://b/x y.csv' }
 * readDataset('d0 s3://b/x.csv', undefined); // { digest: 'd0', source: 's3://b/x.csv' }
 */
export function readDataset(value: string, digest: string | undefined): DatasetFields {
  if (digest !== undefined) return { digest, source: value };
  const space = value.indexOf(' ');
  return space < 0 ? { digest: value, source: '' } : { digest: value.slice(0, space), source: value.slice(space + 1) };
}

/**
 * True when `key` (a tag name) holds a field of another dataset tag rather than a dataset of
 * its own: it ends with one of {@link DATASET_PARTS} and the tag it is beside exists.
 *
 * @example
 * isDatasetPart('dataset.iris.digest', (k) => k === 'dataset.iris'); // true
 */
export function isDatasetPart(key: string, has: (key: string) => boolean): boolean {
  return DATASET_PARTS.some((p) => key.endsWith(p) && has(key.slice(0, -p.length)));
}
