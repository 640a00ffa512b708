/**
 * The library's entry point: a Tracker bound to one repository.
 */
import type { Env } from './env.js';
import { resolveIdentity } from './git/identity.js';
import type { RunManifest } from './manifest/schema.js';
import { logRun, type LogRunInput, type LogRunResult } from './runs/log-run.js';
import { loadAllRuns } from './runs/read-runs.js';
import { resolveRun } from './runs/resolve-run.js';
import { ensureRunsBranch } from './runs/runs-branch.js';
import { Run, type StartRunOptions } from './capture/api-run.js';
import { recoverStale, type RecoverResult } from './capture/recover.js';
import { openContext, type TrackerContext } from './tracker-context.js';
import { getArtifacts, type GetOptions, type RestoredArtifact } from './sync/get-artifacts.js';
import { pullRuns, type PullResult } from './sync/pull.js';
import { pushRuns, type PushOptions, type PushResult } from './sync/push.js';

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

  /** Every run, newest first. */
  list(options: { limit?: number } = {}): RunManifest[] {
    return loadAllRuns(this.context).slice(0, options.limit ?? Infinity);
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

  /** Send `runs` and artifact bytes to a remote (see {@link pushRuns}). */
  push(options: PushOptions = {}): Promise<PushResult> {
    return pushRuns(this.context, options);
  }

  /** Fetch and merge a remote's runs (see {@link pullRuns}). */
  pull(options: { remote?: string } = {}): Promise<PullResult> {
    return pullRuns(this.context, options);
  }

  /** Restore a run's artifact bytes, verified (see {@link getArtifacts}). */
  restoreArtifacts(ref: string, options: GetOptions = {}): Promise<RestoredArtifact[]> {
    return getArtifacts(this.context, ref, options);
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
