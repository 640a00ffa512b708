import { GitTrackError } from '../../errors.js';
import { loadAllRuns } from '../../runs/read-runs.js';
import type { CliContext } from '../context.js';
import { remoteRunsHint } from '../remote-hint.js';
import { renderManifestJson } from '../render/manifest.js';
import { renderRunList } from '../render/run-list.js';

/** `git-track list`: runs newest first. */
export default async function list(cli: CliContext, _args: unknown[], options: { limit?: string; json?: boolean }): Promise<number> {
  const limit = options.limit === undefined ? Infinity : Number(options.limit);
  if (!(limit >= 0) || !Number.isInteger(limit === Infinity ? 0 : limit)) {
    throw new GitTrackError('USAGE', `--limit expects a whole number, got '${options.limit}'`);
  }
  const hint = remoteRunsHint(cli.tracker());
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  const runs = loadAllRuns(cli.tracker()).slice(0, limit);
  cli.out(options.json ? renderManifestJson(runs) : renderRunList(runs));
  return 0;
}
