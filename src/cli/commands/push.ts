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
    cli.out(`pushed ${describeSent(r.runsSent, r.recordsSent)} to ${r.remote}${artifacts}${merged}`);
    if (r.queuedAs) cli.out(`runs on ${r.remote} had moved on: they wait in ${r.queuedAs} until the next pull or push folds them into runs (git-track pull sees them already)`);
  }
  if (r.writersFolded > 0 && !r.queuedAs) cli.out(`folded the runs ${r.writersFolded} writer(s) had queued on ${r.remote} into runs`);
  for (const m of r.artifacts.missing) cli.env.warn(`bytes of ${m.origin} are not in the local cache and were not uploaded`);
  return 0;
}

const RECORD_NAMES: Record<string, string> = { stages: 'promotion', tags: 'tag record' };

/** `3 run(s)`, `1 promotion(s)`, `2 run(s) and 1 tag record(s)`: what the remote did not have. */
function describeSent(runs: number, records: Record<string, number>): string {
  const parts = [
    ...(runs > 0 ? [`${runs} run(s)`] : []),
    ...Object.entries(records)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([dir, n]) => `${n} ${RECORD_NAMES[dir] ?? `${dir} record`}(s)`),
  ];
  if (parts.length === 0) return 'history only (no new runs or records)';
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
