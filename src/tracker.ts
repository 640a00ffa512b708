/**
 * The library's entry point: a Tracker bound to one repository.
 */
import type { Env } from './env.js';
import { resolveIdentity } from './git/identity.js';
import type { RunManifest } from './manifest/schema.js';
import { logRun, type LogRunInput, type LogRunResult } from './runs/log-run.js';
import { loadRuns } from './query/load-runs.js';
import { parseFilter } from './query/parse.js';
import { parseSort } from './query/sort.js';
import type { Comparison } from './compare/compare-runs.js';
import type { DirectionOptions } from './compare/direction.js';
import { compareRefs } from './runs/compare-refs.js';
import { diffRunRefs, type RunDiffResult } from './runs/diff-runs.js';
import { readRunSeries, type RunSeries } from './series/read-series.js';
import { resolveRun } from './runs/resolve-run.js';
import { ensureRunsBranch } from './runs/runs-branch.js';
import { Run, type StartRunOptions } from './capture/api-run.js';
import { recoverStale, type RecoverResult } from './capture/recover.js';
import { openContext, type TrackerContext } from './tracker-context.js';

export class Tracker {
  /** The repository, object store and Env this tracker works with. */
  readonly context: TrackerContext;

  constructor(context: TrackerContext) {
    this.context = context;
  }

  /** Create the `runs` branch if missing; true when it was created. */
  async init(): Promise<boolean> {
    const identity = await resolveIdentity(this.context.repo, this.context.env);
    return (await ensureRunsBranch(this.context, identity)).created;
  }

  /** Record a finished run (see {@link logRun}). */
  log(input: LogRunInput, options: { dryRun?: boolean } = {}): Promise<LogRunResult> {
    return logRun(this.context, input, options);
  }

  /**
   * Runs, newest first unless sorted; `filter` and `sort` use the CLI's syntax.
   *
   * @example
   * tracker.list({ filter: "metrics.f1 > 0.8 AND params.model = 'xgb'", sort: '-metrics.f1', limit: 5 });
   */
  list(options: { filter?: string; sort?: string; limit?: number } = {}): RunManifest[] {
    return loadRuns(this.context, {
      filter: options.filter === undefined ? undefined : parseFilter(options.filter),
      sort: options.sort === undefined ? undefined : parseSort(options.sort),
      limit: options.limit,
    });
  }

  /** What changed between two runs (see {@link diffRunRefs}). */
  diff(a: string, b: string, options: DirectionOptions & { manifest?: boolean } = {}): Promise<RunDiffResult> {
    return diffRunRefs(this.context, a, b, options);
  }

  /** Runs side by side, rows that differ, best metric values marked (see {@link compareRuns}). */
  compare(refs: string[], options: DirectionOptions & { all?: boolean; filter?: string; limit?: number } = {}): Comparison {
    const filter = options.filter === undefined ? undefined : parseFilter(options.filter);
    return compareRefs(this.context, refs, { filter, limit: options.limit }, options);
  }

  /** A run's metric step series with summaries (all, or the one named). */
  series(ref: string, name?: string, options: DirectionOptions = {}): { run: RunManifest; series: RunSeries[] } {
    return readRunSeries(this.context, ref, name, options);
  }

  /**
   * Start a run from this process: log to it while training, then `finish()` records it. A
   * process that dies before `finish()` leaves it to be recovered as `killed`.
   *
   * @example
   * const run = tracker.startRun({ name: 'baseline', params: { lr: 0.01 } });
   * for (let epoch = 0; epoch < 10; epoch++) run.logMetric('loss', 1 / (epoch + 1), { step: epoch });
   * const manifest = await run.finish();
   */
  startRun(options: StartRunOptions = {}): Run {
    return new Run(this.context, options);
  }

  /** Record runs left behind by crashed processes as `killed`; report those still running. */
  recover(): Promise<RecoverResult> {
    return recoverStale(this.context);
  }

  /** One run by id, id prefix, name, `latest` or run commit. Throws `RUN_NOT_FOUND`. */
  get(ref: string): RunManifest {
    return resolveRun(this.context, ref).manifest;
  }
}

/**
 * Open the tracker of the repository containing `dir` (default: the current directory).
 *
 * @example
 * import { openTracker } from 'git-track';
 * const tracker = openTracker({ dir: '.' });
 * const { manifest } = await tracker.log({ params: { lr: 0.01 }, metrics: { f1: 0.84 } });
 * tracker.get(manifest.id).metrics.f1; // 0.84
 */
export function openTracker(options: { dir?: string; env?: Env } = {}): Tracker {
  return new Tracker(openContext({ dir: options.dir ?? process.cwd(), env: options.env }));
}
