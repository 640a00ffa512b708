/**
 * `reproduce RUN`: check the run out into a temporary directory, re-run its recorded command
 * there, record the result as a new run tagged `reproduces: <id>`, and compare.
 *
 * Where the metrics come from: the command runs under the same contract as `git-track run`
 * (docs/run-contract.md: `$GIT_TRACK_RUN_DIR`, the Python helper on PYTHONPATH), so a script
 * recorded with `git-track run` reports the same way; and a metrics file the command writes in
 * its working directory, `metrics.json` by default (JSON or YAML, nested keys become dotted
 * names; the file a script hands to `git-track log --metrics`), wins over that.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { collectStaging } from '../capture/collect-staging.js';
import { pythonHelperDir } from '../capture/python-dir.js';
import { RUN_DIR_VAR } from '../capture/staging.js';
import { newRunId } from '../runs/ids.js';
import { hashPath } from '../artifacts/hash.js';
import { GitTrackError, quoteInput } from '../errors.js';
import { flattenValues, readValuesFile, toMetrics } from '../manifest/values.js';
import { hashedData } from '../manifest/hashed-data.js';
import type { RunManifest } from '../manifest/schema.js';
import { PATCH_FILE } from '../runs/layout.js';
import { logRun } from '../runs/log-run.js';
import { readRunFile } from '../runs/read-runs.js';
import { resolveRun } from '../runs/resolve-run.js';
import type { TrackerContext } from '../tracker-context.js';
import { checkoutRun } from './checkout-run.js';

export interface MetricComparison {
  name: string;
  before: number | null;
  after: number | null;
  matches: boolean;
}

/**
 * One artifact of the original run, re-hashed after the reproduction: `same`/`different` bytes,
 * `missing` when the reproduction did not write it (a difference), `unrecorded` when the
 * original run kept only its path (nothing to compare).
 */
export interface ArtifactComparison {
  path: string;
  before: string | null;
  after: string | null;
  matches: boolean;
  outcome: 'same' | 'different' | 'missing' | 'unrecorded';
}

/**
 * `reproduced`: the command succeeded, every metric matched within the tolerance and no
 * artifact went missing; `different` otherwise; `nothing-to-compare` when neither run has a
 * metric nor the original an artifact with recorded bytes (a success would prove nothing).
 */
export type ReproduceVerdict = 'reproduced' | 'different' | 'nothing-to-compare';

export interface ReproduceResult {
  original: RunManifest;
  reproduction: RunManifest;
  exitCode: number;
  metrics: MetricComparison[];
  artifacts: ArtifactComparison[];
  verdict: ReproduceVerdict;
  /** True when the verdict is `reproduced`. */
  matches: boolean;
  /** The checkout, when kept. */
  dir: string | null;
  /** The tail of the command's output, for a failure report. */
  output: string;
}

/**
 * Reproduce `ref`.
 *
 * @example
 * const r = await reproduceRun(ctx, 'stage:production', { tolerance: 1e-6 });
 * r.metrics.filter((m) => !m.matches); // what did not reproduce
 */
export async function reproduceRun(
  ctx: TrackerContext,
  ref: string,
  options: {
    tolerance?: number;
    metricsFile?: string;
    keep?: boolean;
    /**
     * Asked before anything runs: the recorded command may come from someone else (a pulled
     * run). Resolving false stops with USAGE. Without it, the caller has already agreed.
     */
    confirm?: (run: RunManifest) => Promise<boolean>;
  } = {},
): Promise<ReproduceResult> {
  const original = resolveRun(ctx, ref).manifest;
  const command = original.command;
  if (!command?.length) throw new GitTrackError('USAGE', `run ${original.id} has no recorded command to re-run`, { id: original.id });
  if (options.confirm && !(await options.confirm(original))) {
    throw new GitTrackError('USAGE', `not confirmed: the command of run ${original.id} was not run`, { id: original.id });
  }
  const tolerance = options.tolerance ?? 0;
  const root = mkdtempSync(join(tmpdir(), `git-track-reproduce-${original.id}-`));
  const dir = join(root, 'work');
  const staging = join(root, 'staging');
  mkdirSync(staging);
  try {
    const checkout = await checkoutRun(ctx, original.id, dir, { artifacts: false });
    if (checkout.missing.length) ctx.env.warn(`inputs not in the local cache, the command may fail: ${checkout.missing.join(', ')}`);
    const started = ctx.env.now();
    const t0 = Date.now();
    const id = newRunId(ctx.env);
    const python = pythonHelperDir();
    const vars = ctx.env.vars;
    const { code, output } = await runCommand(command, dir, {
      ...vars,
      [RUN_DIR_VAR]: staging,
      GIT_TRACK_RUN_ID: id,
      PYTHONUNBUFFERED: vars.PYTHONUNBUFFERED ?? '1',
      ...(python ? { PYTHONPATH: vars.PYTHONPATH ? `${python}${delimiter}${vars.PYTHONPATH}` : python } : {}),
    });
    const durationS = (Date.now() - t0) / 1000;
    const state = { id, pid: process.pid, hostname: hostname(), started: started.toISOString(), command, owner: 'cli' as const, input: { cwd: dir } };
    const reported = collectStaging(staging, state, { status: code === 0 ? 'finished' : 'failed', durationS, exitCode: code }, ctx.env.warn);
    const metricsName = options.metricsFile ?? 'metrics.json';
    const metricsPath = join(dir, metricsName);
    const metrics: Record<string, number> = { ...reported.metrics };
    if (existsSync(metricsPath)) Object.assign(metrics, toMetrics(flattenValues(readValuesFile(metricsPath, 'metrics'), metricsName), metricsName));
    else if (options.metricsFile && code === 0) throw new GitTrackError('FILE_NOT_FOUND', `the command did not write ${metricsName}`, { path: metricsPath });
    const entry = resolveRun(ctx, original.id).entry;
    const patch = readRunFile(ctx, entry, PATCH_FILE);
    const { patch: _p, ...code0 } = original.code ?? { commit: null, dirty: false };
    const logged = await logRun(ctx, {
      id,
      base: dir,
      name: original.name,
      experiment: original.experiment,
      status: code === 0 ? 'finished' : 'failed',
      params: original.params,
      metrics,
      tags: { reproduces: original.id },
      data: hashedData(original.data).map((d) => ({ path: isAbsolute(d.path) ? d.path : join(dir, d.path), ...(d.label ? { label: d.label } : {}) })),
      artifacts: original.artifacts.map((a) => ({ path: join(dir, a.path), optional: true, ...(a.role ? { role: a.role } : {}) })),
      command,
      created: started,
      durationS,
      code: { ...code0, branch: code0.branch ?? null, ...(patch ? { patch: PATCH_FILE } : {}) },
      files: { ...reported.files, ...(patch ? { [PATCH_FILE]: patch } : {}) },
      series: reported.series,
      note: `reproduction of run ${original.id}`,
    });
    const reproduction = logged.manifest;
    const names = [...new Set([...Object.keys(original.metrics), ...Object.keys(metrics)])].sort();
    const comparisons = names.map((name) => {
      const before = original.metrics[name] ?? null;
      const after = metrics[name] ?? null;
      return { name, before, after, matches: before !== null && after !== null && Math.abs(after - before) <= tolerance };
    });
    const artifacts = await Promise.all(
      original.artifacts.map(async (a) => {
        const after = await hashPath(join(dir, a.path), { stateDir: ctx.repo.stateDir, env: ctx.env }).then(
          (h) => h.sha256,
          () => null,
        );
        return compareArtifact(a.path, a.sha256, after);
      }),
    );
    const verdict = judge(code, comparisons, artifacts);
    return {
      original,
      reproduction,
      exitCode: code,
      metrics: comparisons,
      artifacts,
      verdict,
      matches: verdict === 'reproduced',
      dir: options.keep ? dir : null,
      output,
    };
  } finally {
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  }
}

function compareArtifact(path: string, before: string | null, after: string | null): ArtifactComparison {
  if (before === null) return { path, before, after, matches: true, outcome: 'unrecorded' };
  if (after === null) return { path, before, after, matches: false, outcome: 'missing' };
  return { path, before, after, matches: before === after, outcome: before === after ? 'same' : 'different' };
}

/**
 * The verdict. Artifact bytes that differ do not fail it (training is rarely bit-for-bit
 * deterministic: metrics within the tolerance are the test); an artifact the reproduction did
 * not write, or a metric on one side only, does.
 */
function judge(exitCode: number, metrics: MetricComparison[], artifacts: ArtifactComparison[]): ReproduceVerdict {
  if (exitCode !== 0) return 'different';
  if (metrics.some((m) => !m.matches) || artifacts.some((a) => a.outcome === 'missing')) return 'different';
  if (metrics.length === 0 && !artifacts.some((a) => a.outcome === 'same' || a.outcome === 'different')) return 'nothing-to-compare';
  return 'reproduced';
}

const OUTPUT_TAIL = 4000;

/** Run the recorded argv (no shell) and keep the tail of its output. */
function runCommand(argv: string[], cwd: string, vars: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: vars, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (b: Buffer) => {
      output = (output + b.toString('utf8')).slice(-OUTPUT_TAIL);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new GitTrackError('COMMAND_NOT_FOUND', `cannot run ${quoteInput(argv[0])}: ${err.message}`, { argv })));
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), output }));
  });
}
