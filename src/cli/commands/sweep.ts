/**
 * `git-track sweep --grid K=V1,V2 … -- CMD {K} …`: a parent run and one child run per
 * combination; progress on a terminal, a comparison of the children at the end.
 */
import { compareRuns } from '../../compare/compare-runs.js';
import { GitTrackError, quoteInput } from '../../errors.js';
import { MAX_SWEEP_JOBS } from '../../limits.js';
import { runSweep, type SweepEvent, type SweepResult } from '../../sweep/run-sweep.js';
import { describeCombination, parseGrid, unusedKeys } from '../../sweep/sweep-spec.js';
import { goalFor, type Goal } from '../../sweep/sweep-children.js';
import type { CliContext } from '../context.js';
import { palette } from '../render/colour.js';
import { renderComparison } from '../render/comparison.js';
import { parseFormat } from '../render/formats.js';
import { useColour } from '../terminal.js';
import { recoverWithNotes } from './recover.js';

interface SweepCliOptions {
  grid?: string[];
  random?: string;
  seed?: string;
  jobs?: string;
  metric?: string;
  goal?: Goal;
  failFast?: boolean;
  resume?: string;
  name?: string;
  experiment?: string;
  all?: boolean;
  format?: string;
  json?: boolean;
}

export default async function sweep(cli: CliContext, args: unknown[], options: SweepCliOptions): Promise<number> {
  const command = (args[0] as string[] | undefined) ?? [];
  const format = options.json ? 'json' : parseFormat(options.format ?? 'text', ['text', 'md', 'json', 'csv'] as const);
  const jobs = wholeNumber(options.jobs, '-j/--jobs', 1, MAX_SWEEP_JOBS) ?? 1;
  const random = wholeNumber(options.random, '--random', 1);
  const seed = wholeNumber(options.seed, '--seed', 0, 2 ** 32 - 1);
  if (options.resume !== undefined) {
    const given = [options.grid?.length && '--grid', command.length && 'a command', random !== undefined && '--random', seed !== undefined && '--seed', options.name && '--name'].filter(Boolean);
    if (given.length) throw new GitTrackError('USAGE', `--resume continues the recorded sweep as it was specified; drop ${given.join(', ')}`);
  } else {
    if (!options.grid?.length) throw new GitTrackError('USAGE', 'sweep needs at least one --grid KEY=V1,V2,… (or --resume SWEEP)');
    if (command.length === 0) throw new GitTrackError('USAGE', 'sweep expects a command after --, e.g. git-track sweep --grid lr=0.1,0.01 -- python train.py --lr {lr}');
    if (seed !== undefined && random === undefined) throw new GitTrackError('USAGE', '--seed only applies with --random N');
  }
  if (options.goal && !options.metric) throw new GitTrackError('USAGE', '--goal needs --metric NAME');
  const goal = options.metric ? goalFor(options.metric, options.goal) : undefined;
  const grid = options.grid?.length ? parseGrid(options.grid) : undefined;
  if (grid) for (const key of unusedKeys(command, grid)) cli.env.warn(`--grid ${key}: the command has no {${key}}; the value is recorded as a param but not passed to the command`);

  const ctx = cli.tracker();
  await recoverWithNotes(cli, ctx);
  const stop = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted && process.stderr.isTTY) process.stderr.write('\ngit-track: stopping the sweep; waiting for the running runs to end\n');
    stop.abort();
  };
  // One signal listener per running child comes on top of these.
  process.setMaxListeners(Math.max(process.getMaxListeners(), jobs + 10));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: SweepResult;
  try {
    result = await runSweep(ctx, {
      grid,
      command,
      random,
      seed,
      resume: options.resume,
      jobs,
      metric: options.metric,
      goal,
      failFast: options.failFast,
      name: options.name,
      experiment: options.experiment,
      cwd: cli.cwd,
      vars: cli.env.vars,
      forwardInterrupt: !process.stdin.isTTY,
      stop: stop.signal,
      onEvent: process.stderr.isTTY ? progress(useColour()) : undefined,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  cli.out(renderSummary(result, format, options.all ?? false));
  if (stop.signal.aborted) return 130;
  return result.ran.every((r) => r.status === 'finished') && !result.stopped ? 0 : 1;
}

/** Progress lines on stderr: one when the sweep starts, one per child as it ends. */
function progress(colour: boolean): (event: SweepEvent) => void {
  const c = palette(colour);
  let total = 0;
  let ended = 0;
  return (event) => {
    if (event.kind === 'start') {
      total = event.total;
      const before = event.skipped ? `, ${event.skipped} finished before` : '';
      process.stderr.write(`git-track: sweep ${event.sweep}: ${total} run(s) to go${before}, ${event.jobs} at a time\n`);
    } else if (event.kind === 'child-end') {
      ended++;
      const r = event.run;
      const status = r.status === 'finished' ? c.green(r.status) : c.red(r.status);
      const metrics = Object.entries(r.metrics).slice(0, 3).map(([k, v]) => `${k}=${v}`).join(' ');
      process.stderr.write(`[${ended}/${total}] ${r.id} ${status} ${describeCombination(event.combination)} ${metrics} (${(r.duration_s ?? 0).toFixed(1)} s)\n`);
      if (event.outputTail) process.stderr.write(`${event.outputTail.split('\n').map((l) => `    ${c.dim(l)}`).join('\n')}\n`);
    }
  };
}

function renderSummary(result: SweepResult, format: 'text' | 'md' | 'json' | 'csv', all: boolean): string {
  const children = all ? result.children : result.children.filter((r) => !result.archived.includes(r.id));
  if (format === 'json') {
    return JSON.stringify({ sweep: result.sweep, best: result.best?.id ?? null, metric: result.metric ?? null, goal: result.goal ?? null, stopped: result.stopped, children }, null, 2);
  }
  const counts = new Map<string, number>();
  for (const r of result.children) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const head = `sweep ${result.sweep.id}${result.sweep.name ? ` ${result.sweep.name}` : ''}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'no runs'}${result.stopped ? ' (stopped before every combination ran)' : ''}`;
  if (children.length === 0) return head;
  const directions = result.metric ? (result.goal === 'max' ? { higherIsBetter: [result.metric] } : { lowerIsBetter: [result.metric] }) : {};
  const cmp = compareRuns(children, directions);
  // The best child's column says so in its header.
  cmp.runs = cmp.runs.map((r) => (r.id === result.best?.id ? { ...r, name: `${r.name ?? ''} (best)`.trim() } : r));
  const table = renderComparison(cmp, format, palette(format === 'text' && useColour()));
  const best = result.best ? `best: ${result.best.id} ${result.best.name ?? ''} (${result.metric} = ${result.best.metrics[result.metric!]}, ${result.goal})` : '';
  return [format === 'csv' ? '' : head, table, format === 'csv' ? '' : best].filter(Boolean).join('\n\n');
}

function wholeNumber(text: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new GitTrackError('USAGE', `${flag} expects a whole number from ${min} to ${max}, got ${quoteInput(text)}`, { flag, text });
  }
  return n;
}
