/**
 * The query index in memory: one row per run, one column per field (`params.lr`, `created`,
 * …). Values live in typed arrays (a kind byte and a float64 that holds the number or the
 * index of an interned string), so 100,000 runs with dozens of fields load without creating a
 * JavaScript object per value. Columns where most runs lack the field are kept sparse.
 */
import type { RunManifest } from '../manifest/schema.js';
import { fieldKey, type Field } from './ast.js';
import type { FieldValue } from './evaluate.js';
import { attributeValue, dataIdentity, dataName } from './manifest-fields.js';
import { ATTRIBUTES } from './ast.js';

export const enum Kind {
  Missing = 0,
  Number = 1,
  String = 2,
  True = 3,
  False = 4,
  Null = 5,
  /** A list param: the string is its JSON. */
  List = 6,
}

export interface Column {
  /** Rows that have a value, ascending; null for a dense column (every row has a slot). */
  rows: Uint32Array | null;
  kinds: Uint8Array;
  /** The number, or for strings and lists an index into `strings`. */
  nums: Float64Array;
  /** This column's own string table, so loading one column never parses another's strings. */
  strings: string[];
}

/**
 * One row per run. Columns may be loaded lazily (from the index file) on first use.
 */
export interface RunTable {
  /** The `runs` tip this table reflects. */
  tip: string | null;
  /** Shard name → shard tree id at `tip`: unchanged shards are skipped on update. */
  shards: Record<string, string>;
  size: number;
  id(row: number): string;
  /** The run-directory tree id: an immutable key, so a row never goes stale. */
  tree(row: number): string;
  keys(): string[];
  column(key: string): Column | undefined;
  /** Forget a loaded column (read again if asked for): lets a copy hold one column at a time. */
  release?(key: string): void;
}

/**
 * Every (field key, value) of a manifest that the index keeps.
 *
 * @example
 * flattenRun(run); // [['id', '3f9a…'], ['params.lr', 0.01], …]
 */
export function flattenRun(m: RunManifest): [string, FieldValue][] {
  const out: [string, FieldValue][] = [];
  eachField(m, (prefix, name, value) => out.push([prefix + name, value]));
  return out;
}

/**
 * {@link flattenRun} without making the pairs: `visit` gets each key as a prefix (`''`,
 * `params.`, `metrics.`, `tags.`, `data.`) and the rest, so a cold index can find a key's
 * column by the name the manifest reader made instead of building and hashing a new string
 * for each of a run's ~50 fields.
 *
 * @example
 * eachField(run, (prefix, name, value) => console.log(prefix + name, value));
 */
export function eachField(m: RunManifest, visit: (prefix: string, name: string, value: FieldValue) => void): void {
  for (const a of ATTRIBUTES) {
    const v = attributeValue(m, a);
    if (v !== undefined) visit('', a, v);
  }
  eachEntry('params.', m.params, visit);
  eachEntry('metrics.', m.metrics, visit);
  eachEntry('tags.', m.tags, visit);
  for (const d of m.data) {
    const name = dataName(d);
    visit('data.', name, dataIdentity(d));
    visit('data.', `${name}.kind`, d.kind);
    if (d.label !== undefined) visit('data.', `${name}.label`, d.label);
    if (d.kind === 'version') continue;
    visit('data.', `${name}.sha256`, d.sha256);
    visit('data.', `${name}.size`, d.size);
    if (d.files !== undefined) visit('data.', `${name}.files`, d.files);
  }
}

function eachEntry(prefix: string, values: Record<string, FieldValue>, visit: (prefix: string, name: string, value: FieldValue) => void): void {
  const keys = Object.keys(values);
  for (let i = 0; i < keys.length; i++) visit(prefix, keys[i]!, values[keys[i]!]!);
}

/**
 * A reader of one field over all rows; resolve once, call per row.
 *
 * @example
 * const f1 = columnReader(table, { scope: 'metrics', name: 'f1' });
 * f1(0); // 0.842
 */
export function columnReader(table: RunTable, field: Field): (row: number) => FieldValue | undefined {
  const col = table.column(fieldKey(field));
  if (!col) return () => undefined;
  const { strings } = col;
  const kinds = col.rows ? new Uint8Array(table.size) : col.kinds;
  const nums = col.rows ? new Float64Array(table.size) : col.nums;
  if (col.rows) col.rows.forEach((r, i) => ((kinds[r] = col.kinds[i]!), (nums[r] = col.nums[i]!)));
  return (row) => {
    switch (kinds[row]) {
      case Kind.Number:
        return nums[row];
      case Kind.String:
        return strings[nums[row]!];
      case Kind.True:
        return true;
      case Kind.False:
        return false;
      case Kind.Null:
        return null;
      case Kind.List:
        return JSON.parse(strings[nums[row]!]!) as FieldValue;
      default:
        return undefined;
    }
  };
}

/** Field keys of a scope present in the table, e.g. every `params.*`, sorted. */
export function keysOfScope(table: RunTable, scope: 'params' | 'metrics' | 'tags'): string[] {
  const prefix = `${scope}.`;
  return table.keys().filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
}
