/**
 * `git-track recover`: record runs left behind by crashed processes (also done by `run`,
 * `list` and `log` on their way).
 */
import { recoverStale, type RecoverResult } from '../../capture/recover.js';
import type { TrackerContext } from '../../tracker-context.js';
import type { CliContext } from '../context.js';

export default async function recover(cli: CliContext): Promise<number> {
  const result = await recoverWithNotes(cli, cli.tracker());
  if (result.recovered.length === 0 && result.failed.length === 0) cli.out('Nothing to recover.');
  for (const r of result.running) cli.out(`${r.state.id} is still running (pid ${r.state.pid} on ${r.state.hostname})`);
  return result.failed.length ? 1 : 0;
}

/**
 * Recover abandoned runs, telling the user on stderr what was recorded or could not be.
 *
 * @example
 * await recoverWithNotes(cli, cli.tracker());
 */
export async function recoverWithNotes(cli: CliContext, ctx: TrackerContext): Promise<RecoverResult> {
  const result = await recoverStale(ctx);
  for (const r of result.recovered) {
    if (r.commit) process.stderr.write(`git-track: recovered abandoned run ${r.manifest.id} as ${r.manifest.status}\n`);
  }
  for (const f of result.failed) cli.env.warn(`cannot record the abandoned run in ${f.dir}: ${f.error}`);
  return result;
}
