import { resolveIdentity } from '../../git/identity.js';
import { ensureRunsBranch } from '../../runs/runs-branch.js';
import type { CliContext } from '../context.js';

/** `git-track init`: create the runs branch if it is missing. */
export default async function init(cli: CliContext): Promise<number> {
  const ctx = cli.tracker();
  const identity = await resolveIdentity(ctx.repo, ctx.env);
  const { tip, created } = await ensureRunsBranch(ctx, identity);
  cli.out(created ? `Created branch 'runs' at ${tip.slice(0, 12)}` : `Branch 'runs' already exists at ${tip.slice(0, 12)}; nothing to do`);
  return 0;
}
