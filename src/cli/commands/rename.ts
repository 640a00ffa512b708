/** `git-track rename RUN NAME`: a new name for a run, as a later fact (the manifest keeps its own). */
import { renameRun } from '../../facts/record-facts.js';
import type { CliContext } from '../context.js';

export default async function rename(cli: CliContext, [ref, name]: unknown[]): Promise<number> {
  const result = await renameRun(cli.tracker(), String(ref), String(name));
  cli.out(`Renamed ${result.id}${result.previous !== undefined ? ` from ${JSON.stringify(result.previous)}` : ''} to ${JSON.stringify(String(name))}`);
  return 0;
}
