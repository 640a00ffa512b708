/**
 * The whole result of a runs query, in the order the table shows it: runs in progress first,
 * then the recorded runs filtered and sorted by the query index, grouped or nested. Computed
 * once per (tip, runs in progress, query) and kept, so each page of a virtualised table of
 * 100,000 runs is a slice.
 */
import { fieldKey, type Expr, type Field } from '../../query/ast.js';
import { Kind } from '../../query/run-table.js';
import { matches, type FieldValue } from '../../query/evaluate.js';
import { parseFieldName, parseFilter } from '../../query/parse.js';
import { laterTags, queryTable, type QueryResult } from '../../query/query-runs.js';
import { runFacts } from '../../facts/read-facts.js';
import { indexView, type IndexView, type Indexing } from './index-status.js';
import { parseSort, type SortKey } from '../../query/sort.js';
import { runsTip } from '../../runs/read-runs.js';
import { nestRows } from '../../cli/render/run-tree.js';
import { GitTrackError, quoteInput } from '../../errors.js';
import { liveField, liveRuns, liveSignature, type LiveRun } from './live-runs.js';
import { cached, type UiState } from './ui-state.js';

export interface RunsQuery {
  filter?: string;
  sort?: string;
  /** `experiment` or `tags.NAME`. */
  group?: string;
  nest?: boolean;
  /** Archived runs too. */
  all?: boolean;
}

export interface OrderedRuns {
  tip: string | null;
  /** Entry i: a table row (≥ 0), or a run in progress (-1 - its index in `live`). */
  order: Int32Array;
  depth: Uint16Array;
  children: Uint32Array;
  groups?: { value: FieldValue | null; count: number; offset: number }[];
  live: LiveRun[];
  result: QueryResult;
  /** Set while the index is being built: the result covers only the runs read so far. */
  indexing?: Indexing;
  /** A field of entry i. */
  get(i: number, field: Field): FieldValue | undefined;
  id(i: number): string;
}

const PARENT: Field = { scope: 'attr', name: 'parent' };
const ARCHIVED: Field = { scope: 'attr', name: 'archived' };

/**
 * The ordered result of `query` (cached per tip, runs in progress and query).
 *
 * @example
 * const o = orderedRuns(state, { filter: 'metrics.f1 > 0.8' });
 * o.id(0); // the first row's run id
 */
export function orderedRuns(state: UiState, query: RunsQuery): OrderedRuns {
  // Parse first: a bad query is an error before any run is read.
  const filter = combinedFilter(state, query);
  const sort = query.sort === undefined ? undefined : parseSort(query.sort);
  const group = query.group === undefined ? undefined : groupField(query.group);
  const tip = runsTip(state.ctx);
  const live = liveRuns(state.ctx);
  const view = indexView(state);
  const key = JSON.stringify(['runs', tip, view.indexing?.read, liveSignature(live), state.baseFilter?.text, query.filter, query.sort, query.group, query.nest, query.all]);
  return cached(state, key, () => order(state, view, tip, live, { filter, sort, group, nest: query.nest ?? sort === undefined }));
}

function order(state: UiState, view: IndexView, tip: string | null, allLive: LiveRun[], q: { filter?: Expr; sort?: SortKey[]; group?: Field; nest: boolean }): OrderedRuns {
  const sort = q.group ? [{ field: q.group, descending: false }, ...(q.sort ?? [])] : q.sort;
  const result = queryTable(view.table, { filter: q.filter, sort }, laterTags(state.ctx), runFacts(state.ctx));
  const live = q.filter ? allLive.filter((r) => matches(q.filter!, (f) => liveField(r, f))) : allLive;
  const n = live.length + result.rows.length;
  const order = new Int32Array(n);
  const depth = new Uint16Array(n);
  const children = new Uint32Array(n);
  live.forEach((_, i) => (order[i] = -1 - i));
  // Nesting builds a map and an object per row (~30 MB at 100,000 runs): not when no run has a parent.
  const parents = result.table.column(fieldKey(PARENT));
  const nested = q.nest && !q.group && parents && parents.kinds.some((k) => k !== Kind.Missing) ? nestRows(result.rows.map((r) => ({ id: result.table.id(r), parent: result.get(r, PARENT) as string | undefined }))) : undefined;
  if (nested) {
    // The parent of an entry at depth d is the last entry seen at depth d-1.
    const stack: number[] = [];
    nested.forEach((e, k) => {
      const i = live.length + k;
      order[i] = result.rows[e.index]!;
      depth[i] = Math.min(e.depth, 0xffff);
      stack.length = e.depth;
      if (e.depth > 0 && stack[e.depth - 1] !== undefined) children[stack[e.depth - 1]!]!++;
      stack[e.depth] = i;
    });
  } else result.rows.forEach((r, k) => (order[live.length + k] = r));
  const get = (i: number, field: Field): FieldValue | undefined => {
    const e = order[i]!;
    return e < 0 ? liveField(live[-1 - e]!, field) : result.get(e, field);
  };
  const id = (i: number): string => {
    const e = order[i]!;
    return e < 0 ? live[-1 - e]!.id : result.table.id(e);
  };
  return { tip, order, depth, children, live, result, get, id, ...(view.indexing ? { indexing: view.indexing } : {}), ...(q.group ? { groups: groupsOf(n, (i) => get(i, q.group!)) } : {}) };
}

/** Contiguous runs of equal group values (the rows are sorted by it). */
function groupsOf(n: number, value: (i: number) => FieldValue | undefined): { value: FieldValue | null; count: number; offset: number }[] {
  const out: { value: FieldValue | null; count: number; offset: number }[] = [];
  let last: string | undefined;
  for (let i = 0; i < n; i++) {
    const v = value(i) ?? null;
    const k = JSON.stringify(v);
    if (k !== last) out.push({ value: v, count: 0, offset: i }), (last = k);
    out[out.length - 1]!.count++;
  }
  return out;
}

/** The server's `--filter`, the request's filter and, unless `all`, "not archived". */
function combinedFilter(state: UiState, query: RunsQuery): Expr | undefined {
  const parts: Expr[] = [];
  if (state.baseFilter) parts.push(state.baseFilter.expr);
  if (query.filter !== undefined && query.filter.trim() !== '') parts.push(parseFilter(query.filter));
  if (!query.all) parts.push({ kind: 'not', expr: { kind: 'compare', field: ARCHIVED, op: '=', value: { type: 'boolean', value: true } } });
  return parts.reduce<Expr | undefined>((acc, e) => (acc ? { kind: 'and', left: acc, right: e } : e), undefined);
}

function groupField(text: string): Field {
  const field = parseFieldName(text, 'group');
  if (!(field.scope === 'tags' || (field.scope === 'attr' && (field.name === 'experiment' || field.name === 'status' || field.name === 'author')))) {
    throw new GitTrackError('USAGE', `group: runs group by experiment, status, author or tags.NAME, not ${quoteInput(text)}`);
  }
  return field;
}
