/**
 * `git-track archive RUN…` and `git-track unarchive RUN…`: hide runs from listings (or show
 * them again) with a later fact on `runs`; nothing is deleted or rewritten.
 */
import { archiveRuns } from '../../facts/record-facts.js';
import type { CliContext } from '../context.js';

export default async function archive(cli: CliContext, [refs]: unknown[]): Promise<number> {
  return setArchived(cli, (refs as string[] | undefined) ?? [], true);
}

/**
 * Archive or unarchive, saying which runs changed.
 *
 * @example
 * await setArchived(cli, ['3f9a'], false);
 */
export async function setArchived(cli: CliContext, refs: string[], archived: boolean): Promise<number> {
  const { changed, unchanged } = await archiveRuns(cli.tracker(), refs, archived);
  const verb = archived ? 'Archived' : 'Unarchived';
  if (changed.length) cli.out(`${verb} ${changed.join(' ')}`);
  for (const id of unchanged) cli.out(`${id} is ${archived ? 'already archived' : 'not archived'}`);
  return 0;
}
