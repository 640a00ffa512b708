/**
 * Turning a staging dir into the input of {@link logRun}: what the program reported (params,
 * metrics, the step stream, tags, artifacts, DVCLive output), what was given when the run
 * started, and how it ended. Bad content is a warning naming the file and line, never a
 * reason to lose the run: the valid rest is kept.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { GitTrackError } from '../errors.js';
import { flattenValues, readValuesFile } from '../manifest/values.js';
import { describeValue } from '../manifest/schema-errors.js';
import type { LogRunInput, Scalar } from '../runs/log-run.js';
import type { CodeVersion } from '../git/code-version.js';
import { PATCH_FILE, RUN_ID_PATTERN } from '../runs/layout.js';
import { readDvclive } from './dvclive.js';
import { listFilesBelow } from './list-files.js';
import { parseMetricStream } from './metric-stream.js';
import { seriesFiles, type SeriesPoint } from './series-files.js';
import { readEnd, readInputs, readProgramEnv } from './program-files.js';
import { SYSTEM_STREAM_FILE } from './system-metrics.js';
import { ARTIFACTS_DIR, OUTPUT_FILE, STREAM_FILE, type RunState } from './staging.js';

/** What was given when a run started; kept in run.json so a crashed run is recorded with it. */
export interface StagedInput {
  name?: string;
  experiment?: string;
  /** Id of the run this one is nested under. */
  parent?: string;
  note?: string;
  params?: Record<string, Scalar | Scalar[]>;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  data?: { path: string; label?: string }[];
  artifacts?: { path: string; role?: string }[];
  /** Where the program ran; DVCLive output is looked for in `<cwd>/dvclive`. */
  cwd?: string;
  /** Bytes of output kept (the tail). */
  logCap?: number;
  /**
   * The code version when the run started (its uncommitted changes are in `code.patch` in the
   * staging dir); captured when the run is recorded if absent.
   */
  code?: CodeVersion;
  /** Who ran it, when a client said so (an MLflow client's `mlflow.user`). */
  author?: { name: string; email: string };
}

/** How the run ended. */
export interface RunOutcome {
  status: 'finished' | 'failed' | 'killed';
  durationS: number;
  exitCode?: number | null;
  signal?: string | null;
}

/**
 * The run input of a staging dir.
 *
 * @example
 * const input = collectStaging(dir, state, { status: 'finished', durationS: 12.5 }, env.warn);
 * await logRun(ctx, input);
 */
export function collectStaging(dir: string, state: RunState, outcome: RunOutcome, warn: (message: string) => void): LogRunInput {
  const given = state.input;
  const started = new Date(state.started);
  const dvc = given.cwd ? readDvclive(join(given.cwd, 'dvclive'), started.getTime(), warn) : null;

  const streamPath = join(dir, STREAM_FILE);
  const stream = existsSync(streamPath) ? parseMetricStream(readFileSync(streamPath, 'utf8'), `run ${state.id}: ${STREAM_FILE}`, warn) : new Map();
  const series = new Map<string, SeriesPoint[]>(dvc?.series);
  for (const [name, points] of stream) series.set(name, points);
  const systemPath = join(dir, SYSTEM_STREAM_FILE);
  if (existsSync(systemPath)) for (const [name, points] of parseMetricStream(readFileSync(systemPath, 'utf8'), `run ${state.id}: ${SYSTEM_STREAM_FILE}`, warn)) series.set(name, points);
  // A metric logged once is a value, not a series: no one-line table for it.
  const { files, names } = seriesFiles(new Map([...series].filter(([, points]) => points.length > 1)));
  const last: Record<string, number> = {};
  for (const [name, points] of series) if (points.length > 0) last[name] = points[points.length - 1]!.value;
  const meta = readMap(dir, state.id, ['meta.json'], warn);
  const text = (key: string) => (typeof meta[key] === 'string' && meta[key] !== '' ? (meta[key] as string) : undefined);

  const params = { ...dvc?.params, ...readMap(dir, state.id, ['params.yaml', 'params.json'], warn), ...given.params };
  const metrics: Record<string, number> = { ...last, ...dvc?.metrics };
  for (const [name, v] of Object.entries(readMap(dir, state.id, ['metrics.json'], warn))) {
    if (typeof v === 'number' && Number.isFinite(v)) metrics[name] = v;
    else warn(`run ${state.id}: metrics.json: metric '${name}' must be a finite number, got ${describeValue(v)}; ignored`);
  }
  Object.assign(metrics, given.metrics);

  const inputs = readInputs(dir, state.id, warn);
  const tags: Record<string, string> = { ...inputs.tags };
  for (const [k, v] of Object.entries(readMap(dir, state.id, ['tags.json'], warn))) tags[k] = typeof v === 'string' ? v : JSON.stringify(v);
  Object.assign(tags, given.tags);
  if (outcome.exitCode !== undefined && outcome.exitCode !== null) tags.exit_code = String(outcome.exitCode);
  if (outcome.signal) tags.signal = outcome.signal;

  const output = readTail(join(dir, OUTPUT_FILE), given.logCap ?? DEFAULT_LOG_CAP);
  if (output) files[OUTPUT_FILE] = output;

  let code: LogRunInput['code'];
  if (given.code) {
    code = given.code;
    const patch = join(dir, PATCH_FILE);
    if (existsSync(patch)) {
      files[PATCH_FILE] = readFileSync(patch);
      // The manifest names the patch file beside it, as for a run whose code is captured at the end.
      code = { ...given.code, patch: PATCH_FILE } as CodeVersion;
    }
  }

  const artifactsDir = join(dir, ARTIFACTS_DIR);
  const staged = listFilesBelow(artifactsDir).map((path) => ({ path, as: relative(artifactsDir, path).split(sep).join('/') }));
  // A run the program ended itself (a `with start_run()` block) ended as it said, when it said;
  // the process's exit status and signal stay in the tags.
  const end = readEnd(dir, state.id, warn);
  const durationS = end ? (end.ended.getTime() - started.getTime()) / 1000 : outcome.durationS;
  const environment = readProgramEnv(dir, state.id, warn);
  const data = [...(given.data ?? []), ...inputs.data];
  return {
    id: state.id,
    name: given.name ?? text('name'),
    experiment: given.experiment ?? text('experiment'),
    parent: given.parent ?? parentOf(text('parent'), state.id, warn),
    note: given.note ?? text('note'),
    status: end?.status ?? outcome.status,
    created: started,
    durationS: Math.max(0, Math.round(durationS * 1000) / 1000),
    command: state.command,
    ...(code ? { code } : {}),
    params,
    metrics,
    tags,
    ...(data.length ? { data } : {}),
    ...(environment ? { environment } : {}),
    ...(given.author ? { author: given.author } : {}),
    // Declared outputs the program did not produce are kept as references, so the run is not lost.
    artifacts: [...(given.artifacts ?? []).map((a) => ({ ...a, optional: true })), ...staged],
    files,
    series: names,
  };
}

export const DEFAULT_LOG_CAP = 1024 * 1024;

/** A parent named by the program (meta.json): kept only when it is a run id other than the run's own. */
function parentOf(value: string | undefined, id: string, warn: (message: string) => void): string | undefined {
  if (value === undefined) return undefined;
  if (RUN_ID_PATTERN.test(value) && value !== id) return value;
  warn(`run ${id}: meta.json: parent ${describeValue(value)} is not another run's id (12 hex characters); ignored`);
  return undefined;
}

/** Flattened values of the first files present, later files winning; bad files are warnings. */
function readMap(dir: string, id: string, files: string[], warn: (message: string) => void): Record<string, Scalar | Scalar[]> {
  const out: Record<string, Scalar | Scalar[]> = {};
  for (const file of files) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    try {
      Object.assign(out, flattenValues(readValuesFile(path, 'metrics'), path));
    } catch (err) {
      if (!(err instanceof GitTrackError)) throw err;
      // The staging dir is gone after recording: name the file as the program knows it.
      warn(`run ${id}: ${err.message.split(`${path}`).join(file)}; ignored`);
    }
  }
  return out;
}

/** The last `cap` bytes of a file, with a first line saying how much was cut. */
export function readTail(path: string, cap: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return null;
    const length = Math.min(size, cap);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    if (length === size) return buf;
    return Buffer.concat([Buffer.from(`[git-track: output truncated to its last ${length} bytes]\n`), buf]);
  } finally {
    closeSync(fd);
  }
}

