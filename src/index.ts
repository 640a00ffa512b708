/**
 * git-track's public library API.
 */
export { openTracker, Tracker } from './tracker.js';
export { GitTrackError, isGitTrackError, type ErrorCode } from './errors.js';
export { defaultEnv, fixedEnv, type Env, type ProgressSink } from './env.js';
export type { LogRunInput, LogRunResult, Scalar } from './runs/log-run.js';
export type { RunManifest } from './manifest/schema.js';
export type { TrackerContext } from './tracker-context.js';
export { parseFilter } from './query/parse.js';
export { printFilter } from './query/print.js';
export { matches, type FieldValue, type FieldAccessor } from './query/evaluate.js';
export { manifestAccessor } from './query/manifest-fields.js';
export type { Expr, Field, Literal } from './query/ast.js';
export { diffRuns, type RunDiff, type MetricChange, type ValueChange, type FileChange } from './compare/run-diff.js';
export { compareRuns, type Comparison, type ComparisonRow } from './compare/compare-runs.js';
export { metricDirection, type Direction, type DirectionOptions } from './compare/direction.js';
export type { RunDiffResult } from './runs/diff-runs.js';
export { parseSeries, type SeriesPoint } from './series/parse-series.js';
export type { RunSeries, SeriesSummary } from './series/read-series.js';
export { seriesInput, type SeriesInput } from './series/series-input.js';
export type { PushOptions, PushResult } from './sync/push.js';
export type { PullResult } from './sync/pull.js';
export type { GetOptions, RestoredArtifact } from './sync/get-artifacts.js';
export type { PromoteResult } from './stages/promote.js';
export type { Promotion, TagsRecord } from './stages/records.js';
export type { PromotionEntry } from './stages/read-stages.js';
export type { Policy } from './policy/schema.js';
export type { CheckResult, ExtraRules } from './policy/check-run.js';
export type { RuleResult } from './policy/evaluate.js';
export type { VerifyProblem, VerifyReport } from './verify/verify-branch.js';
export type { WhichResult } from './provenance/which.js';
export type { LineageNode, LineageInput } from './provenance/lineage.js';
export type { CheckoutResult } from './reproduce/checkout-run.js';
export type { ReproduceResult, MetricComparison } from './reproduce/reproduce-run.js';
export { encodeManifest, decodeManifest } from './manifest/codec.js';
export { validateManifest, runManifestSchema, MANIFEST_FORMAT } from './manifest/schema.js';
export { Run, type StartRunOptions, type MetricOptions } from './capture/api-run.js';
export type { RecoverResult, RunningRun } from './capture/recover.js';
