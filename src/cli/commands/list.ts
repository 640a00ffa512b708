import { GitTrackError } from '../../errors.js';
import { loadAllRuns } from '../../runs/read-runs.js';
import { allTagRecords, withTags } from '../../stages/read-stages.js';
import type { CliContext } from '../context.js';
import { renderManifestJson } from '../render/manifest.js';
import { renderRunList } from '../render/run-list.js';

/** `git-track list`: runs newest first, with tags added later merged in. */
export default async function list(cli: CliContext, _args: unknown[], options: { limit?: string; json?: boolean }): Promise<number> {
  const limit = options.limit === undefined ? Infinity : Number(options.limit);
  if (!(limit >= 0) || !Number.isInteger(limit === Infinity ? 0 : limit)) {
    throw new GitTrackError('USAGE', `--limit expects a whole number, got '${options.limit}'`);
  }
  const ctx = cli.tracker();
  const tags = allTagRecords(ctx);
  const runs = loadAllRuns(ctx)
    .slice(0, limit)
    .map((m) => withTags(m, tags.get(m.id)));
  cli.out(options.json ? renderManifestJson(runs) : renderRunList(runs));
  return 0;
}
