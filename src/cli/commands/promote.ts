import { relative } from 'node:path';
import { promote } from '../../stages/promote.js';
import type { CliContext } from '../context.js';
import { renderPromotion } from '../render/stages.js';

/** `git-track promote RUN --stage S --reason TEXT`: record the promotion, write the stage file, show the diff. */
export default async function promoteCommand(cli: CliContext, [ref]: unknown[], options: { stage?: string; reason?: string; json?: boolean }): Promise<number> {
  const ctx = cli.tracker();
  const result = await promote(ctx, { ref: String(ref), stage: String(options.stage), reason: String(options.reason ?? "") });
  if (options.json) cli.out(JSON.stringify({ ...result.promotion, commit: result.commit, stage_file: result.stageFile, changes: result.changes }, null, 2));
  else cli.out(renderPromotion(result, relative(cli.cwd, result.stageFile) || result.stageFile));
  return 0;
}
