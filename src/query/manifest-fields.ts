/**
 * Field values read straight from a manifest: what the query index stores per run, and the
 * accessor used when no index is involved.
 */
import type { RunManifest } from '../manifest/schema.js';
import type { Field } from './ast.js';
import type { FieldAccessor, FieldValue } from './evaluate.js';

/**
 * A run attribute's value.
 *
 * @example
 * attributeValue(run, 'code.commit'); // '9fceb02…'
 */
export function attributeValue(m: RunManifest, name: string): FieldValue | undefined {
  switch (name) {
    case 'id':
      return m.id;
    case 'name':
      return m.name;
    case 'experiment':
      return m.experiment;
    case 'parent':
      return m.parent;
    case 'status':
      return m.status;
    case 'created':
      return m.created;
    case 'duration':
      return m.duration_s;
    case 'author':
      return m.author.name;
    case 'author.email':
      return m.author.email;
    case 'code.commit':
      return m.code?.commit ?? undefined;
    case 'code.branch':
      return m.code?.branch ?? undefined;
    case 'code.dirty':
      return m.code?.dirty;
    case 'code.snapshot':
      return m.code?.snapshot;
    case 'note':
      return m.note;
    default:
      return undefined;
  }
}

const DATA_SUBFIELDS = ['sha256', 'size', 'label', 'kind', 'files'] as const;

/** A data entry's name in filters: its path, or `version` for a declared version without one. */
export function dataName(d: RunManifest['data'][number]): string {
  return d.path ?? 'version';
}

/** What `data.<path>` compares: the sha256 of hashed data, the label of a declared version. */
export function dataIdentity(d: RunManifest['data'][number]): string {
  return d.kind === 'version' ? d.label : d.sha256;
}

/**
 * `data.<path>` is the entry's sha256 (a declared version's label); `data.<path>.label`
 * (size, kind, files, sha256) one of its fields. A path is tried whole first, since paths
 * contain dots (`train.csv`).
 */
export function dataValue(m: RunManifest, name: string): FieldValue | undefined {
  const whole = m.data.find((d) => dataName(d) === name);
  if (whole) return dataIdentity(whole);
  const dot = name.lastIndexOf('.');
  const sub = name.slice(dot + 1) as (typeof DATA_SUBFIELDS)[number];
  if (dot <= 0 || !DATA_SUBFIELDS.includes(sub)) return undefined;
  const entry = m.data.find((d) => dataName(d) === name.slice(0, dot)) as Record<string, FieldValue> | undefined;
  return entry?.[sub];
}

/**
 * The accessor of one manifest.
 *
 * @example
 * matches(parseFilter("tags.team = 'growth'"), manifestAccessor(run));
 */
export function manifestAccessor(m: RunManifest): FieldAccessor {
  return (field: Field) => fieldValue(m, field);
}

/** One field of a manifest, or undefined when the run lacks it. */
export function fieldValue(m: RunManifest, field: Field): FieldValue | undefined {
  switch (field.scope) {
    case 'params':
      return m.params[field.name];
    case 'metrics':
      return m.metrics[field.name];
    case 'tags':
      return m.tags[field.name];
    case 'data':
      return dataValue(m, field.name);
    case 'attr':
      return attributeValue(m, field.name);
  }
}
