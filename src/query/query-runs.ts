/**
 * Finding runs: filter, sort and limit over the query index, returning row numbers of the
 * table (the caller reads only the columns it shows, or the manifests of the rows it prints).
 */
import type { Field } from './ast.js';
import type { Expr } from './ast.js';
import { compileFilter } from './compile.js';
import type { FieldValue } from './evaluate.js';
import { loadQueryIndex } from './query-index.js';
import { columnReader, type RunTable } from './run-table.js';
import { sortRows, type SortKey } from './sort.js';
import type { TrackerContext } from '../tracker-context.js';
import { allTagRecords } from '../stages/read-stages.js';
import { fieldKey } from './ast.js';
import { runFacts, type RunFacts } from '../facts/read-facts.js';

export interface RunQuery {
  filter?: Expr;
  /** Default: newest first (created descending, then id). */
  sort?: SortKey[];
  limit?: number;
}

export interface QueryResult {
  table: RunTable;
  rows: number[];
  /** Read a field of a row (column readers are built once and cached). */
  get(row: number, field: Field): FieldValue | undefined;
}

export const NEWEST_FIRST: SortKey[] = [
  { field: { scope: 'attr', name: 'created' }, descending: true },
  { field: { scope: 'attr', name: 'id' }, descending: false },
];

/**
 * Run a query over the index of `ctx`'s repository.
 *
 * @example
 * const { rows, get } = queryRuns(ctx, { filter: parseFilter('metrics.f1 > 0.8'), sort: parseSort('-metrics.f1'), limit: 5 });
 * rows.map((r) => get(r, { scope: 'attr', name: 'id' }));
 */
export function queryRuns(ctx: TrackerContext, query: RunQuery = {}): QueryResult {
  return queryTable(loadQueryIndex(ctx), query, laterTags(ctx), runFacts(ctx));
}

/**
 * Tags added after a run was recorded (`git-track tag`), merged per run id: they are separate
 * commits on `runs`, so they live beside the index rather than in it.
 */
export function laterTags(ctx: TrackerContext): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const [id, records] of allTagRecords(ctx)) out.set(id, Object.assign({}, ...records.map((r) => r.tags)) as Record<string, string>);
  return out;
}

/**
 * {@link queryRuns} over a table already loaded (pure); `tags` overlays later-added tags by run
 * id, `facts` names from renames and the `archived` attribute (false unless archived).
 */
export function queryTable(table: RunTable, query: RunQuery, tags: Map<string, Record<string, string>> = new Map(), facts: Map<string, RunFacts> = new Map()): QueryResult {
  const readers = new Map<string, (row: number) => FieldValue | undefined>();
  const reader = (field: Field) => {
    const key = fieldKey(field);
    let read = readers.get(key);
    // Ids are the table's own key: no need to load the `id` column for them.
    if (!read) {
      read = key === 'id' ? (row: number) => table.id(row) : columnReader(table, field);
      if (field.scope === 'tags' && tags.size > 0) {
        const base = read;
        read = (row) => tags.get(table.id(row))?.[field.name] ?? base(row);
      }
      if (key === 'archived') read = (row) => facts.get(table.id(row))?.archived ?? false;
      if (key === 'name' && facts.size > 0) {
        const base = read;
        read = (row) => facts.get(table.id(row))?.name ?? base(row);
      }
      readers.set(key, read);
    }
    return read;
  };
  const get = (row: number, field: Field): FieldValue | undefined => reader(field)(row);
  let rows: number[] = [];
  const n = table.size;
  if (query.filter) {
    const test = compileFilter(query.filter, reader);
    for (let r = 0; r < n; r++) if (test(r)) rows.push(r);
  } else {
    rows = Array.from({ length: n }, (_, i) => i);
  }
  // Ties under the user's keys fall back to newest first, so output order is deterministic.
  rows = sortRows(rows, [...(query.sort ?? []), ...NEWEST_FIRST], (row, field) => {
    const v = get(row, field);
    return field.scope === 'attr' && field.name === 'created' && typeof v === 'string' ? sortableTime(v) : v;
  });
  if (query.limit !== undefined) rows = rows.slice(0, query.limit);
  return { table, rows, get };
}

/**
 * A manifest time as text that sorts by instant: times are UTC and written without `.000`
 * when the milliseconds are zero (`…:33Z`), which would sort after `…:33.5Z` as plain text.
 *
 * @example
 * sortableTime('2026-05-30T10:00:33Z'); // '2026-05-30T10:00:33.000Z'
 */
export function sortableTime(v: string): string {
  return v.length === 20 && v.endsWith('Z') ? `${v.slice(0, 19)}.000Z` : v;
}
