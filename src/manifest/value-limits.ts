/**
 * The sizes a run may hold, checked when it is written: each param value, each tag value and
 * the note, and the whole manifest. A 50 MB string param was accepted once and made every
 * later `list` slow; MLflow refuses past 6,000 characters a param and 8,000 a tag value.
 */
import { GitTrackError, quoteInput } from '../errors.js';
import { MAX_MANIFEST_BYTES, MAX_PARAM_VALUE_CHARS, MAX_RECORD_BYTES, MAX_TAG_VALUE_CHARS } from '../limits.js';
import { formatBytes } from '../config/size.js';

type Value = string | number | boolean | null | readonly (string | number | boolean | null)[];

/** The values of a run that have a size limit. */
export interface SizedValues {
  params?: Record<string, Value>;
  tags?: Record<string, string>;
  note?: string;
  /** A promotion's reason: as long as a note may be. */
  reason?: string;
}

/**
 * Refuses a param value over {@link MAX_PARAM_VALUE_CHARS} (a list counts as its written
 * form), a tag value or a note over {@link MAX_TAG_VALUE_CHARS}.
 *
 * @throws GitTrackError BAD_INPUT naming the value and the limit
 * @example
 * checkValueSizes({ params: { lr: 0.01 }, tags: { team: 'growth' } }); // ok
 */
export function checkValueSizes(values: SizedValues): void {
  for (const [name, v] of Object.entries(values.params ?? {})) {
    const chars = Array.isArray(v) ? v.reduce((n: number, x) => n + String(x).length + 2, 0) : String(v).length;
    if (chars > MAX_PARAM_VALUE_CHARS) throw overLimit(`param ${quoteInput(name)}`, chars, MAX_PARAM_VALUE_CHARS, 'MAX_PARAM_VALUE_CHARS');
  }
  for (const [name, v] of Object.entries(values.tags ?? {})) {
    if (String(v).length > MAX_TAG_VALUE_CHARS) throw overLimit(`tag ${quoteInput(name)}`, String(v).length, MAX_TAG_VALUE_CHARS, 'MAX_TAG_VALUE_CHARS');
  }
  if (values.note !== undefined && values.note.length > MAX_TAG_VALUE_CHARS) {
    throw overLimit('the note', values.note.length, MAX_TAG_VALUE_CHARS, 'MAX_TAG_VALUE_CHARS');
  }
  if (values.reason !== undefined && values.reason.length > MAX_TAG_VALUE_CHARS) {
    throw overLimit('the reason', values.reason.length, MAX_TAG_VALUE_CHARS, 'MAX_TAG_VALUE_CHARS');
  }
}

/**
 * Refuses a later-fact record (tags, promotion) over {@link MAX_RECORD_BYTES}: readers skip a
 * larger one, so writing it would record a fact nobody sees.
 *
 * @throws GitTrackError BAD_INPUT naming the size and the limit
 * @example
 * checkRecordSize(encodeRecord(record));
 */
export function checkRecordSize(text: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_RECORD_BYTES) {
    throw new GitTrackError(
      'BAD_INPUT',
      `the record would be ${formatBytes(bytes)}, over the limit of ${formatBytes(MAX_RECORD_BYTES)} (MAX_RECORD_BYTES); add fewer or shorter tags`,
      { bytes, limit: MAX_RECORD_BYTES },
    );
  }
}

/**
 * Refuses a manifest text over {@link MAX_MANIFEST_BYTES}.
 *
 * @throws GitTrackError BAD_INPUT naming the size and the limit
 * @example
 * checkManifestSize(encodeManifest(m));
 */
export function checkManifestSize(yaml: string): void {
  const bytes = Buffer.byteLength(yaml);
  if (bytes > MAX_MANIFEST_BYTES) {
    throw new GitTrackError(
      'BAD_INPUT',
      `the run's manifest would be ${formatBytes(bytes)}, over the limit of ${formatBytes(MAX_MANIFEST_BYTES)} (MAX_MANIFEST_BYTES); log fewer or shorter params, metrics and tags`,
      { bytes, limit: MAX_MANIFEST_BYTES },
    );
  }
}

function overLimit(what: string, chars: number, limit: number, name: string): GitTrackError {
  return new GitTrackError(
    'BAD_INPUT',
    `${what} is ${chars.toLocaleString('en-US')} characters, over the limit of ${limit.toLocaleString('en-US')} (${name})`,
    { chars, limit },
  );
}
