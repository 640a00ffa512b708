/**
 * `git-track repair`: put a damaged `runs` branch (one that reaches missing objects) back on
 * its newest intact commit, re-adding every run still readable in the damaged ones.
 */
import { resolveIdentity } from '../../git/identity.js';
import { repairRuns } from '../../verify/repair-runs.js';
import type { CliContext } from '../context.js';

export default async function repair(cli: CliContext): Promise<number> {
  const ctx = cli.tracker();
  const result = await repairRuns(ctx, await resolveIdentity(ctx.repo, cli.env));
  if (result.status === 'intact') {
    cli.out('runs is intact (every object it reaches is present): nothing to repair.');
    return 0;
  }
  const base = result.base ? `its newest intact commit ${result.base.slice(0, 12)}` : 'a new root (no intact commit was left)';
  cli.out(
    [
      `Repaired runs: it pointed at ${result.damaged!.slice(0, 12)}, which reaches missing objects; rebuilt on ${base} as ${result.commit!.slice(0, 12)}.`,
      `${result.recovered.length} run(s) recovered from the damaged commits${result.recovered.length ? `: ${result.recovered.join(', ')}` : ''}.`,
      result.lost.length ? `${result.lost.length} run(s) lost (their objects are gone): ${result.lost.join(', ')}.` : 'No run that the damaged commits still name was lost.',
    ].join('\n'),
  );
  return 0;
}
