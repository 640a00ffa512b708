/**
 * How a dataset a run used (MLflow's log-inputs, the Python helper's `log_input`) is kept in
 * the manifest's tags, and read back, exactly.
 *
 * Written now: `dataset.<name>` holds the source and `dataset.<name>.digest` the digest, each
 * exactly as given (empty, spaces, quotes, newlines, any Unicode), beside
 * `dataset.<name>.context` and `dataset.<name>.source_type`. One tag per field keeps the
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
export const DATASET_PARTS = ['.digest', '.context', '.source_type'] as const;

/** A dataset's digest and source as MLflow gives them. */
export interface DatasetFields {
  digest: string;
  source: string;
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
 * The tags that record a dataset's digest and source, beside its tag `key` ({@link datasetTagKey}).
 *
 * @example
 * datasetTags('dataset.iris', { digest: '', source: 's3://b/iris data.csv' });
 * // { 'dataset.iris': 's3://b/iris data.csv', 'dataset.iris.digest': '' }
 */
export function datasetTags(key: string, fields: DatasetFields): Record<string, string> {
  return { [key]: fields.source, [`${key}.digest`]: fields.digest };
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
