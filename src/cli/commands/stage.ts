import { GitTrackError, quoteInput } from '../../errors.js';
import { nearestNames } from '../../runs/nearest-names.js';
import { checkStageName } from '../../stages/records.js';
import { currentStages, listPromotions } from '../../stages/read-stages.js';
import type { CliContext } from '../context.js';
import { renderStages } from '../render/stages.js';

/** `git-track stage [NAME] [--history]`: the current run of each stage, or every promotion. */
export default async function stage(cli: CliContext, [name]: unknown[], options: { history?: boolean; json?: boolean }): Promise<number> {
  const stageName = name === undefined ? undefined : String(name);
  if (stageName !== undefined) checkStageName(stageName);
  const ctx = cli.tracker();
  const promotions = options.history ? listPromotions(ctx, stageName) : [...currentStages(ctx, stageName).values()];
  if (stageName !== undefined && promotions.length === 0) throw noSuchStage(stageName, [...currentStages(ctx).keys()].sort());
  cli.out(options.json ? JSON.stringify(promotions, null, 2) : renderStages(promotions, Boolean(options.history)));
  return 0;
}

/** A stage without promotions: say which stages have some (a typo is the usual cause). */
function noSuchStage(name: string, stages: string[]): GitTrackError {
  const near = nearestNames(stages, name);
  const known =
    stages.length === 0
      ? 'no run has been promoted to any stage yet (git-track promote RUN --stage NAME --reason TEXT)'
      : `stages with promotions: ${stages.join(', ')}${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}`;
  return new GitTrackError('RUN_NOT_FOUND', `no run has been promoted to stage ${quoteInput(name)}; ${known}`, { stage: name, stages });
}
