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
  cli.out(options.json ? JSON.stringify(promotions, null, 2) : renderStages(promotions, Boolean(options.history)));
  return 0;
}
