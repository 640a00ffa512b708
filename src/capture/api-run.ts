/**
 * A run recorded from inside a TypeScript/JavaScript program ({@link Tracker.startRun}). It
 * reports into a staging dir in the same format as `git-track run`, so a process that dies
 * before `finish()` leaves a dir the next `git-track list`/`run`/`log`/`recover` records as
 * `killed`: one recording code path for both.
 *
 * Metric steps are buffered in memory and appended to `metrics.jsonl` in batches (and when
 * the process exits), so logging a step costs a string concatenation, not a write.
 */
import { appendFileSync, cpSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { GitTrackError, quoteInput } from '../errors.js';
import { describeValue } from '../manifest/schema-errors.js';
import { isValidName } from '../manifest/names.js';
import { flattenValues } from '../manifest/values.js';
import type { RunManifest } from '../manifest/schema.js';
import type { Scalar } from '../runs/log-run.js';
import type { TrackerContext } from '../tracker-context.js';
import { recordStaged } from './record-staged.js';
import { DEFAULT_SYSTEM_INTERVAL_S, startSystemSampler, type SystemSampler } from './system-metrics.js';
import { ARTIFACTS_DIR, createStaging, STREAM_FILE, writeState } from './staging.js';
import { captureCodeVersion } from '../git/code-version.js';
import { resolveIdentity } from '../git/identity.js';
import { PATCH_FILE } from '../runs/layout.js';
import { resolveParent } from '../runs/resolve-parent.js';
import { shareState, shareStateTree } from '../git/state-perm.js';

/** Steps kept in memory before they are appended to the staging dir. */
const BATCH = 2000;
/** Longest a logged step waits in memory: `list` and the dashboard show a training run's latest values. */
const FLUSH_INTERVAL_MS = 1000;

export interface StartRunOptions {
  name?: string;
  experiment?: string;
  /**
   * The run to nest this one under: a {@link Run} of this process, a run id, or any run
   * reference (prefix, name, `latest`). Throws `RUN_NOT_FOUND` when it names no run.
   */
  parent?: Run | string;
  note?: string;
  params?: Record<string, unknown>;
  tags?: Record<string, string>;
  /**
   * Sample this process's CPU, memory and GPUs every 10 s (or `intervalS`) as series
   * `system/...`, as `git-track run` does.
   */
  systemMetrics?: boolean | { intervalS?: number };
}

export interface MetricOptions {
  /** The step (epoch, iteration); defaults to the number of values logged for this metric so far. */
  step?: number;
}

export class Run {
  /** The run id, fixed now: the recorded run will have it. */
  readonly id: string;
  /** The staging dir the run reports into. */
  readonly dir: string;
  private readonly started: Date;
  private params: Record<string, Scalar | Scalar[]> = {};
  private tags: Record<string, string> = {};
  private readonly steps = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private buffer: string[] = [];
  private finished = false;
  /** Resolves once the start's code version is in run.json; to an error if capturing failed. */
  private readonly codeCaptured: Promise<unknown>;
  private readonly onExit = () => this.flush();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly sampler: SystemSampler | null;

  /** Use {@link Tracker.startRun}. */
  constructor(private readonly ctx: TrackerContext, options: StartRunOptions = {}) {
    const { name, experiment, note } = options;
    const parent = options.parent === undefined ? undefined : options.parent instanceof Run ? options.parent.id : resolveParent(ctx, options.parent);
    const input = { name, experiment, note, ...(parent ? { parent } : {}), cwd: process.cwd() };
    const { dir, state } = createStaging(ctx.repo, ctx.env, { owner: 'api', input });
    this.id = state.id;
    this.dir = dir;
    this.started = new Date(state.started);
    // The code as it is now, not when training ends; kept in run.json so recovery has it too.
    this.codeCaptured = resolveIdentity(ctx.repo, ctx.env)
      .then((identity) => captureCodeVersion(ctx.repo, ctx.env, identity))
      .then(({ code, patch }) => {
        if (patch) writeFileSync(join(dir, PATCH_FILE), patch);
        writeState(dir, { ...state, input: { ...state.input, code } });
      })
      .catch((err: unknown) => err);
    if (options.params) this.logParams(options.params);
    if (options.tags) this.setTags(options.tags);
    // A crash (an uncaught exception) still runs 'exit' handlers: the buffered steps are kept.
    process.on('exit', this.onExit);
    this.flushTimer = setInterval(() => {
      try {
        this.flush();
      } catch (err) {
        // Kept in memory for finish(), which says what went wrong if it still cannot write.
        ctx.env.warn(`run ${this.id}: cannot write steps to ${this.dir}: ${(err as Error).message}`);
      }
    }, FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
    const system = options.systemMetrics;
    this.sampler = system ? startSystemSampler({ pid: process.pid, dir, intervalS: (typeof system === 'object' && system.intervalS) || DEFAULT_SYSTEM_INTERVAL_S, path: process.env.PATH }) : null;
  }

  /**
   * Add params (nested maps become dotted names). Throws `BAD_INPUT` for a value that is not
   * a number, string, boolean, null or list of those.
   *
   * @example
   * run.logParams({ lr: 0.01, model: { depth: 8 } });
   */
  logParams(params: Record<string, unknown>): void {
    this.open();
    Object.assign(this.params, flattenValues(params, 'logParams'));
    writeAtomic(join(this.dir, 'params.json'), JSON.stringify(this.params));
  }

  /**
   * Log one metric value, optionally at a step. The last value logged is the run's metric.
   * Throws `BAD_INPUT` naming the metric for an invalid name or a value that is not a finite number.
   *
   * @example
   * for (let epoch = 0; epoch < 10; epoch++) run.logMetric('loss', loss, { step: epoch });
   */
  logMetric(name: string, value: number, options: MetricOptions = {}): void {
    this.open();
    let key = this.names.get(name);
    if (key === undefined) {
      if (!isValidName(name)) throw new GitTrackError('BAD_INPUT', `invalid metric name ${describeValue(name)}`, { name });
      key = JSON.stringify(name);
      this.names.set(name, key);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new GitTrackError('BAD_INPUT', `metric ${quoteInput(name)} must be a finite number, got ${describeValue(value)}`, { name });
    }
    let step = options.step;
    if (step === undefined) step = this.steps.get(name) ?? 0;
    else if (!Number.isInteger(step)) throw new GitTrackError('BAD_INPUT', `metric ${quoteInput(name)}: step must be a whole number, got ${step}`, { name });
    this.steps.set(name, step + 1);
    this.buffer.push(`{"name":${key},"step":${step},"value":${value},"ts":${Date.now()}}\n`);
    if (this.buffer.length >= BATCH) this.flush();
  }

  /**
   * Log several metrics at the same step.
   *
   * @example
   * run.logMetrics({ loss: 0.41, acc: 0.88 }, { step: 3 });
   */
  logMetrics(metrics: Record<string, number>, options: MetricOptions = {}): void {
    for (const [name, value] of Object.entries(metrics)) this.logMetric(name, value, options);
  }

  /**
   * Keep a file or directory as an artifact: it is copied now (later changes to it are not
   * recorded) and recorded under `as` (default: its base name).
   *
   * @example
   * run.logArtifact('out/model.onnx', { as: 'model.onnx' });
   */
  logArtifact(path: string, options: { as?: string } = {}): void {
    this.open();
    const source = resolve(path);
    let isDir: boolean;
    try {
      isDir = statSync(source).isDirectory();
    } catch {
      throw new GitTrackError('FILE_NOT_FOUND', `artifact not found: ${path}`, { path });
    }
    const target = options.as ?? basename(source);
    if (target.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw new GitTrackError('BAD_INPUT', `artifact name ${quoteInput(target)} must be a relative path without '..'`, { path: target });
    }
    cpSync(source, join(this.dir, ARTIFACTS_DIR, target), { recursive: isDir });
    shareStateTree(join(this.dir, ARTIFACTS_DIR, target));
  }

  /**
   * Add or replace tags.
   *
   * @example
   * run.setTags({ team: 'growth' });
   */
  setTags(tags: Record<string, string>): void {
    this.open();
    for (const [k, v] of Object.entries(tags)) {
      if (typeof v !== 'string') throw new GitTrackError('BAD_INPUT', `tag ${quoteInput(k)} must be a string, got ${describeValue(v)}`, { name: k });
      this.tags[k] = v;
    }
    writeAtomic(join(this.dir, 'tags.json'), JSON.stringify(this.tags));
  }

  /** Append the buffered steps to the staging dir's metrics.jsonl. */
  flush(): void {
    if (this.buffer.length === 0) return;
    appendFileSync(join(this.dir, STREAM_FILE), this.buffer.join(''));
    shareState(join(this.dir, STREAM_FILE));
    this.buffer = [];
  }

  /**
   * Record the run (one commit on `runs`) and return its manifest.
   *
   * @example
   * const manifest = await run.finish();            // status: finished
   * await other.finish({ status: 'failed' });
   */
  async finish(options: { status?: RunManifest['status'] } = {}): Promise<RunManifest> {
    this.open();
    const failed = await this.codeCaptured;
    // Not fatal: the code is then captured as it is at the end.
    if (failed) this.ctx.env.warn(`run ${this.id}: could not capture the code version at start: ${(failed as Error).message}`);
    this.flush();
    this.finished = true;
    process.off('exit', this.onExit);
    clearInterval(this.flushTimer);
    await this.sampler?.stop();
    const durationS = (this.ctx.env.now().getTime() - this.started.getTime()) / 1000;
    const result = await recordStaged(this.ctx, this.dir, { status: options.status ?? 'finished', durationS });
    if (!result) throw new GitTrackError('CONFLICT', `run ${this.id} is being recorded by another process`, { id: this.id });
    return result.manifest;
  }

  private open(): void {
    if (this.finished) throw new GitTrackError('USAGE', `run ${this.id} is already finished`, { id: this.id });
  }
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  shareState(`${path}.tmp`);
  renameSync(`${path}.tmp`, path);
}
