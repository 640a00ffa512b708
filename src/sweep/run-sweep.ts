/**
 * Running a sweep: one parent run holding the sweep's spec, and one child run per combination,
 * each captured exactly as `git-track run` captures a command (same staging dir, same
 * recording path, same crash recovery), up to `jobs` at once.
 *
 * The parent stays in its staging dir while the children run and is recorded last, with how
 * the sweep ended and its best child. Every process here belongs to this one, so a sweep that
 * crashes leaves staging dirs that the next command recovers as `killed`, parent included.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DEFAULT_LOG_CAP, readTail, type StagedInput } from '../capture/collect-staging.js';
import { commandEnv } from '../capture/command-env.js';
import { recordProgramRuns, recordStaged } from '../capture/record-staged.js';
import { createStaging, listStaging, OUTPUT_FILE, readState, writeState } from '../capture/staging.js';
import { findExecutable, superviseCommand } from '../capture/supervise.js';
import { GitTrackError } from '../errors.js';
import { captureCodeVersion } from '../git/code-version.js';
import { resolveIdentity } from '../git/identity.js';
import type { RunManifest } from '../manifest/schema.js';
import { PATCH_FILE } from '../runs/layout.js';
import { resolveRun } from '../runs/resolve-run.js';
import { tagRun } from '../stages/tag-run.js';
import { runFacts } from '../facts/read-facts.js';
import type { TrackerContext } from '../tracker-context.js';
import { bestChild, goalFor, sweepChildren, type Goal } from './sweep-children.js';
import {
  combinationAt,
  combinationKey,
  describeCombination,
  fillCommand,
  gridFromParams,
  gridParams,
  gridSize,
  sweepCombinations,
  type Combination,
  type Grid,
} from './sweep-spec.js';

export interface SweepOptions {
  /** A new sweep: its grid and command template (`{key}` placeholders). */
  grid?: Grid;
  command?: string[];
  random?: number;
  seed?: number;
  /** Continue the sweep this reference names: run only its combinations without a finished child. */
  resume?: string;
  jobs?: number;
  metric?: string;
  goal?: Goal;
  failFast?: boolean;
  name?: string;
  experiment?: string;
  /** Where the commands run, and their environment (before the reporting variables). */
  cwd: string;
  vars: NodeJS.ProcessEnv;
  /** Forward SIGINT to the commands (when it did not come from a terminal). */
  forwardInterrupt: boolean;
  /** Aborting stops the sweep: nothing new starts, running children finish as they end. */
  stop?: AbortSignal;
  onEvent?: (event: SweepEvent) => void;
}

export type SweepEvent =
  | { kind: 'start'; sweep: string; total: number; skipped: number; jobs: number }
  | { kind: 'child-start'; index: number; combination: Combination; id: string }
  | { kind: 'child-end'; index: number; combination: Combination; run: RunManifest; outputTail: string };

export interface SweepResult {
  /** The sweep's parent run (for a resumed sweep, the one recorded before). */
  sweep: RunManifest;
  /** Every child of the sweep, oldest first (for a resumed sweep, the earlier ones too). */
  children: RunManifest[];
  /** The children this invocation ran. */
  ran: RunManifest[];
  best?: RunManifest;
  metric?: string;
  goal?: Goal;
  /** True when the sweep was stopped (Ctrl-C, --fail-fast) before every combination ran. */
  stopped: boolean;
  /** Ids of archived children (summaries leave them out unless asked). */
  archived: string[];
}

/** Tags of a sweep's parent run. */
export const SWEEP_TAGS = { metric: 'sweep.metric', goal: 'sweep.goal', best: 'sweep.best', random: 'sweep.random', seed: 'sweep.seed' } as const;

interface Plan {
  parentId: string;
  parentDir: string | null;
  command: string[];
  grid: Grid;
  todo: Combination[];
  skipped: number;
  metric?: string;
  goal?: Goal;
}

/**
 * Run (or resume) a sweep to its end, or until `stop` is aborted.
 *
 * @example
 * const result = await runSweep(ctx, { grid: parseGrid(['lr=0.1,0.01']), command: ['python', 'train.py', '--lr', '{lr}'], cwd, vars: process.env, forwardInterrupt: false });
 * result.children.length; // 2
 */
export async function runSweep(ctx: TrackerContext, options: SweepOptions): Promise<SweepResult> {
  const started = ctx.env.now();
  const identity = await resolveIdentity(ctx.repo, ctx.env);
  const plan = options.resume ? planResume(ctx, options) : undefined;
  const command = plan?.command ?? options.command ?? [];
  if (command.length === 0) throw new GitTrackError('USAGE', 'sweep expects a command after --, e.g. git-track sweep --grid lr=0.1,0.01 -- python train.py --lr {lr}');
  const first = fillCommand(command, combinationAt(plan?.grid ?? options.grid!, 0));
  if (!findExecutable(first[0]!, options.cwd, options.vars.PATH)) {
    throw new GitTrackError('COMMAND_NOT_FOUND', `command not found: ${first[0]} (nothing was run or recorded)`, { command: first[0] });
  }
  // The code is captured once, now: every child runs the same code.
  const { code, patch } = await captureCodeVersion(ctx.repo, ctx.env, Promise.resolve(identity));
  const sweep = plan ?? planNew(ctx, options, code, patch);
  const jobs = options.jobs ?? 1;
  options.onEvent?.({ kind: 'start', sweep: sweep.parentId, total: sweep.todo.length, skipped: sweep.skipped, jobs });

  const failed = new AbortController();
  const ran: RunManifest[] = [];
  let recording: Promise<unknown> = Promise.resolve();
  let next = 0;
  const stopping = () => options.stop?.aborted || failed.signal.aborted;
  const worker = async () => {
    while (next < sweep.todo.length && !stopping()) {
      const index = next++;
      const combination = sweep.todo[index]!;
      const input: StagedInput = {
        name: describeCombination(combination).slice(0, 200),
        experiment: options.experiment,
        parent: sweep.parentId,
        params: combination,
        cwd: options.cwd,
        logCap: DEFAULT_LOG_CAP,
        code,
      };
      const filled = fillCommand(sweep.command, combination);
      const { dir, state } = createStaging(ctx.repo, ctx.env, { owner: 'cli', command: filled, input });
      if (patch) writeFileSync(join(dir, PATCH_FILE), patch);
      options.onEvent?.({ kind: 'child-start', index, combination, id: state.id });
      const { outcome } = await superviseCommand({
        command: filled,
        cwd: options.cwd,
        env: commandEnv(options.vars, dir, state.id),
        logPath: join(dir, OUTPUT_FILE),
        logCap: DEFAULT_LOG_CAP,
        stdout: discard(),
        stderr: discard(),
        forwardInterrupt: options.forwardInterrupt,
        abort: failed.signal,
      });
      const outputTail = outcome.status === 'finished' ? '' : lastLines(join(dir, OUTPUT_FILE), 5);
      // Recording appends to `runs` under its lock; one at a time keeps retries away.
      // The child's own run, then any its script started besides it (a loop of start_run blocks).
      const recorded = (recording = recording.then(async () => {
        const own = await recordStaged(ctx, dir, outcome);
        await recordProgramRuns(ctx, state.id, outcome);
        return own;
      }));
      const result = (await recorded) as Awaited<ReturnType<typeof recordStaged>>;
      if (!result) continue;
      ran.push(result.manifest);
      options.onEvent?.({ kind: 'child-end', index, combination, run: result.manifest, outputTail });
      if (result.manifest.status !== 'finished' && options.failFast) failed.abort();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, sweep.todo.length)) }, worker));

  const stopped = ran.length < sweep.todo.length;
  const children = sweepChildren(ctx, sweep.parentId);
  const best = sweep.metric ? bestChild(children, sweep.metric, sweep.goal!) : undefined;
  let parent: RunManifest;
  if (sweep.parentDir) {
    const state = readState(sweep.parentDir)!;
    const tags = { ...state.input.tags, ...(best ? { [SWEEP_TAGS.best]: best.id } : {}) };
    writeState(sweep.parentDir, { ...state, input: { ...state.input, tags } });
    const interrupted = options.stop?.aborted ?? false;
    const status = interrupted ? 'killed' : ran.every((r) => r.status === 'finished') && !stopped ? 'finished' : 'failed';
    const durationS = (ctx.env.now().getTime() - started.getTime()) / 1000;
    const result = await recordStaged(ctx, sweep.parentDir, { status, durationS });
    if (!result) throw new GitTrackError('CONFLICT', `sweep ${sweep.parentId} is being recorded by another process`, { id: sweep.parentId });
    parent = result.manifest;
  } else {
    parent = resolveRun(ctx, sweep.parentId).manifest;
    // The parent of a resumed sweep is recorded already: a better child is a later fact about it.
    if (best && parent.tags[SWEEP_TAGS.best] !== best.id) {
      await tagRun(ctx, sweep.parentId, { [SWEEP_TAGS.best]: best.id });
      parent = resolveRun(ctx, sweep.parentId).manifest;
    }
  }
  const facts = runFacts(ctx);
  const archived = children.filter((c) => facts.get(c.id)?.archived).map((c) => c.id);
  return { sweep: parent, children, ran, ...(best ? { best } : {}), ...(sweep.metric ? { metric: sweep.metric, goal: sweep.goal } : {}), stopped, archived };
}

function planNew(ctx: TrackerContext, options: SweepOptions, code: StagedInput['code'], patch: Buffer | undefined): Plan {
  const grid = options.grid!;
  const seed = options.random === undefined ? undefined : (options.seed ?? ctx.env.random(4).readUInt32LE(0) % 1_000_000);
  const todo = sweepCombinations(grid, { random: options.random, seed });
  const params = {
    ...gridParams(grid),
    ...(options.random !== undefined ? { [SWEEP_TAGS.random]: options.random, [SWEEP_TAGS.seed]: seed! } : {}),
  };
  const goal = options.metric ? goalFor(options.metric, options.goal) : undefined;
  const tags: Record<string, string> = options.metric ? { [SWEEP_TAGS.metric]: options.metric, [SWEEP_TAGS.goal]: goal! } : {};
  // Named after what it varies unless the user named it, so `list` shows what the sweep is about.
  const name = options.name ?? `sweep ${grid.keys.join(',')}`.slice(0, 200);
  const input: StagedInput = { name, experiment: options.experiment, params, tags, code };
  const { dir, state } = createStaging(ctx.repo, ctx.env, { owner: 'cli', command: options.command!, input });
  if (patch) writeFileSync(join(dir, PATCH_FILE), patch);
  return { parentId: state.id, parentDir: dir, command: options.command!, grid, todo, skipped: 0, ...(options.metric ? { metric: options.metric, goal } : {}) };
}

function planResume(ctx: TrackerContext, options: SweepOptions): Plan {
  const ref = options.resume!;
  const running = listStaging(ctx.repo).find((s) => s.id === ref || (ref.length >= 4 && s.id.startsWith(ref)));
  if (running) throw new GitTrackError('CONFLICT', `sweep ${running.id} is still running; resume it once it has ended`, { id: running.id });
  const parent = resolveRun(ctx, ref).manifest;
  const grid = gridFromParams(parent.params);
  if (grid.keys.length === 0 || !parent.command?.length) {
    throw new GitTrackError('USAGE', `run ${parent.id} is not a sweep (it records no grid.* params and command)`, { ref: options.resume });
  }
  const random = parent.params[SWEEP_TAGS.random];
  const seed = parent.params[SWEEP_TAGS.seed];
  const all = sweepCombinations(grid, typeof random === 'number' ? { random, seed: typeof seed === 'number' ? seed : 0 } : {});
  const done = new Set(sweepChildren(ctx, parent.id).filter((c) => c.status === 'finished').map((c) => combinationKey(grid, c.params)));
  const todo = all.filter((c) => !done.has(combinationKey(grid, c)));
  const metric = options.metric ?? parent.tags[SWEEP_TAGS.metric];
  const recordedGoal = parent.tags[SWEEP_TAGS.goal];
  const goal = options.goal ?? (!options.metric && (recordedGoal === 'min' || recordedGoal === 'max') ? recordedGoal : undefined);
  if (gridSize(grid) === 0) throw new GitTrackError('USAGE', `sweep ${parent.id} has an empty grid`);
  return { parentId: parent.id, parentDir: null, command: parent.command, grid, todo, skipped: all.length - todo.length, ...(metric ? { metric, goal: goalFor(metric, goal) } : {}) };
}

/** Output nobody reads live: it is kept in the run's output.log. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}

function lastLines(path: string, n: number): string {
  if (!existsSync(path)) return '';
  const tail = readTail(path, 4096)?.toString('utf8') ?? '';
  return tail.replace(/\s+$/, '').split('\n').slice(-n).join('\n');
}
