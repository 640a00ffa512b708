/** `git-track unarchive RUN…`: show archived runs in listings again. */
import type { CliContext } from '../context.js';
import { setArchived } from './archive.js';

export default async function unarchive(cli: CliContext, [refs]: unknown[]): Promise<number> {
  return setArchived(cli, (refs as string[] | undefined) ?? [], false);
}
