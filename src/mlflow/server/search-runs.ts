/**
 * runs/search: MLflow's filter, order and paging over the query index (recorded runs) and the
 * server's runs in progress. Runs of a page are built from the index's columns, so a search
 * over 10,000 runs reads no manifest.
 */
import type { Expr, Field, Literal } from '../../query/ast.js';
import { matches, type FieldValue } from '../../query/evaluate.js';
import { laterTags, queryRuns } from '../../query/query-runs.js';
import { sortRows, type SortKey } from '../../query/sort.js';
import { NEWEST_FIRST } from '../../query/query-runs.js';
import type { RunManifest } from '../../manifest/schema.js';
import type { ParamValue } from '../../manifest/schema.js';
import { MLFLOW_MAX_SEARCH_RESULTS } from '../../limits.js';
import { fromTrackName, runFromManifest, toParamValue, toTrackName } from '../mapping.js';
import { DATASET_TAG_PREFIX, isDatasetPart, readDataset } from '../dataset-tags.js';
import { RawJson } from './run-json-cache.js';
import type { ActiveRun } from './active-run.js';
import { invalid } from './errors.js';
import { ARTIFACT_URI_FIELD, END_TIME_FIELD, translateFilter, translateOrderBy, type DatasetRef, type Residual } from './mlflow-filter.js';
import { maxResults, offsetOf, optString, optStrings, pageToken, type Fields } from './request.js';
import type { RunStore } from './run-store.js';

const attr = (name: string): Field => ({ scope: 'attr', name });
const and = (left: Expr, right: Expr): Expr => ({ kind: 'and', left, right });

/** A candidate run: a row of the index or a run in progress. */
type Candidate = { row: number } | { active: ActiveRun };

/**
 * Answer a runs/search request, serialised (recorded runs' JSON comes from the store's cache).
 *
 * @example
 * searchRuns(store, { experiment_ids: ['0'], filter: 'metrics.f1 > 0.8', order_by: ['metrics.f1 DESC'] });
 */
export function searchRuns(store: RunStore, fields: Fields): RawJson {
  const limit = maxResults(fields, 1000, MLFLOW_MAX_SEARCH_RESULTS);
  const offset = offsetOf(optString(fields, 'page_token'));
  const view = viewType(fields.run_view_type);
  const experimentIds = optStrings(fields, 'experiment_ids');
  const { expr, residual, datasets } = translateFilter(optString(fields, 'filter'));
  const sort = translateOrderBy(optStrings(fields, 'order_by'));

  let where: Expr | undefined = expr;
  const names = experimentIds.flatMap((id) => store.experiments.namesOf(id));
  // The client's filter first: it is usually the more selective clause.
  if (experimentIds.length) where = where ? and(where, inExperiments(names)) : inExperiments(names);
  const archived: Expr = { kind: 'compare', field: attr('archived'), op: '=', value: { type: 'boolean', value: true } };
  if (view === 'ACTIVE_ONLY') where = where ? and(where, { kind: 'not', expr: archived }) : { kind: 'not', expr: archived };
  if (view === 'DELETED_ONLY') where = where ? and(where, archived) : archived;

  // Keys the index has no column for (end time, artifact URI) are sorted here, over the matches.
  const computed = sort.some((k) => k.field === END_TIME_FIELD || k.field === ARTIFACT_URI_FIELD);
  const result = queryRuns(store.ctx, { ...(where ? { filter: where } : {}), sort: computed ? [] : sort });
  const getRow = (row: number) => (f: Field) => result.get(row, f);
  let rows = result.rows.filter((row) => residual.every((check) => check(getRow(row))));
  if (datasets.length) {
    const names = datasetNames(result.table.keys());
    rows = rows.filter((row) => {
      const list = datasetsOfRow(getRow(row), names);
      return datasets.every((check) => check(list));
    });
  }
  let candidates: Candidate[] = rows.map((row) => ({ row }));

  const idsByName = new Map<string | undefined, string>();
  const experimentIdOfName = (name: FieldValue | undefined) => {
    const key = typeof name === 'string' ? name : undefined;
    let id = idsByName.get(key);
    if (id === undefined) idsByName.set(key, (id = store.experiments.idOfName(key)));
    return id;
  };
  const active = [...store.active.values()].filter((run) => {
    const get = activeAccessor(run);
    return (!where || matches(where, get)) && residual.every((check: Residual) => check(get)) && datasets.every((check) => check(run.datasets()));
  });
  if (active.length || computed) {
    candidates = [...candidates, ...active.map((run) => ({ active: run }))];
    const value = (c: Candidate, f: Field): FieldValue | undefined => {
      if ('active' in c) {
        if (f === END_TIME_FIELD) return c.active.endTime;
        if (f === ARTIFACT_URI_FIELD) return store.artifactUri(c.active.experimentId, c.active.id);
        return activeAccessor(c.active)(f);
      }
      if (f === END_TIME_FIELD) {
        const created = result.get(c.row, attr('created'));
        const duration = result.get(c.row, attr('duration'));
        return typeof created === 'string' && typeof duration === 'number' ? Date.parse(created) + Math.round(duration * 1000) : undefined;
      }
      if (f === ARTIFACT_URI_FIELD) return store.artifactUri(experimentIdOfName(result.get(c.row, attr('experiment'))), result.table.id(c.row));
      return result.get(c.row, f);
    };
    candidates = sortCandidates(candidates, [...sort, ...NEWEST_FIRST], value);
  }

  const page = candidates.slice(offset, offset + limit);
  // Later tags are read only when a run's JSON must be built: a page of runs seen before joins
  // cached strings.
  let tags: Map<string, Record<string, string>> | undefined;
  let keys: Field[] | undefined;
  const parts = page.map((c) => {
    if ('active' in c) return JSON.stringify(c.active.message(store.artifactUri(c.active.experimentId, c.active.id)));
    const id = result.table.id(c.row);
    const experimentId = experimentIdOfName(result.get(c.row, attr('experiment')));
    return store.runJson.json(result.table.tip, id, experimentId, () => {
      tags ??= laterTags(store.ctx);
      keys ??= scopedKeys(result.table.keys());
      const m = manifestOfRow(result, c.row, tags, keys);
      const run = runFromManifest(m, { artifactUri: store.artifactUri(experimentId, m.id), deleted: result.get(c.row, attr('archived')) === true });
      run.info.experiment_id = experimentId;
      return JSON.stringify(run);
    });
  });
  const next = offset + limit < candidates.length ? `,"next_page_token":${JSON.stringify(pageToken(offset + limit))}` : '';
  // MLflow leaves an empty list out of its JSON: no runs is `{}`.
  return new RawJson(parts.length ? `{"runs":[${parts.join(',')}]${next}}` : `{${next.slice(1)}}`);
}

/**
 * The dataset names the index has tag columns for: a dataset is recorded as the tag
 * `dataset.<name>` with its fields in tags beside it (dataset-tags.ts).
 */
function datasetNames(keys: string[]): string[] {
  const names = new Set<string>();
  for (const key of keys) if (key.startsWith(`tags.${DATASET_TAG_PREFIX}`)) names.add(key.slice(`tags.${DATASET_TAG_PREFIX}`.length));
  return [...names].filter((n) => !isDatasetPart(n, (base) => names.has(base)));
}

function datasetsOfRow(get: (f: Field) => FieldValue | undefined, names: string[]): DatasetRef[] {
  const out: DatasetRef[] = [];
  for (const name of names) {
    const v = get({ scope: 'tags', name: `${DATASET_TAG_PREFIX}${name}` });
    if (typeof v !== 'string') continue;
    const context = get({ scope: 'tags', name: `${DATASET_TAG_PREFIX}${name}.context` });
    const digest = get({ scope: 'tags', name: `${DATASET_TAG_PREFIX}${name}.digest` });
    const given = get({ scope: 'tags', name: `${DATASET_TAG_PREFIX}${name}.name` });
    out.push({ name: typeof given === 'string' ? given : fromTrackName(name), digest: readDataset(v, typeof digest === 'string' ? digest : undefined).digest, ...(typeof context === 'string' ? { context } : {}) });
  }
  return out;
}

function viewType(v: unknown): 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' {
  if (v === undefined || v === null || v === '' || v === 'ACTIVE_ONLY' || v === 1 || v === '1') return 'ACTIVE_ONLY';
  if (v === 'DELETED_ONLY' || v === 2 || v === '2') return 'DELETED_ONLY';
  if (v === 'ALL' || v === 3 || v === '3') return 'ALL';
  throw invalid(`Invalid value ${JSON.stringify(v)} for parameter 'run_view_type'`);
}

function inExperiments(names: (string | undefined)[]): Expr {
  const literals: Literal[] = names.filter((n): n is string => n !== undefined).map((value) => ({ type: 'string', value }));
  const isIn: Expr = { kind: 'in', field: attr('experiment'), values: literals, negated: false };
  if (!names.includes(undefined)) return isIn;
  const none: Expr = { kind: 'is-null', field: attr('experiment'), negated: false };
  return literals.length ? { kind: 'or', left: none, right: isIn } : none;
}

/** A run in progress, read as the query engine reads a manifest. */
function activeAccessor(run: ActiveRun): (field: Field) => FieldValue | undefined {
  const f = run.fields();
  return (field) => {
    if (field.scope === 'params') {
      for (const [k, v] of f.params) if (toTrackName(k) === field.name) return toParamValue(v);
      return undefined;
    }
    if (field.scope === 'metrics') {
      for (const [k, m] of f.metrics) if (toTrackName(k) === field.name) return m.value;
      return undefined;
    }
    if (field.scope === 'tags') {
      for (const [k, v] of f.tags) if (toTrackName(k) === field.name) return v;
      return undefined;
    }
    switch (field.name) {
      case 'id':
        return run.id;
      case 'name':
        return f.name;
      case 'experiment':
        return f.experiment;
      case 'parent':
        return f.parent;
      case 'note':
        return f.note;
      case 'author':
        return f.author;
      case 'status':
        return run.status.toLowerCase();
      case 'created':
        return new Date(run.startTime).toISOString();
      case 'archived':
        return run.deleted;
      default:
        return undefined;
    }
  };
}

function sortCandidates(list: Candidate[], keys: SortKey[], get: (c: Candidate, f: Field) => FieldValue | undefined): Candidate[] {
  // Runs in progress and recorded runs may write `created` with other offsets: compare instants.
  const value = (i: number, f: Field): FieldValue | undefined => {
    const v = get(list[i]!, f);
    return f.name === 'created' && typeof v === 'string' ? Date.parse(v) : v;
  };
  return sortRows(list.map((_, i) => i), keys, value).map((i) => list[i]!);
}

/** The manifest fields MLflow shows, from the index row (no manifest read). */
/** The index's params, metrics and tags fields, found once per search rather than per run. */
function scopedKeys(keys: string[]): Field[] {
  const out: Field[] = [];
  for (const key of keys) {
    const dot = key.indexOf('.');
    const scope = key.slice(0, dot);
    if (scope === 'params' || scope === 'metrics' || scope === 'tags') out.push({ scope, name: key.slice(dot + 1) });
  }
  return out;
}

function manifestOfRow(result: ReturnType<typeof queryRuns>, row: number, later: Map<string, Record<string, string>>, fields: Field[]): RunManifest {
  const get = (name: string) => result.get(row, attr(name));
  const str = (name: string) => {
    const v = get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const params: Record<string, ParamValue> = {};
  const metrics: Record<string, number> = {};
  const tags: Record<string, string> = {};
  for (const field of fields) {
    const v = result.get(row, field);
    if (v === undefined) continue;
    if (field.scope === 'params') params[field.name] = v as ParamValue;
    else if (field.scope === 'metrics' && typeof v === 'number') metrics[field.name] = v;
    else if (field.scope === 'tags' && typeof v === 'string') tags[field.name] = v;
  }
  const id = result.table.id(row);
  Object.assign(tags, later.get(id));
  const duration = get('duration');
  const commit = str('code.commit');
  return {
    format: 'git-track/run@1',
    id,
    ...(str('name') !== undefined ? { name: str('name') } : {}),
    ...(str('experiment') !== undefined ? { experiment: str('experiment') } : {}),
    ...(str('parent') !== undefined ? { parent: str('parent') } : {}),
    status: get('status') as RunManifest['status'],
    created: str('created')!,
    ...(typeof duration === 'number' ? { duration_s: duration } : {}),
    author: { name: str('author') ?? '', email: str('author.email') ?? '' },
    ...(commit ? { code: { commit, dirty: false } } : {}),
    ...(str('note') !== undefined ? { note: str('note') } : {}),
    data: [],
    params,
    metrics,
    artifacts: [],
    tags,
  } as RunManifest;
}
