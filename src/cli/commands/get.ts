import { getArtifacts, type RestoredArtifact } from '../../sync/get-artifacts.js';
import type { CliContext } from '../context.js';
import { resolve } from 'node:path';

/** `git-track get RUN [PATH]`: restore artifact bytes, verified. */
export default async function get(cli: CliContext, [run, path]: unknown[], options: { output?: string; force?: boolean; json?: boolean }): Promise<number> {
  const restored = await getArtifacts(cli.tracker(), String(run), {
    path: path === undefined ? undefined : String(path),
    outDir: options.output === undefined ? undefined : resolve(cli.cwd, options.output),
    force: options.force,
  });
  if (options.json) cli.out(JSON.stringify(restored, null, 2));
  else cli.out(restored.map(describe).join('\n'));
  return 0;
}

function describe(r: RestoredArtifact): string {
  if (r.status === 'outside') return `not written ${r.path} (recorded outside the work tree; name a directory with -o DIR to restore it there)`;
  return `${r.status === 'restored' ? 'restored ' : 'unchanged'} ${r.dest}`;
}
