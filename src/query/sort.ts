/**
 * Sort keys (`--sort -metrics.f1,name`): ascending unless prefixed with `-`; runs missing a
 * key sort after those that have it, whichever the direction.
 */
import { GitTrackError, quoteInput } from '../errors.js';
import { MAX_FILTER_CHARS } from '../limits.js';
import type { Field } from './ast.js';
import type { FieldValue } from './evaluate.js';
import { valueText } from './evaluate.js';
import { parseFieldName } from './parse.js';

export interface SortKey {
  field: Field;
  descending: boolean;
}

/**
 * Parse `--sort`.
 *
 * @example
 * parseSort('-metrics.f1,name'); // [{ field: metrics.f1, descending: true }, { field: name, descending: false }]
 */
export function parseSort(text: string): SortKey[] {
  // Like a filter, a sort may come from the network: bounded the same way.
  if (text.length > MAX_FILTER_CHARS) {
    throw new GitTrackError('USAGE', `--sort: longer than the limit of ${MAX_FILTER_CHARS.toLocaleString('en-US')} characters (MAX_FILTER_CHARS)`);
  }
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '' || p === '-' || p === '+')) throw new GitTrackError('USAGE', `--sort expects comma-separated fields, got ${quoteInput(text)}`);
  return parts.map((p) => {
    const descending = p.startsWith('-');
    return { field: parseFieldName(p.replace(/^[-+]/, ''), '--sort'), descending };
  });
}

/**
 * Order two values: numbers before strings before booleans; undefined and null last.
 *
 * @example
 * compareForSort(1, 2); // -1
 */
export function compareForSort(a: FieldValue | undefined, b: FieldValue | undefined): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a == null || b == null) return 0;
  const sa = valueText(a);
  const sb = valueText(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function rank(v: FieldValue | undefined): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string' || Array.isArray(v)) return 1;
  if (typeof v === 'boolean') return 2;
  return 3;
}

/**
 * Sort row indexes by keys, with `get(row, field)` reading values. Stable.
 *
 * @example
 * sortRows([0, 1, 2], parseSort('-metrics.f1'), (i, f) => runs[i].metrics.f1);
 */
export function sortRows(rows: number[], keys: SortKey[], get: (row: number, field: Field) => FieldValue | undefined): number[] {
  const columns = keys.map((k) => rows.map((r) => get(r, k.field)));
  const order = rows.map((_, i) => i);
  order.sort((x, y) => {
    for (let k = 0; k < keys.length; k++) {
      const a = columns[k]![x];
      const b = columns[k]![y];
      const missingA = a === undefined || a === null;
      const missingB = b === undefined || b === null;
      if (missingA !== missingB) return missingA ? 1 : -1;
      const c = compareForSort(a, b);
      if (c !== 0) return keys[k]!.descending ? -c : c;
    }
    return x - y;
  });
  return order.map((i) => rows[i]!);
}
