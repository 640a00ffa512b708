/**
 * `/api/runs` (the table), `/api/fields` (column pickers) and `/api/values` (parallel
 * coordinates and scatter): see docs/ui-api.md.
 */
import { ATTRIBUTES, fieldKey, type Field } from '../../query/ast.js';
import type { FieldValue } from '../../query/evaluate.js';
import { indexView } from './index-status.js';
import { keysOfScope, type RunTable } from '../../query/run-table.js';
import { runsTip } from '../../runs/read-runs.js';
import { GitTrackError } from '../../errors.js';
import { MAX_UI_COLUMNS, MAX_UI_PAGE_ROWS } from '../../limits.js';
import { liveRuns } from './live-runs.js';
import { orderedRuns, type RunsQuery } from './ordered-runs.js';
import { fieldsParam, flagParam, intParam, textParam } from './query-params.js';
import type { UiState } from './ui-state.js';

/** The table's columns when the page names none (metrics follow). */
const DEFAULT_COLUMNS = ['name', 'experiment', 'status', 'created', 'duration', 'author', 'code.commit', 'code.dirty'];

const field = (key: string): Field => {
  const dot = key.indexOf('.');
  const scope = key.slice(0, dot);
  return scope === 'params' || scope === 'metrics' || scope === 'tags' ? { scope, name: key.slice(dot + 1) } : { scope: 'attr', name: key };
};

/** The runs query a request's parameters describe. */
export function runsQueryOf(q: URLSearchParams): RunsQuery {
  const nest = textParam(q, 'nest');
  return {
    filter: textParam(q, 'filter'),
    sort: textParam(q, 'sort'),
    group: textParam(q, 'group'),
    ...(nest === undefined ? {} : { nest: flagParam(q, 'nest', true) }),
    all: flagParam(q, 'all', false),
  };
}

/**
 * One page of the runs table.
 *
 * @example
 * runsAnswer(state, new URLSearchParams('filter=metrics.f1>0.8&offset=0&limit=50'));
 */
export function runsAnswer(state: UiState, q: URLSearchParams): object {
  const query = runsQueryOf(q);
  const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(q, 'limit', 100, 0, state.exporting ? Number.MAX_SAFE_INTEGER : MAX_UI_PAGE_ROWS);
  const chosen = fieldsParam(q, 'columns');
  const differs = flagParam(q, 'differs', false);
  const o = orderedRuns(state, query);
  state.warnings?.push(...state.indexWarnings);
  const total = o.order.length;
  let columns = chosen ?? defaultColumns(state, o.result.table, o.live.flatMap((r) => Object.keys(r.metrics)));
  let hidden: string[] | undefined;
  if (differs) {
    const same = columns.filter((f) => f.scope !== 'attr' && f.scope !== 'data' && neverDiffers(total, (i) => o.get(i, f)));
    hidden = same.map(fieldKey);
    columns = columns.filter((f) => !same.includes(f));
  }
  const end = Math.min(total, offset + limit);
  const rows = [];
  for (let i = offset; i < end; i++) {
    const parent = o.get(i, PARENT);
    rows.push({
      id: o.id(i),
      parent: typeof parent === 'string' ? parent : null,
      depth: o.depth[i],
      children: o.children[i],
      running: o.order[i]! < 0,
      values: columns.map((f) => (f.scope === 'attr' && f.name === 'status' && o.order[i]! < 0 ? 'running' : (o.get(i, f) ?? null))),
    });
  }
  return {
    tip: o.tip,
    total,
    offset,
    limit,
    columns: columns.map(fieldKey),
    ...(hidden ? { hidden } : {}),
    rows,
    ...(o.groups ? { groups: o.groups } : {}),
    // While the index is built: `total` counts only the runs read so far, of `indexing.total`.
    ...(o.indexing ? { indexing: o.indexing } : {}),
  };
}

const PARENT: Field = { scope: 'attr', name: 'parent' };

function defaultColumns(state: UiState, table: RunTable, liveMetrics: string[]): Field[] {
  const metrics = [...new Set([...keysOfScope(table, 'metrics'), ...liveMetrics])].sort();
  // An export's one runs answer carries every field: its pages filter and pick columns themselves.
  if (state.exporting) {
    const scoped = (scope: 'params' | 'metrics' | 'tags') => keysOfScope(table, scope).map((name): Field => ({ scope, name }));
    return [...ATTRIBUTES.map((name): Field => ({ scope: 'attr', name })), ...scoped('params'), ...scoped('metrics'), ...scoped('tags')];
  }
  return [...DEFAULT_COLUMNS.map(field), ...metrics.map((name): Field => ({ scope: 'metrics', name }))].slice(0, MAX_UI_COLUMNS);
}

/** True when every entry has the same value (stops at the first difference). */
function neverDiffers(n: number, value: (i: number) => FieldValue | undefined): boolean {
  if (n < 2) return true;
  const first = JSON.stringify(value(0) ?? null);
  for (let i = 1; i < n; i++) if (JSON.stringify(value(i) ?? null) !== first) return false;
  return true;
}

/**
 * Every field name a column picker offers.
 *
 * @example
 * fieldsAnswer(state).metrics; // ['f1', 'loss']
 */
export function fieldsAnswer(state: UiState): object {
  const { table, indexing } = indexView(state);
  const live = liveRuns(state.ctx);
  const merged = (scope: 'params' | 'metrics' | 'tags') => [...new Set([...keysOfScope(table, scope), ...live.flatMap((r) => Object.keys(r[scope]))])].sort();
  const keys = new Set(table.keys());
  // A data input's own key is `data.<path>`; `data.<path>.kind` and friends describe it.
  const data = [...keys].filter((k) => k.startsWith('data.') && keys.has(`${k}.kind`)).map((k) => k.slice(5)).sort();
  return { tip: runsTip(state.ctx), attributes: [...ATTRIBUTES], params: merged('params'), metrics: merged('metrics'), tags: merged('tags'), data, ...(indexing ? { indexing } : {}) };
}

/**
 * Chosen fields of every filtered run, columnar: the data of parallel coordinates and scatter.
 *
 * @example
 * valuesAnswer(state, new URLSearchParams('fields=params.lr,metrics.f1'));
 */
export function valuesAnswer(state: UiState, q: URLSearchParams): object {
  const fields = fieldsParam(q, 'fields');
  if (!fields || fields.length === 0) throw new GitTrackError('USAGE', 'fields: name at least one field, e.g. fields=params.lr,metrics.f1');
  const o = orderedRuns(state, { ...runsQueryOf(q), nest: false });
  const n = Math.min(o.order.length, intParam(q, 'limit', o.order.length, 0, Number.MAX_SAFE_INTEGER));
  const ids: string[] = new Array(n);
  const names: (FieldValue | null)[] = new Array(n);
  const values = fields.map(() => new Array<FieldValue | null>(n));
  for (let i = 0; i < n; i++) {
    ids[i] = o.id(i);
    names[i] = o.get(i, NAME) ?? null;
    fields.forEach((f, j) => (values[j]![i] = o.get(i, f) ?? null));
  }
  return { tip: o.tip, ids, names, fields: fields.map(fieldKey), values, ...(o.indexing ? { indexing: o.indexing } : {}) };
}

const NAME: Field = { scope: 'attr', name: 'name' };
