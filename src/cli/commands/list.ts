import { GitTrackError } from '../../errors.js';
import { loadAllRuns } from '../../runs/read-runs.js';
import { allTagRecords, withTags } from '../../stages/read-stages.js';
import type { CliContext } from '../context.js';
import { remoteRunsHint } from '../remote-hint.js';
import { renderRunList, type RunningRow } from '../render/run-list.js';
import type { RunningRun } from '../../capture/recover.js';
import { recoverWithNotes } from './recover.js';

/** A run in progress, for the list: not a manifest (the stored status is never `running`). */
function runningRow(r: RunningRun): RunningRow {
  const { state } = r;
  return {
    id: state.id,
    status: 'running',
    ...(state.input.name ? { name: state.input.name } : {}),
    created: state.started.replace(/\.\d{3}Z$/, 'Z'),
    ...(state.command ? { command: state.command } : {}),
    pid: state.pid,
    hostname: state.hostname,
    params: state.input.params ?? {},
    metrics: { ...state.input.metrics, ...r.metrics },
  };
}

/** `git-track list`: runs newest first, with tags added later merged in. */
export default async function list(cli: CliContext, _args: unknown[], options: { limit?: string; json?: boolean }): Promise<number> {
  const limit = options.limit === undefined ? Infinity : Number(options.limit);
  if (!(limit >= 0) || !Number.isInteger(limit === Infinity ? 0 : limit)) {
    throw new GitTrackError('USAGE', `--limit expects a whole number, got '${options.limit}'`);
  }
  const ctx = cli.tracker();
  const hint = remoteRunsHint(ctx);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  const { running } = await recoverWithNotes(cli, ctx);
  const tags = allTagRecords(ctx);
  const runs = loadAllRuns(ctx)
    .slice(0, limit)
    .map((m) => withTags(m, tags.get(m.id)));
  const rows = running.map(runningRow);
  cli.out(options.json ? JSON.stringify([...rows, ...runs], null, 2) : renderRunList(runs, rows));
  return 0;
}
