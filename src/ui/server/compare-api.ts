/**
 * `/api/compare` (N runs side by side, the rules of `git-track compare`, with the "different
 * data" warnings of `diff`) and `/api/stages` (each stage's run and promotion history).
 */
import { compareRuns } from '../../compare/compare-runs.js';
import { diffRuns } from '../../compare/run-diff.js';
import { GitTrackError } from '../../errors.js';
import { MAX_UI_COMPARE_RUNS } from '../../limits.js';
import { resolveRun } from '../../runs/resolve-run.js';
import { currentStages, listPromotions } from '../../stages/read-stages.js';
import { flagParam, listParam } from './query-params.js';
import type { UiState } from './ui-state.js';

/**
 * The comparison of the runs named by `runs`.
 *
 * @example
 * compareAnswer(state, new URLSearchParams('runs=baseline,latest')).rows;
 */
export function compareAnswer(state: UiState, q: URLSearchParams): object {
  const refs = listParam(q, 'runs', MAX_UI_COMPARE_RUNS);
  if (!refs || refs.length === 0) throw new GitTrackError('USAGE', 'runs: name the runs to compare, e.g. runs=baseline,latest');
  const runs = refs.map((r) => resolveRun(state.ctx, r).manifest);
  const comparison = compareRuns(runs, { all: flagParam(q, 'all', false) });
  // Each run against the first, as `diff FIRST RUN` would warn.
  const dataWarnings = [...new Set(runs.slice(1).flatMap((r) => diffRuns(runs[0]!, r).warnings.map((w) => (runs.length > 2 ? `${w} (B = ${r.id})` : w))))];
  return { ...comparison, dataWarnings };
}

/**
 * Every stage with its current run and its history, oldest first.
 *
 * @example
 * stagesAnswer(state).stages[0].current.run;
 */
export function stagesAnswer(state: UiState): object {
  const current = currentStages(state.ctx);
  const history = listPromotions(state.ctx);
  const names = [...new Set(history.map((p) => p.stage))].sort();
  return {
    stages: names.map((stage) => ({ stage, current: current.get(stage) ?? null, history: history.filter((p) => p.stage === stage) })),
  };
}
