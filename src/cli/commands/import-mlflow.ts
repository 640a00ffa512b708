/**
 * `git-track import mlflow PATH` and `git-track import mlflow --server URL`: parse, import,
 * say what happened in one summary line (or JSON). Exit 1 when some runs could not be
 * imported (each was named in a warning); the others are imported either way.
 */
import { resolve } from 'node:path';
import { GitTrackError } from '../../errors.js';
import { importMlflow, type ImportResult } from '../../mlflow/import/import-mlflow.js';
import type { ImportSource } from '../../mlflow/import/source.js';
import type { CliContext } from '../context.js';

interface Options {
  server?: string;
  includeDeleted?: boolean;
  json?: boolean;
}

export default async function importMlflowCommand(cli: CliContext, [path]: unknown[], options: Options): Promise<number> {
  const given = typeof path === 'string' ? path : undefined;
  if (given !== undefined && options.server !== undefined) throw new GitTrackError('USAGE', 'give either an mlruns folder or --server URL, not both');
  if (given === undefined && options.server === undefined) {
    throw new GitTrackError('USAGE', 'name what to import: git-track import mlflow PATH (an mlruns folder) or git-track import mlflow --server URL');
  }
  let source: ImportSource;
  if (options.server !== undefined) {
    const { openServerSource } = await import('../../mlflow/import/read-server.js');
    source = openServerSource(options.server, cli.env);
  } else {
    const { openFileStore } = await import('../../mlflow/import/read-file-store.js');
    source = openFileStore(resolve(cli.cwd, given!), given!, cli.env);
  }
  // The repository is opened after the arguments are checked: a bad flag touches nothing.
  const result = await importMlflow(cli.tracker(), source, { includeDeleted: options.includeDeleted });
  cli.out(options.json ? JSON.stringify(result, null, 2) : summary(result, source.label, options.includeDeleted ?? false));
  return result.failed.length > 0 ? 1 : 0;
}

/**
 * One line: how many runs were imported, and every reason others were not.
 *
 * @example
 * summary({ imported: [..5], skipped: 2, deleted: 0, running: 0, failed: [] }, 'mlruns', false);
 * // 'Imported 5 runs from mlruns; 2 already imported, skipped'
 */
export function summary(r: ImportResult, label: string, includeDeleted: boolean): string {
  const runs = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
  const parts = [`Imported ${runs(r.imported.length)} from ${label}`];
  if (r.skipped) parts.push(`${r.skipped} already imported, skipped`);
  if (r.deleted && !includeDeleted) parts.push(`${runs(r.deleted)} deleted in MLflow left out (--include-deleted imports them)`);
  if (r.running) parts.push(`${runs(r.running)} still running in MLflow left out (import again once they finish)`);
  if (r.failed.length) parts.push(`${runs(r.failed.length)} not imported (reasons above)`);
  return parts.join('; ');
}
