/**
 * The tracking API's endpoints (`/api/2.0/mlflow/<endpoint>`), as MLflow's service.proto
 * defines their requests and responses.
 */
import {
  MLFLOW_BULK_INTERVAL_MAX_RUNS,
  MLFLOW_BULK_INTERVAL_MAX_STEPS,
  MLFLOW_HISTORY_PAGE_MAX,
  MLFLOW_MAX_BATCH_ENTITIES,
  MLFLOW_MAX_BATCH_METRICS,
  MLFLOW_MAX_BATCH_PARAMS_TAGS,
  MLFLOW_MAX_SEARCH_RESULTS,
} from '../../limits.js';
import { compileLike } from '../../query/like.js';
import { DEFAULT_EXPERIMENT_ID, TAG_DATASET_CONTEXT, type MlflowMetric } from '../mapping.js';
import { listArtifacts } from './artifacts.js';
import { invalid, notFound } from './errors.js';
import { experimentMessage, type ExperimentRecord } from './experiments.js';
import {
  keyValues,
  maxResults,
  objects,
  offsetOf,
  optDouble,
  optInt,
  optString,
  optStrings,
  pageToken,
  reqString,
  runIdOf,
  type Fields,
} from './request.js';
import type { RunStore } from './run-store.js';
import { searchRuns } from './search-runs.js';

type Handler = (store: RunStore, fields: Fields) => Promise<object> | object;

const tagsOf = (fields: Fields) => Object.fromEntries(keyValues(fields, 'tags').map((t) => [t.key, t.value]));

function metricOf(m: Fields): MlflowMetric {
  const key = reqString(m, 'key');
  const value = optDouble(m, 'value');
  if (value === undefined) throw invalid(`Missing value for required parameter 'value' of metric '${key}'`);
  const timestamp = optInt(m, 'timestamp');
  if (timestamp === undefined) throw invalid(`Missing value for required parameter 'timestamp' of metric '${key}'`);
  return { key, value, timestamp, step: optInt(m, 'step') ?? 0 };
}

function searchExperiments(store: RunStore, fields: Fields): object {
  const limit = maxResults(fields, 1000, MLFLOW_MAX_SEARCH_RESULTS);
  const offset = offsetOf(optString(fields, 'page_token'));
  const view = fields.view_type;
  let list = store.experiments.all().filter((e) => {
    if (view === 'ALL' || view === 3 || view === '3') return true;
    if (view === 'DELETED_ONLY' || view === 2 || view === '2') return e.lifecycle === 'deleted';
    return e.lifecycle === 'active';
  });
  const filter = optString(fields, 'filter');
  if (filter) list = list.filter(experimentFilter(filter));
  const orders = optStrings(fields, 'order_by');
  const keys = orders.length ? orders : ['creation_time DESC', 'experiment_id ASC'];
  list.sort((a, b) => {
    for (const o of keys) {
      const [name = '', dir = 'ASC'] = o.trim().split(/\s+/);
      const field = name.replace(/^attributes?\./, '');
      const va = experimentField(a, field);
      const vb = experimentField(b, field);
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va) < String(vb) ? -1 : String(va) > String(vb) ? 1 : 0;
      if (c !== 0) return dir.toUpperCase() === 'DESC' ? -c : c;
    }
    return 0;
  });
  const page = list.slice(offset, offset + limit);
  return { experiments: page.map(experimentMessage), ...(offset + limit < list.length ? { next_page_token: pageToken(offset + limit) } : {}) };
}

function experimentField(e: ExperimentRecord, field: string): string | number {
  switch (field) {
    case 'name':
      return e.name;
    case 'experiment_id':
      return Number(e.id);
    case 'creation_time':
      return e.created;
    case 'last_update_time':
      return e.updated;
  }
  throw invalid(`Invalid order_by entity '${field}' for experiments: use name, experiment_id, creation_time or last_update_time`);
}

/** MLflow's experiment filter: `name`, `creation_time`, `last_update_time` and `tags.<key>`, joined by AND. */
function experimentFilter(filter: string): (e: ExperimentRecord) => boolean {
  const clauses = filter.split(/\s+and\s+/i);
  const tests = clauses.map((clause) => {
    const m = /^\s*(?:attributes?\.)?(`[^`]+`|tags?\.(?:`[^`]+`|"[^"]+"|\S+)|\w+)\s*(=|!=|<=|>=|<|>|LIKE|ILIKE)\s*(?:'((?:[^']|'')*)'|"([^"]*)"|(-?\d+))\s*$/i.exec(clause);
    if (!m) throw invalid(`Invalid experiment filter clause '${clause.slice(0, 200)}'`);
    const [, rawKey, rawOp, single, double, num] = m;
    const op = rawOp!.toUpperCase();
    const value = single !== undefined ? single.replace(/''/g, "'") : (double ?? num ?? '');
    const key = rawKey!.replace(/`/g, '');
    const read = (e: ExperimentRecord): string | number | undefined => {
      if (/^tags?\./i.test(key)) return e.tags[key.replace(/^tags?\./i, '').replace(/^"|"$/g, '')];
      if (key === 'name') return e.name;
      if (key === 'creation_time') return e.created;
      if (key === 'last_update_time') return e.updated;
      throw invalid(`Invalid attribute key '${key}' in an experiment filter`);
    };
    const like = op === 'LIKE' || op === 'ILIKE' ? compileLike(value, op === 'ILIKE') : null;
    return (e: ExperimentRecord) => {
      const v = read(e);
      if (v === undefined) return false;
      if (like) return like.test(String(v));
      const want = typeof v === 'number' ? Number(value) : value;
      const c = typeof v === 'number' ? v - (want as number) : v < want ? -1 : v > want ? 1 : 0;
      return op === '=' ? c === 0 : op === '!=' ? c !== 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    };
  });
  return (e) => tests.every((t) => t(e));
}

/**
 * The HTTP methods of each endpoint, as service.proto declares them (MLflow's server answers
 * 405 to any other). HEAD goes with GET, as in Flask.
 */
export function allowedMethods(endpoint: string): readonly string[] {
  if (endpoint === 'experiments/search') return ['GET', 'HEAD', 'POST'];
  return GET_ENDPOINTS.has(endpoint) ? ['GET', 'HEAD'] : ['POST'];
}

const GET_ENDPOINTS = new Set(['experiments/get', 'experiments/get-by-name', 'runs/get', 'artifacts/list', 'metrics/get-history', 'metrics/get-history-bulk-interval']);

/** Endpoint name (after `/api/2.0/mlflow/`) → handler. */
export const ROUTES: Record<string, Handler> = {
  'experiments/create': async (store, f) => {
    const name = reqString(f, 'name');
    return { experiment_id: (await store.experiments.create(name, tagsOf(f))).id };
  },
  'experiments/get': (store, f) => ({ experiment: experimentMessage(store.experiments.get(reqString(f, 'experiment_id'))) }),
  'experiments/get-by-name': (store, f) => {
    const name = reqString(f, 'experiment_name');
    const e = store.experiments.byName(name);
    if (!e) throw notFound(`Could not find experiment with name '${name}'`);
    return { experiment: experimentMessage(e) };
  },
  'experiments/search': searchExperiments,
  'experiments/update': async (store, f) => {
    await store.experiments.rename(reqString(f, 'experiment_id'), reqString(f, 'new_name'));
    return {};
  },
  'experiments/delete': async (store, f) => {
    await store.experiments.setLifecycle(reqString(f, 'experiment_id'), 'deleted');
    return {};
  },
  'experiments/restore': async (store, f) => {
    await store.experiments.setLifecycle(reqString(f, 'experiment_id'), 'active');
    return {};
  },
  'experiments/set-experiment-tag': async (store, f) => {
    await store.experiments.setTag(reqString(f, 'experiment_id'), reqString(f, 'key'), optString(f, 'value') ?? '');
    return {};
  },
  'runs/create': async (store, f) => {
    const run = await store.create({
      experimentId: optString(f, 'experiment_id') || DEFAULT_EXPERIMENT_ID,
      startTime: optInt(f, 'start_time'),
      runName: optString(f, 'run_name'),
      tags: keyValues(f, 'tags'),
    });
    return { run: run.message(store.artifactUri(run.experimentId, run.id)) };
  },
  'runs/update': async (store, f) => {
    const run = await store.update(runIdOf(f), { status: optString(f, 'status'), endTime: optInt(f, 'end_time'), runName: optString(f, 'run_name') });
    return { run_info: run.info };
  },
  'runs/get': (store, f) => ({ run: store.getRun(runIdOf(f)) }),
  'runs/search': (store, f) => searchRuns(store, f),
  'runs/log-metric': (store, f) => {
    store.open(runIdOf(f)).logMetrics([metricOf(f)]);
    return {};
  },
  'runs/log-parameter': (store, f) => {
    store.open(runIdOf(f)).logParams([{ key: reqString(f, 'key'), value: optString(f, 'value') ?? '' }]);
    return {};
  },
  'runs/set-tag': async (store, f) => {
    await store.setTags(runIdOf(f), [{ key: reqString(f, 'key'), value: optString(f, 'value') ?? '' }]);
    return {};
  },
  'runs/delete-tag': (store, f) => {
    store.open(runIdOf(f)).deleteTag(reqString(f, 'key'));
    return {};
  },
  'runs/log-batch': async (store, f) => {
    const id = runIdOf(f);
    const metrics = objects(f, 'metrics');
    const params = keyValues(f, 'params');
    const tags = keyValues(f, 'tags');
    if (metrics.length > MLFLOW_MAX_BATCH_METRICS) {
      throw invalid(`A batch logging request can contain at most ${MLFLOW_MAX_BATCH_METRICS} metrics. Got ${metrics.length} metrics. Please split up metrics across multiple requests and try again.`);
    }
    if (params.length > MLFLOW_MAX_BATCH_PARAMS_TAGS) {
      throw invalid(`A batch logging request can contain at most ${MLFLOW_MAX_BATCH_PARAMS_TAGS} params. Got ${params.length} params. Please split up params across multiple requests and try again.`);
    }
    if (tags.length > MLFLOW_MAX_BATCH_PARAMS_TAGS) {
      throw invalid(`A batch logging request can contain at most ${MLFLOW_MAX_BATCH_PARAMS_TAGS} tags. Got ${tags.length} tags. Please split up tags across multiple requests and try again.`);
    }
    const total = metrics.length + params.length + tags.length;
    if (total > MLFLOW_MAX_BATCH_ENTITIES) {
      throw invalid(`A batch logging request can contain at most ${MLFLOW_MAX_BATCH_ENTITIES} total metrics, params, and tags. Got ${total} total. Please split up across multiple requests and try again.`);
    }
    const parsed = metrics.map(metricOf);
    const run = store.active.get(id);
    if (!run) {
      // Tags alone may be added to a recorded run (a later fact); anything else is refused there.
      if (parsed.length === 0 && params.length === 0 && tags.length) return store.setTags(id, tags).then(() => ({}));
      store.open(id);
      return {};
    }
    // Params first: a changed param refuses the whole batch before anything is written.
    run.logParams(params);
    if (tags.length) run.setTags(tags, (p) => store.parentId(p));
    run.logMetrics(parsed);
    return {};
  },
  'runs/log-inputs': (store, f) => {
    const run = store.open(runIdOf(f));
    const datasets = objects(f, 'datasets').map((d) => {
      const ds = (d.dataset ?? {}) as Fields;
      const context = keyValues(d, 'tags').find((t) => t.key === TAG_DATASET_CONTEXT)?.value;
      const sourceType = optString(ds, 'source_type');
      return { name: reqString(ds, 'name'), digest: optString(ds, 'digest') ?? '', source: optString(ds, 'source') ?? '', ...(context !== undefined ? { context } : {}), ...(sourceType ? { sourceType } : {}) };
    });
    run.logInputs(datasets);
    return {};
  },
  'runs/delete': async (store, f) => {
    await store.setDeleted(runIdOf(f), true);
    return {};
  },
  'runs/restore': async (store, f) => {
    await store.setDeleted(runIdOf(f), false);
    return {};
  },
  'metrics/get-history': (store, f) => {
    const all = store.metricHistory(runIdOf(f), reqString(f, 'metric_key'));
    // MLflow's server answers every value, and its client asks once without max_results and
    // follows no token: paging only when a client asks for pages (the proto's max_results).
    if (optInt(f, 'max_results') === undefined && !optString(f, 'page_token')) return all.length ? { metrics: all } : {};
    const limit = maxResults(f, MLFLOW_HISTORY_PAGE_MAX, MLFLOW_HISTORY_PAGE_MAX);
    const offset = offsetOf(optString(f, 'page_token'));
    const page = all.slice(offset, offset + limit);
    return { ...(page.length ? { metrics: page } : {}), ...(offset + limit < all.length ? { next_page_token: pageToken(offset + limit) } : {}) };
  },
  'metrics/get-history-bulk-interval': (store, f) => {
    const runIds = optStrings(f, 'run_ids');
    if (runIds.length === 0) throw invalid("Missing value for required parameter 'run_ids'. See the API docs for more information about request parameters.");
    if (runIds.length > MLFLOW_BULK_INTERVAL_MAX_RUNS) {
      throw invalid(`GetMetricHistoryBulkInterval request must specify at most ${MLFLOW_BULK_INTERVAL_MAX_RUNS} run_ids. Received ${runIds.length} run_ids.`);
    }
    const key = reqString(f, 'metric_key');
    const max = optInt(f, 'max_results') ?? MLFLOW_BULK_INTERVAL_MAX_STEPS;
    if (max < 1 || max > MLFLOW_BULK_INTERVAL_MAX_STEPS) throw invalid(`max_results must be between 1 and ${MLFLOW_BULK_INTERVAL_MAX_STEPS}.`);
    const start = optInt(f, 'start_step');
    const end = optInt(f, 'end_step');
    if (start !== undefined && end !== undefined && start > end) throw invalid(`end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`);
    if ((start === undefined) !== (end === undefined)) throw invalid('If either start step or end step are specified, both must be specified.');
    const histories = runIds.map((runId) => ({ runId, points: store.metricHistory(runId, key) }));
    const steps = sampledSteps(histories.map((h) => h.points.map((p) => p.step)), max, start, end);
    const out: (MlflowMetric & { run_id: string })[] = [];
    for (const { runId, points } of histories) {
      const chosen = points.filter((p) => steps.has(p.step));
      chosen.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || a.value - b.value);
      out.push(...chosen.slice(0, MLFLOW_HISTORY_PAGE_MAX).map((p) => ({ key: p.key, value: p.value, timestamp: p.timestamp, step: p.step, run_id: runId })));
    }
    return out.length ? { metrics: out } : {};
  },
  'artifacts/list': (store, f) => {
    const runId = runIdOf(f);
    const path = optString(f, 'path') ?? '';
    const run = store.getRun(runId);
    // MLflow's server takes page_token and answers every entry in one page, without a token.
    optString(f, 'page_token');
    const files = listArtifacts(store, runId, path.replace(/\/+$/, ''), 'root');
    return { root_uri: run.info.artifact_uri, ...(files.length ? { files } : {}) };
  },
};

/**
 * The steps get-history-bulk-interval answers, as MLflow's server picks them: `max` steps spread
 * evenly over every step the runs logged between start and end (default: 0 to the last step),
 * plus each run's first and last step inside that range.
 */
function sampledSteps(runs: number[][], wanted: number, start: number | undefined, end: number | undefined): Set<number> {
  const all = [...new Set(runs.flat())].sort((a, b) => a - b);
  const from = start ?? 0;
  const to = end ?? (all.length ? all[all.length - 1]! : 0);
  const out = new Set<number>();
  for (const steps of runs) {
    if (!steps.length) continue;
    let min = steps[0]!;
    let max = steps[0]!;
    for (const s of steps) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (const s of [min, max]) if (s >= from && s <= to) out.add(s);
  }
  const lo = lowerBound(all, from);
  const hi = lowerBound(all, to + 1);
  if (hi - lo <= wanted) {
    for (let i = lo; i < hi; i++) out.add(all[i]!);
    return out;
  }
  // MLflow's arithmetic, kept as it is (its index test compares with the count, not the end).
  const count = hi - lo;
  const interval = count / wanted;
  for (let i = 0; i < wanted; i++) {
    const idx = lo + Math.floor(i * interval);
    if (idx < count) out.add(all[idx]!);
  }
  out.add(all[hi - 1]!);
  return out;
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
