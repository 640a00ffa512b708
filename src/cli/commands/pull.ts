import { pullRuns } from '../../sync/pull.js';
import type { CliContext } from '../context.js';

/** `git-track pull [REMOTE]`: fetch and merge the remote's runs. */
export default async function pull(cli: CliContext, [remote]: unknown[], options: { json?: boolean }): Promise<number> {
  const r = await pullRuns(cli.tracker(), { remote: remote === undefined ? undefined : String(remote), cwd: cli.cwd });
  if (options.json) cli.out(JSON.stringify(r, null, 2));
  else if (r.outcome === 'no-remote-runs') cli.out(`${r.remote} has no runs yet`);
  else if (r.outcome === 'up-to-date') cli.out(`runs are up to date with ${r.remote}`);
  else cli.out(`pulled ${r.runsReceived} run(s) from ${r.remote} (${r.outcome})`);
  if (!options.json && r.writersFolded > 0) cli.out(`folded the runs ${r.writersFolded} writer(s) had queued on ${r.remote} into its runs branch`);
  return 0;
}
