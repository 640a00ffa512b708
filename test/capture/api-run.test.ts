import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openTracker, fixedEnv, isGitTrackError } from '../../src/index.js';
import { createStaging, stagingRoot } from '../../src/capture/staging.js';
import { CLAIM_FILE } from '../../src/capture/record-staged.js';
import { git, makeRepo, testGitEnv } from '../helpers/repo.js';

const DIST = resolve(import.meta.dirname, '..', '..', 'dist', 'index.js');

function runCount(dir: string): number {
  return Number(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()) - 1;
}

/** A pid that is certainly not running: a process that already exited. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('tracker.startRun', () => {
  it('writes logged steps to the staging dir within a second, so a running run shows its latest values', async () => {
    const dir = makeRepo({ commit: true });
    const run = openTracker({ dir }).startRun({ name: 'live' });
    run.logMetric('loss', 0.5, { step: 0 });
    expect(existsSync(join(run.dir, 'metrics.jsonl'))).toBe(false);
    await new Promise((done) => setTimeout(done, 1500));
    expect(readFileSync(join(run.dir, 'metrics.jsonl'), 'utf8')).toMatch(/^\{"name":"loss","step":0,"value":0.5,"ts":\d+\}\n$/);
    const running = (await openTracker({ dir }).recover()).running;
    expect(running.map((r) => [r.state.id, r.metrics])).toEqual([[run.id, { loss: 0.5 }]]);
    await run.finish();
  });

  it('samples its own CPU and memory as system/... series with systemMetrics', async () => {
    const dir = makeRepo({ commit: true });
    const run = openTracker({ dir }).startRun({ systemMetrics: { intervalS: 0.1 } });
    const until = Date.now() + 600;
    while (Date.now() < until) await new Promise((done) => setTimeout(done, 20));
    const manifest = await run.finish();
    expect(manifest.series).toEqual(['system/cpu_utilization_percentage', 'system/process_memory_usage_megabytes']);
    expect(manifest.metrics['system/process_memory_usage_megabytes']).toBeGreaterThan(10);
  });

  it('records params, step metrics as series, artifacts and tags with the id fixed at start', async () => {
    const dir = makeRepo({ commit: true });
    const tracker = openTracker({ dir, env: fixedEnv() });
    const run = tracker.startRun({ name: 'api', experiment: 'exp', params: { lr: 0.01, model: { depth: 8 } }, tags: { team: 'a' } });
    expect(existsSync(join(run.dir, 'run.json'))).toBe(true);
    for (let epoch = 0; epoch < 3; epoch++) run.logMetrics({ loss: 1 / (epoch + 1), acc: epoch / 4 }, { step: epoch });
    run.logMetric('f1', 0.8);
    run.logParams({ batch: 32 });
    writeFileSync(join(dir, 'model.bin'), 'weights');
    run.logArtifact(join(dir, 'model.bin'), { as: 'models/model.bin' });
    run.setTags({ stage: 'dev' });
    const manifest = await run.finish();
    expect(manifest.id).toBe(run.id);
    expect(manifest).toMatchObject({
      name: 'api',
      experiment: 'exp',
      status: 'finished',
      params: { lr: 0.01, 'model.depth': 8, batch: 32 },
      metrics: { loss: 1 / 3, acc: 0.5, f1: 0.8 },
      series: ['acc', 'loss'],
      tags: { team: 'a', stage: 'dev' },
    });
    expect(manifest.artifacts).toEqual([
      { path: 'models/model.bin', kind: 'file', sha256: createHash('sha256').update('weights').digest('hex'), size: 7 },
    ]);
    const loss = git(dir, 'show', `runs:runs/${run.id.slice(0, 2)}/${run.id}/series/loss.tsv`).split('\n');
    expect(loss[0]).toBe('step\tvalue\ttimestamp');
    expect(loss.slice(1, 4).map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual(['0 1', '1 0.5', `2 ${1 / 3}`]);
    expect(loss[1]!.split('\t')[2]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(existsSync(run.dir)).toBe(false);
    expect(readdirSync(stagingRoot(tracker.context.repo))).toEqual([]);
    expect(tracker.get(run.id).status).toBe('finished');
  });

  it('records the code as it was when the run started', async () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'train.py'), 'print(22)\n');
    const run = openTracker({ dir, env: fixedEnv() }).startRun();
    // Capturing the code runs in the background; it is done once run.json holds it.
    for (let i = 0; i < 400 && !JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8')).input.code; i++) await new Promise((r) => setTimeout(r, 25));
    writeFileSync(join(dir, 'train.py'), 'print(333)\n');
    const m = await run.finish();
    expect(m.code).toMatchObject({ dirty: true, patch: 'code.patch' });
    expect(git(dir, 'show', `${m.code!.snapshot}:train.py`)).toBe('print(22)\n');
    expect(git(dir, 'show', `runs:runs/${m.id.slice(0, 2)}/${m.id}/code.patch`)).toMatch(/\+print\(22\)/);
  });

  it('refuses a metric that is not a number with its name, and a finished run', async () => {
    const dir = makeRepo({ commit: true });
    const run = openTracker({ dir, env: fixedEnv() }).startRun();
    const refused = (f: () => void) => {
      try {
        f();
      } catch (err) {
        return isGitTrackError(err, 'BAD_INPUT') ? err.message : `wrong error ${String(err)}`;
      }
      return 'not refused';
    };
    expect(refused(() => run.logMetric('loss', Number.NaN))).toBe("metric 'loss' must be a finite number, got NaN");
    expect(refused(() => run.logMetric('acc', '0.9' as unknown as number))).toBe("metric 'acc' must be a finite number, got '0.9'");
    expect(refused(() => run.logMetric('bad name', 1))).toBe("invalid metric name 'bad name'");
    await run.finish({ status: 'failed' });
    expect(() => run.logMetric('loss', 1)).toThrow(/already finished/);
  });
});

describe('recovery of runs left behind', () => {
  function crashChild(dir: string, body: string): void {
    const script = `import { openTracker } from ${JSON.stringify(DIST)};
const run = openTracker({ dir: ${JSON.stringify(dir)} }).startRun({ name: 'crashy', params: { lr: 0.1 } });
${body}`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: testGitEnv(), encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  }

  it('records a library run whose process crashed as killed, with every step it logged, exactly once', async () => {
    const dir = makeRepo({ commit: true });
    crashChild(dir, `for (let i = 0; i < 5000; i++) run.logMetric('loss', 1 / (i + 1), { step: i });\nthrow new Error('boom');`);
    const tracker = openTracker({ dir, env: fixedEnv() });
    const [first, second] = await Promise.all([tracker.recover(), tracker.recover()]);
    const recovered = [...first.recovered, ...second.recovered];
    expect(recovered).toHaveLength(1);
    const m = recovered[0]!.manifest;
    expect(m).toMatchObject({ name: 'crashy', status: 'killed', params: { lr: 0.1 }, metrics: { loss: 1 / 5000 }, series: ['loss'] });
    const lines = git(dir, 'show', `runs:runs/${m.id.slice(0, 2)}/${m.id}/series/loss.tsv`).trim().split('\n');
    expect(lines).toHaveLength(5001);
    expect((await tracker.recover()).recovered).toEqual([]);
    expect(runCount(dir)).toBe(1);
  });

  it('keeps the batches flushed before a kill -9', async () => {
    const dir = makeRepo({ commit: true });
    crashChild(dir, `for (let i = 0; i < 3000; i++) run.logMetric('loss', i, { step: i });\nprocess.kill(process.pid, 'SIGKILL');`);
    const { recovered } = await openTracker({ dir, env: fixedEnv() }).recover();
    // Steps are appended in batches of 2000: the last batch was still in memory.
    expect(recovered[0]!.manifest.metrics.loss).toBe(1999);
  });

  it('finishes the recording of a claimed dir whose recorder died, with the outcome it had', async () => {
    const dir = makeRepo({ commit: true });
    const tracker = openTracker({ dir, env: fixedEnv() });
    const { dir: staging, state } = createStaging(tracker.context.repo, tracker.context.env, { owner: 'cli', command: ['true'], input: { name: 'half' }, pid: deadPid() });
    writeFileSync(join(staging, 'metrics.json'), '{"acc": 0.9}');
    renameSync(staging, `${staging}.recording`);
    const outcome = { status: 'finished', durationS: 2, exitCode: 0 };
    writeFileSync(join(`${staging}.recording`, CLAIM_FILE), JSON.stringify({ pid: deadPid(), hostname: 'elsewhere', outcome }));
    // A claim by another host is presumed alive until it has been silent for a day.
    expect((await tracker.recover()).recovered).toEqual([]);
    writeFileSync(join(`${staging}.recording`, CLAIM_FILE), JSON.stringify({ pid: deadPid(), hostname: hostname(), outcome }));
    const { recovered } = await tracker.recover();
    expect(recovered[0]!.manifest).toMatchObject({ id: state.id, name: 'half', status: 'finished', metrics: { acc: 0.9 }, tags: { exit_code: '0' } });
    expect(runCount(dir)).toBe(1);

    // The same id staged again (a retry after the commit landed) is removed, not recorded twice.
    mkdirSync(`${staging}.recording`);
    writeFileSync(join(`${staging}.recording`, 'run.json'), JSON.stringify(state));
    const again = await tracker.recover();
    expect(again.recovered.map((r) => r.commit)).toEqual([null]);
    expect(existsSync(`${staging}.recording`)).toBe(false);
    expect(runCount(dir)).toBe(1);
  });

  it('shows a run whose owner is alive as running, with its latest metrics', async () => {
    const dir = makeRepo({ commit: true });
    const tracker = openTracker({ dir, env: fixedEnv() });
    const run = tracker.startRun({ name: 'live' });
    run.logMetric('loss', 0.5);
    run.logMetric('loss', 0.25);
    run.flush();
    const { running, recovered } = await tracker.recover();
    expect(recovered).toEqual([]);
    expect(running.map((r) => [r.state.id, r.metrics])).toEqual([[run.id, { loss: 0.25 }]]);
    await run.finish();
  });
});
