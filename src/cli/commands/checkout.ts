import { relative, resolve } from 'node:path';
import { checkoutRun } from '../../reproduce/checkout-run.js';
import type { CliContext } from '../context.js';

/** `git-track checkout RUN [DIR]`: the run's code and cached files into DIR. */
export default async function checkout(cli: CliContext, [ref, dir]: unknown[], options: { output?: string } = {}): Promise<number> {
  const ctx = cli.tracker();
  const target = dir === undefined ? undefined : resolve(cli.cwd, String(dir));
  const r = await checkoutRun(ctx, String(ref), target ?? resolve(cli.cwd, `run-${String(ref).replace(/[^A-Za-z0-9._-]/g, '_')}`), {
    outsideDir: options.output === undefined ? undefined : resolve(cli.cwd, options.output),
  });
  const shown = relative(cli.cwd, r.dir) || '.';
  const lines = [`Checked out run ${r.run.id} into ${shown}: ${r.commit ? `code of ${r.commit.slice(0, 12)}` : 'no code recorded'}, ${r.restored.length} file(s) from the cache`];
  if (r.missing.length) lines.push(`not in the local cache (restore with git-track get once available): ${r.missing.join(', ')}`);
  if (r.outside.length) lines.push(`recorded outside the work tree, not written (name a directory with -o DIR to restore them there): ${r.outside.join(', ')}`);
  if (r.refused.length) lines.push(`not written, a directory on the way is a symlink or a file in the checked-out code: ${r.refused.join(', ')}`);
  cli.out(lines.join('\n'));
  return r.missing.length || r.refused.length ? 1 : 0;
}
