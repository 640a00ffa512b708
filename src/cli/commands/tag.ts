import { GitTrackError, quoteInput } from '../../errors.js';
import { tagRun } from '../../stages/tag-run.js';
import type { CliContext } from '../context.js';

/** `git-track tag RUN key=value…`: add tags to a run as a new commit on `runs`. */
export default async function tag(cli: CliContext, [ref, pairs]: unknown[]): Promise<number> {
  const tags: Record<string, string> = {};
  for (const t of (pairs as string[] | undefined) ?? []) {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new GitTrackError('USAGE', `tags are KEY=VALUE, got ${quoteInput(t)}`, { text: t });
    tags[t.slice(0, eq)] = t.slice(eq + 1);
  }
  const { record } = await tagRun(cli.tracker(), String(ref), tags);
  cli.out(`Tagged ${record.run}: ${Object.entries(record.tags).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return 0;
}
