/**
 * `git-track log --remote URL` / `run --remote URL`: record a run straight on a remote, from a
 * machine without a clone (see sync/remote-writer.ts). Loaded only with `--remote`.
 */
import { GitTrackError } from '../../errors.js';
import { fetchRunsTip, openRemoteWriter, pushRemoteWriter, type RemoteWriter } from '../../sync/remote-writer.js';
import type { PushResult } from '../../sync/push.js';
import type { CliContext } from '../context.js';

export interface RemoteOptions {
  remote?: string;
  codeCommit?: string;
  parent?: string;
  dryRun?: boolean;
}

/**
 * The writer for `--remote`, after the flags that make no sense with it are refused.
 *
 * @example
 * const w = await openWriter(cli, { remote: 'https://git.example.com/churn.git', codeCommit: sha });
 */
export async function openWriter(cli: CliContext, options: RemoteOptions): Promise<RemoteWriter> {
  if (options.parent !== undefined) throw new GitTrackError('USAGE', '--parent cannot be used with --remote (runs are resolved in a clone; log the child there)');
  if (options.dryRun) throw new GitTrackError('USAGE', '--dry-run cannot be used with --remote: drop --remote to see the manifest');
  return openRemoteWriter(cli.env, { url: options.remote!, cwd: cli.cwd, codeCommit: options.codeCommit });
}

/**
 * Fetch the remote's runs tip into the writer (call right before recording). When the server
 * made it take the slower way, a person at a terminal is told why in one line; a script's
 * stderr stays as it was (the run lands all the same).
 *
 * @example
 * await prepareWriter(w); // on a terminal, maybe: git-track: note: the remote does not send objects by id (…): fetched every shard tree of runs instead
 */
export async function prepareWriter(w: RemoteWriter): Promise<void> {
  await fetchRunsTip(w);
  if (w.fallback && process.stderr.isTTY) {
    process.stderr.write(`git-track: note: ${w.fallback.reason}: fetched ${w.fallback.fetched} of runs instead\n`);
  }
}

/**
 * Push what the writer recorded and say where it went, on stderr (stdout keeps the run id).
 *
 * @example
 * await pushWriter(w); // stderr: git-track: pushed 1 run(s) to https://git.example.com/churn.git
 */
export async function pushWriter(w: RemoteWriter): Promise<PushResult> {
  const r = await pushRemoteWriter(w);
  const where = r.queuedAs ? ` (to ${r.queuedAs}: runs had moved on; the next pull or push folds it into runs)` : '';
  process.stderr.write(`git-track: pushed ${r.runsSent} run(s) to ${r.remote}${where}\n`);
  return r;
}

/** Refuse `--code-commit` without `--remote`: a clone reads its code version from HEAD. */
export function refuseCodeCommitAlone(options: RemoteOptions): void {
  if (options.codeCommit !== undefined && options.remote === undefined) {
    throw new GitTrackError('USAGE', '--code-commit goes with --remote (in a clone, the code version is read from HEAD)');
  }
}
