import { pushRuns } from '../../sync/push.js';
import type { CliContext } from '../context.js';

/** `git-track push [REMOTE]`: share runs and their artifact bytes. */
export default async function push(cli: CliContext, [remote]: unknown[], options: { json?: boolean }): Promise<number> {
  const r = await pushRuns(cli.tracker(), { remote: remote === undefined ? undefined : String(remote), cwd: cli.cwd });
  if (options.json) {
    cli.out(JSON.stringify(r, null, 2));
    return 0;
  }
  if (r.upToDate) cli.out(`runs on ${r.remote} are up to date${r.runsMerged ? ` (merged ${r.runsMerged} run(s) from it)` : ''}`);
  else {
    const merged = r.runsMerged ? `, merged ${r.runsMerged} from it` : '';
    const artifacts = r.artifacts.uploaded ? `, ${r.artifacts.uploaded} artifact object(s)` : '';
    cli.out(`pushed ${r.runsSent} run(s) to ${r.remote}${artifacts}${merged}`);
  }
  for (const m of r.artifacts.missing) cli.env.warn(`bytes of ${m.origin} are not in the local cache and were not uploaded`);
  return 0;
}
