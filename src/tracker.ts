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
import { getArtifacts, type GetOptions, type RestoredArtifact } from './sync/get-artifacts.js';
import { pullRuns, type PullResult } from './sync/pull.js';
import { pushRuns, type PushOptions, type PushResult } from './sync/push.js';
import { checkRun, type CheckResult, type ExtraRules } from './policy/check-run.js';
import { lineage, type LineageNode } from './provenance/lineage.js';
import { which, type WhichResult } from './provenance/which.js';
import { checkoutRun, type CheckoutResult } from './reproduce/checkout-run.js';
import { reproduceRun, type ReproduceResult } from './reproduce/reproduce-run.js';
import { promote, type PromoteResult } from './stages/promote.js';
import { currentStages, listPromotions, type PromotionEntry } from './stages/read-stages.js';
import { tagRun } from './stages/tag-run.js';
import { archiveRuns, renameRun, type ArchiveResult } from './facts/record-facts.js';
import { experiments, type ExperimentSummary } from './facts/experiments.js';
import { childRuns, type ChildRun } from './facts/run-children.js';
import { verifyBranch, type VerifyProblem, type VerifyReport } from './verify/verify-branch.js';
import { verifyStageFiles } from './verify/verify-stages.js';

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

  /** Promote a run to a stage; writes `.git-track/stages/<stage>.yaml` in the working tree (see {@link promote}). */
  promote(ref: string, stage: string, reason: string): Promise<PromoteResult> {
    return promote(this.context, { ref, stage, reason });
  }

  /** The current promotion of each stage, or with `history` every promotion, oldest first. */
  stages(options: { stage?: string; history?: boolean } = {}): PromotionEntry[] {
    return options.history ? listPromotions(this.context, options.stage) : [...currentStages(this.context, options.stage).values()];
  }

  /** Add tags to a run after the fact, as a new commit on `runs`. */
  async tag(ref: string, tags: Record<string, string>): Promise<void> {
    await tagRun(this.context, ref, tags);
  }

  /** Hide runs from listings (or with `archived: false` show them again), as a later fact on `runs`. */
  archive(refs: string[], archived = true): Promise<ArchiveResult> {
    return archiveRuns(this.context, refs, archived);
  }

  /** Give a run a new name, as a later fact on `runs` (its manifest keeps the recorded one). */
  rename(ref: string, name: string): Promise<{ id: string; previous?: string; commit: string }> {
    return renameRun(this.context, ref, name);
  }

  /** Each experiment with its number of runs, last activity and best run by `metric`. */
  experiments(options: { metric?: string; goal?: 'min' | 'max'; all?: boolean } = {}): ExperimentSummary[] {
    return experiments(this.context, options);
  }

  /** The runs nested under a run (a sweep's children), oldest first. */
  children(ref: string): ChildRun[] {
    return childRuns(this.context, resolveRun(this.context, ref).manifest.id);
  }

  /** Apply the repository's policy (plus `extra` rules) to a run. */
  check(ref: string, extra: ExtraRules = {}): Promise<CheckResult> {
    return checkRun(this.context, ref, { extra });
  }

  /** Integrity of the runs branch and, with `stages`, of the stage files in the working tree. */
  async verify(options: { stages?: boolean; signatures?: boolean } = {}): Promise<VerifyReport> {
    const { manifests: _m, ...report } = await verifyBranch(this.context);
    const extra: VerifyProblem[] = options.stages ? verifyStageFiles(this.context).problems : [];
    const { verifySignatures } = await import('./verify/signatures.js');
    extra.push(...((await verifySignatures(this.context, options))?.problems ?? []));
    return { ...report, problems: [...report.problems, ...extra] };
  }

  /** The runs that produced or used the file at `path`, by content hash. */
  which(path: string): Promise<WhichResult> {
    return which(this.context, path);
  }

  /** A run's inputs and the runs that produced them, recursively. */
  lineage(ref: string): LineageNode {
    return lineage(this.context, ref);
  }

  /** Write a run's code and cached files into `dir`. */
  checkout(ref: string, dir: string): Promise<CheckoutResult> {
    return checkoutRun(this.context, ref, dir);
  }

  /** Re-run a run's command in a temporary checkout and compare its metrics. */
  reproduce(ref: string, options: { tolerance?: number; metricsFile?: string } = {}): Promise<ReproduceResult> {
    return reproduceRun(this.context, ref, options);
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
