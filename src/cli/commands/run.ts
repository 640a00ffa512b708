/**
 * `git-track run [log options] -- CMD ARGS…`: run a command and record it as a run.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitTrackError, quoteInput } from '../../errors.js';
import { DEFAULT_LOG_CAP, type StagedInput } from '../../capture/collect-staging.js';
import { commandEnv } from '../../capture/command-env.js';
import { recordProgramRuns, recordStaged } from '../../capture/record-staged.js';
import { createStaging, OUTPUT_FILE } from '../../capture/staging.js';
import { findExecutable, superviseCommand } from '../../capture/supervise.js';
import { DEFAULT_SYSTEM_INTERVAL_S } from '../../capture/system-metrics.js';
import { MIN_SYSTEM_INTERVAL_S } from '../../limits.js';
import { dropOutputOnClosedPipe } from '../closed-pipe.js';
import type { CliContext } from '../context.js';
import { captureCodeVersion } from '../../git/code-version.js';
import { resolveIdentity } from '../../git/identity.js';
import { PATCH_FILE } from '../../runs/layout.js';
import { recoverWithNotes } from './recover.js';
import { resolveParent } from '../../runs/resolve-parent.js';
import { parseLogOptions } from './log.js';

type RunOptions = Parameters<typeof parseLogOptions>[1] & { logCap?: string; systemMetrics?: boolean; systemMetricsInterval?: string; remote?: string; codeCommit?: string };

export default async function run(cli: CliContext, args: unknown[], options: RunOptions): Promise<number> {
  const command = (args[0] as string[] | undefined) ?? [];
  if (command.length === 0) throw new GitTrackError('USAGE', 'run expects a command after --, e.g. git-track run -- python train.py');
  const logCap = options.logCap === undefined ? DEFAULT_LOG_CAP : parseSize(options.logCap);
  const intervalS = options.systemMetricsInterval === undefined ? DEFAULT_SYSTEM_INTERVAL_S : Number(options.systemMetricsInterval);
  if (!(intervalS >= MIN_SYSTEM_INTERVAL_S)) {
    throw new GitTrackError('USAGE', `--system-metrics-interval expects seconds, at least ${MIN_SYSTEM_INTERVAL_S}, got '${options.systemMetricsInterval}'`);
  }
  const parsed = parseLogOptions(cli, options);
  for (const d of parsed.data ?? []) if (!existsSync(d.path)) throw new GitTrackError('FILE_NOT_FOUND', `data not found: ${d.path}`, { path: d.path });
  if (!findExecutable(command[0]!, cli.cwd, cli.env.vars.PATH)) {
    throw new GitTrackError('COMMAND_NOT_FOUND', `command not found: ${command[0]} (nothing was run or recorded)`, { command: command[0] });
  }
  // With --remote (no clone here), a private temporary repository stands in for one.
  const remote = options.remote !== undefined || options.codeCommit !== undefined ? await import('./log-remote.js') : null;
  remote?.refuseCodeCommitAlone(options);
  const writer = remote ? await remote.openWriter(cli, options) : null;
  try {
    return await runAndRecord(cli, command, options, parsed, logCap, intervalS, writer && { writer, remote: remote! });
  } finally {
    writer?.close();
  }
}

type Writer = { writer: import('../../sync/remote-writer.js').RemoteWriter; remote: typeof import('./log-remote.js') };

async function runAndRecord(
  cli: CliContext,
  command: string[],
  options: RunOptions,
  parsed: ReturnType<typeof parseLogOptions>,
  logCap: number,
  intervalS: number,
  remote: Writer | null,
): Promise<number> {
  const ctx = remote ? remote.writer.ctx : cli.tracker();
  if (!remote) await recoverWithNotes(cli, ctx);

  const parent = options.parent === undefined ? undefined : resolveParent(ctx, options.parent);
  const input: StagedInput = {
    name: parsed.name,
    experiment: parsed.experiment,
    ...(parent ? { parent } : {}),
    note: parsed.note,
    params: parsed.params,
    metrics: parsed.metrics,
    tags: parsed.tags,
    data: parsed.data,
    artifacts: parsed.artifacts?.map((a) => ({ path: a.path, ...(a.role ? { role: a.role } : {}) })),
    cwd: cli.cwd,
    logCap,
  };
  // The code is captured now: a long training must not be recorded with edits made meanwhile.
  const { code, patch } = remote ? { code: remote.writer.code, patch: undefined } : await captureCodeVersion(ctx.repo, ctx.env, await resolveIdentity(ctx.repo, ctx.env));
  const { dir, state } = createStaging(ctx.repo, ctx.env, { owner: 'cli', command, input: { ...input, code } });
  if (patch) writeFileSync(join(dir, PATCH_FILE), patch);
  const env = commandEnv(cli.env.vars, dir, state.id);
  dropOutputOnClosedPipe();
  const { outcome, exitCode } = await superviseCommand({
    command,
    cwd: cli.cwd,
    env,
    logPath: join(dir, OUTPUT_FILE),
    logCap,
    stdout: process.stdout,
    stderr: process.stderr,
    forwardInterrupt: !process.stdin.isTTY,
    ...(options.systemMetrics === false ? {} : { systemMetrics: { dir, intervalS } }),
  });
  // The remote's tip is fetched once training is over: the push then likely lands in `runs`.
  if (remote) await remote.remote.prepareWriter(remote.writer);
  const result = await recordStaged(ctx, dir, outcome);
  if (result) process.stderr.write(`git-track: recorded run ${result.manifest.id} (${result.manifest.status}, ${outcome.durationS.toFixed(1)} s)\n`);
  // Runs the program started besides its first (a loop of `with start_run()`, nested runs).
  for (const r of await recordProgramRuns(ctx, state.id, outcome)) {
    process.stderr.write(`git-track: recorded run ${r.manifest.id} (${r.manifest.status}${r.manifest.parent ? `, child of ${r.manifest.parent}` : ''})\n`);
  }
  if (remote) await remote.remote.pushWriter(remote.writer);
  return exitCode;
}

/**
 * `1MB`, `512KiB`, `2000` (bytes) → bytes. KB/MB/GB are powers of 1024 too: this is a cap,
 * not a disk size on a label.
 *
 * @example
 * parseSize('1MB'); // 1048576
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) throw new GitTrackError('USAGE', `--log-cap expects a size such as 1MB, 512KB or 20000, got ${quoteInput(text)}`);
  const factor = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const bytes = Math.floor(Number(m[1]) * factor);
  if (bytes < 1) throw new GitTrackError('USAGE', `--log-cap must be at least 1 byte, got ${quoteInput(text)}`);
  return bytes;
}
