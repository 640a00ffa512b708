/**
 * The pieces of an MLflow file store, parsed: an experiment's or a run's `meta.yaml`, and a
 * metric file (one `timestamp value step` line per logged point). Pure: text in, values out,
 * a GitTrackError naming the file (and line) for anything malformed.
 */
import { GitTrackError, quoteInput } from '../../errors.js';
import { loadYaml } from '../../manifest/yaml-text.js';
import type { MetricPoint } from './source.js';

/** MLflow's RunStatus enum as its file store writes it (an integer). */
const STATUS_NAMES: Record<number, string> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };

/** An experiment's `meta.yaml`. */
export interface ExperimentMeta {
  experimentId: string;
  name: string;
  deleted: boolean;
}

/** A run's `meta.yaml`. */
export interface RunMeta {
  runId: string;
  experimentId: string;
  status: string;
  startTime: number;
  endTime?: number;
  runName?: string;
  userId?: string;
  deleted: boolean;
  artifactUri?: string;
}

function parseYamlObject(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    // Every scalar as a string: PyYAML wrote these files with YAML 1.1 rules, so a run id of
    // digits with one 'e' was left unquoted and must not become a float. Aliases are how a
    // small YAML file grows into a huge value: a meta.yaml has none.
    value = loadYaml().parse(text, { schema: 'failsafe', maxAliasCount: 0, uniqueKeys: true });
  } catch (err) {
    throw new GitTrackError('BAD_INPUT', `${file}: not valid YAML: ${(err as Error).message.split('\n')[0]!.replace(/:\s*$/, '')}`, { file });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GitTrackError('BAD_INPUT', `${file}: not a YAML mapping`, { file });
  return value as Record<string, unknown>;
}

/** YAML's spellings of null, which the failsafe schema leaves as strings. */
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);

function text(meta: Record<string, unknown>, key: string, file: string, required: boolean): string | undefined {
  const v = meta[key];
  if (v === undefined || v === null || (typeof v === 'string' && NULLS.has(v))) {
    if (required) throw new GitTrackError('BAD_INPUT', `${file}: no ${key}`, { file, key });
    return undefined;
  }
  if (typeof v !== 'string') throw new GitTrackError('BAD_INPUT', `${file}: ${key} is not a string`, { file, key });
  return v;
}

function millis(meta: Record<string, unknown>, key: string, file: string): number | undefined {
  const v = meta[key];
  if (v === undefined || v === null || (typeof v === 'string' && NULLS.has(v))) return undefined;
  const n = typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new GitTrackError('BAD_INPUT', `${file}: ${key} is not a time in milliseconds: ${quoteInput(String(v))}`, { file, key });
  return n;
}

/**
 * An experiment's `meta.yaml`.
 *
 * @example
 * parseExperimentMeta("experiment_id: '1'\nname: churn\nlifecycle_stage: active\n", 'mlruns/1/meta.yaml');
 * // { experimentId: '1', name: 'churn', deleted: false }
 */
export function parseExperimentMeta(source: string, file: string): ExperimentMeta {
  const meta = parseYamlObject(source, file);
  return {
    experimentId: text(meta, 'experiment_id', file, true)!,
    name: text(meta, 'name', file, true)!,
    deleted: meta.lifecycle_stage === 'deleted',
  };
}

/**
 * A run's `meta.yaml`. `status` is MLflow's integer (or its name, as some versions wrote).
 *
 * @example
 * parseRunMeta('run_id: abc\nexperiment_id: "0"\nstatus: 3\nstart_time: 1700000000000\n', 'mlruns/0/abc/meta.yaml').status; // 'FINISHED'
 */
export function parseRunMeta(source: string, file: string): RunMeta {
  const meta = parseYamlObject(source, file);
  const runId = text(meta, 'run_id', file, false) ?? text(meta, 'run_uuid', file, true)!;
  const rawStatus = meta.status;
  const status = typeof rawStatus !== 'string' ? undefined : /^\d+$/.test(rawStatus) ? STATUS_NAMES[Number(rawStatus)] : rawStatus.replace(/^RunStatus\./, '');
  if (!status || !Object.values(STATUS_NAMES).includes(status)) {
    throw new GitTrackError('BAD_INPUT', `${file}: status ${quoteInput(String(rawStatus))} is not an MLflow run status`, { file });
  }
  const startTime = millis(meta, 'start_time', file);
  if (startTime === undefined) throw new GitTrackError('BAD_INPUT', `${file}: no start_time`, { file });
  const endTime = millis(meta, 'end_time', file);
  return {
    runId,
    experimentId: text(meta, 'experiment_id', file, true)!,
    status,
    startTime,
    ...(endTime !== undefined ? { endTime } : {}),
    ...(text(meta, 'run_name', file, false) !== undefined ? { runName: text(meta, 'run_name', file, false) } : {}),
    ...(text(meta, 'user_id', file, false) !== undefined ? { userId: text(meta, 'user_id', file, false) } : {}),
    deleted: meta.lifecycle_stage === 'deleted',
    ...(text(meta, 'artifact_uri', file, false) !== undefined ? { artifactUri: text(meta, 'artifact_uri', file, false) } : {}),
  };
}

/** How MLflow's Python writes non-finite floats. */
const NON_FINITE: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity };

/**
 * A metric file: `timestamp value step` per line (`step` missing in files of old MLflow
 * versions means 0). Non-finite values (MLflow logs NaN) are returned as they are; the caller
 * decides.
 *
 * @example
 * parseMetricLines('1700000000000 0.5 1\n', 'mlruns/0/abc/metrics/loss'); // [{ timestamp: 1700000000000, value: 0.5, step: 1 }]
 */
export function parseMetricLines(source: string, file: string): MetricPoint[] {
  const out: MetricPoint[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const parts = line.split(/\s+/);
    const timestamp = Number(parts[0]);
    const valueText = parts[1] ?? '';
    const value = NON_FINITE[valueText.toLowerCase()] ?? (valueText === '' ? NaN : Number(valueText));
    const step = parts.length > 2 ? Number(parts[2]) : 0;
    const valueOk = Number.isFinite(value) || valueText.toLowerCase() in NON_FINITE;
    if (parts.length < 2 || parts.length > 3 || !Number.isSafeInteger(timestamp) || !valueOk || !Number.isSafeInteger(step)) {
      throw new GitTrackError('BAD_INPUT', `${file}:${i + 1}: not a metric line 'timestamp value step': ${quoteInput(line)}`, { file, line: i + 1 });
    }
    out.push({ timestamp, value, step });
  }
  return out;
}
