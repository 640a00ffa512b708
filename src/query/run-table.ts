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
  for (const a of ATTRIBUTES) {
    const v = attributeValue(m, a);
    if (v !== undefined) out.push([a, v]);
  }
  for (const [k, v] of Object.entries(m.params)) out.push([`params.${k}`, v]);
  for (const [k, v] of Object.entries(m.metrics)) out.push([`metrics.${k}`, v]);
  for (const [k, v] of Object.entries(m.tags)) out.push([`tags.${k}`, v]);
  for (const d of m.data) {
    const name = `data.${dataName(d)}`;
    out.push([name, dataIdentity(d)], [`${name}.kind`, d.kind]);
    if (d.label !== undefined) out.push([`${name}.label`, d.label]);
    if (d.kind === 'version') continue;
    out.push([`${name}.sha256`, d.sha256], [`${name}.size`, d.size]);
    if (d.files !== undefined) out.push([`${name}.files`, d.files]);
  }
  return out;
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
