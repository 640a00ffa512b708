/**
 * Staging directories of runs in progress: `<stateDir>/staging/<id>/`. A running program
 * reports into one (the contract is in docs/run-contract.md); git-track records it as a run
 * when the program ends, or recovers it after a crash. The run id is fixed when the directory
 * is created, so however often recording is retried, the run lands at most once.
 *
 * ```
 * run.json          state written by git-track: id, pid, hostname, started, command, input
 * params.json|yaml  params reported by the program (nested maps allowed)
 * metrics.json      final metrics reported by the program
 * metrics.jsonl     step metrics, one JSON object per line, appended while training
 * tags.json         tags (strings)
 * meta.json         name, experiment, note, parent (a run id) (flags of `git-track run` win)
 * artifacts/        files placed here become artifacts (recorded path: relative to artifacts/)
 * end.json          the program ended the run itself: status and time (program-files.ts)
 * env.json          the interpreter and library versions the program ran with
 * inputs.json       datasets the program read
 * output.log        captured stdout+stderr (git-track run only)
 * ```
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { GitTrackError, systemCode } from '../errors.js';
import type { Env } from '../env.js';
import { newRunId } from '../runs/ids.js';
import { RUN_ID_PATTERN } from '../runs/layout.js';
import type { Repo } from '../git/repo.js';
import { processStartTicks } from './liveness.js';
import type { StagedInput } from './collect-staging.js';
import { mkdirState, shareState } from '../git/state-perm.js';

export const STAGING_DIR = 'staging';
export const STATE_FILE = 'run.json';
export const STREAM_FILE = 'metrics.jsonl';
export const OUTPUT_FILE = 'output.log';
export const ARTIFACTS_DIR = 'artifacts';
/** Suffix of a staging dir claimed by the process recording it. */
export const CLAIM_SUFFIX = '.recording';
/** The environment variable naming the staging dir to a program run by `git-track run`. */
export const RUN_DIR_VAR = 'GIT_TRACK_RUN_DIR';

/** What git-track writes to `run.json` when a run starts. */
export interface RunState {
  id: string;
  /** The process that owns the run: `git-track run` itself, or the program using the API. */
  pid: number;
  hostname: string;
  /** The owner's process start time, to tell it from a later process given the same pid. */
  startTicks?: string;
  /** ISO 8601 UTC start time. */
  started: string;
  command?: string[];
  /** Who writes the run: the `run` command or a library caller. */
  owner: 'cli' | 'api';
  /**
   * For a run the program of a `git-track run` started itself (besides the process's own run):
   * the process's run id. `git-track run` records these when the program exits.
   */
  process?: string;
  /** What was given when the run started (flags, startRun options). */
  input: StagedInput;
}

/**
 * The directory holding every staging dir of a repository.
 *
 * @example
 * stagingRoot(repo); // '/repo/.git/git-track/staging'
 */
export function stagingRoot(repo: Repo): string {
  return join(repo.stateDir, STAGING_DIR);
}

/**
 * Create the staging dir of a new run with its state file, and return it.
 *
 * @example
 * const { dir, state } = createStaging(repo, env, { owner: 'cli', command: ['python', 'train.py'], input: {} });
 */
export function createStaging(
  repo: Repo,
  env: Env,
  options: { owner: RunState['owner']; command?: string[]; input: StagedInput; pid?: number },
): { dir: string; state: RunState } {
  const root = stagingRoot(repo);
  mkdirState(root);
  const state: RunState = {
    id: newRunId(env),
    pid: options.pid ?? process.pid,
    hostname: hostname(),
    startTicks: processStartTicks(options.pid ?? process.pid),
    started: env.now().toISOString(),
    ...(options.command ? { command: options.command } : {}),
    owner: options.owner,
    input: options.input,
  };
  const dir = join(root, state.id);
  mkdirState(join(dir, ARTIFACTS_DIR));
  writeState(dir, state);
  return { dir, state };
}

/**
 * Write (or rewrite) a staging dir's state file, under a temp name renamed into place so a
 * reader never sees half of it.
 *
 * @example
 * writeState(dir, { ...state, input: { ...state.input, code } });
 */
export function writeState(dir: string, state: RunState): void {
  writeFileSync(join(dir, `${STATE_FILE}.tmp`), `${JSON.stringify(state, null, 2)}\n`);
  shareState(join(dir, `${STATE_FILE}.tmp`));
  renameSync(join(dir, `${STATE_FILE}.tmp`), join(dir, STATE_FILE));
}

/**
 * The state file of a staging dir, or null when it is missing or unreadable (a crash between
 * creating the dir and writing the file).
 *
 * @example
 * readState('/repo/.git/git-track/staging/3f9a21c0b7d4')?.pid;
 */
export function readState(dir: string): RunState | null {
  try {
    const state = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as RunState;
    return typeof state?.id === 'string' && RUN_ID_PATTERN.test(state.id) ? state : null;
  } catch {
    return null;
  }
}

/** One directory found under the staging root. */
export interface StagingEntry {
  id: string;
  dir: string;
  /** True when another process already claimed it for recording. */
  claimed: boolean;
}

/**
 * Every staging dir of the repository, claimed or not.
 *
 * @example
 * listStaging(repo).map((s) => s.id);
 */
export function listStaging(repo: Repo): StagingEntry[] {
  const root = stagingRoot(repo);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: StagingEntry[] = [];
  for (const name of names.sort()) {
    const claimed = name.endsWith(CLAIM_SUFFIX);
    const id = claimed ? name.slice(0, -CLAIM_SUFFIX.length) : name;
    if (RUN_ID_PATTERN.test(id)) out.push({ id, dir: join(root, name), claimed });
  }
  return out;
}

/**
 * Claim a staging dir for recording by renaming it to `<id>.recording`: rename is atomic, so
 * of two processes recovering the same run only one gets it. Returns the new path, or null
 * when someone else claimed it first.
 *
 * @example
 * const claimed = claimStaging(dir); // '/…/staging/3f9a21c0b7d4.recording'
 */
export function claimStaging(dir: string): string | null {
  if (dir.endsWith(CLAIM_SUFFIX)) return dir;
  const target = `${dir}${CLAIM_SUFFIX}`;
  try {
    renameSync(dir, target);
    return target;
  } catch (err) {
    const code = systemCode(err);
    // ENOENT: claimed already; ENOTEMPTY/EEXIST: a leftover claim of the same id is in the way.
    if (code === 'ENOENT' || code === 'ENOTEMPTY' || code === 'EEXIST') return null;
    throw new GitTrackError('INTERNAL', `cannot claim staging dir ${dir}: ${(err as Error).message}`, { dir }, { cause: err });
  }
}

/** Remove a staging dir once its run commit has landed. */
export function removeStaging(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
