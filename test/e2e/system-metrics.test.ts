/**
 * System metrics of `git-track run` (CPU and memory of the command's process tree, GPUs when
 * nvidia-smi is there) and of a Python run with log_system_metrics=True, as series system/...
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chmodSync, writeFileSync } from 'node:fs';
import { BIN, cli, cliWith, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';

const PYTHON = '/usr/bin/python3';
const series = (dir: string, id: string, name: string) =>
  git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/series/system/${name}.tsv`).trim().split('\n').slice(1).map((l) => Number(l.split('\t')[1]));
const recorded = (stderr: string) => /recorded run ([0-9a-f]{12})/.exec(stderr)![1]!;

describe('system metrics', () => {
  it('samples the command\'s CPU and memory as series under git-track run', () => {
    const dir = makeRepo({ commit: true });
    // Busy for a second in a child of the shell, then a moment of rest: the tree is sampled, not only the shell.
    const r = cli(dir, 'run', '--system-metrics-interval', '0.2', '--', 'sh', '-c', 'node -e "const t=Date.now(); while (Date.now() - t < 1500);"; sleep 0.5');
    expect(r.code, r.stderr).toBe(0);
    const id = recorded(r.stderr);
    const m = JSON.parse(cli(dir, 'show', id, '--json').stdout);
    expect(m.series).toEqual(['system/cpu_utilization_percentage', 'system/process_memory_usage_megabytes']);
    const cpu = series(dir, id, 'cpu_utilization_percentage');
    const memory = series(dir, id, 'process_memory_usage_megabytes');
    expect(cpu.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...cpu)).toBeGreaterThan(5);
    // node's own resident memory counts: tens of megabytes while it spins.
    expect(Math.max(...memory)).toBeGreaterThan(10);
    expect(m.metrics['system/process_memory_usage_megabytes']).toBe(memory.at(-1));
  });

  it('samples each GPU nvidia-smi reports (a stand-in nvidia-smi: this machine has no GPU)', () => {
    const dir = makeRepo({ commit: true });
    const bin = tempDir('gt-fake-gpu-');
    writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\nprintf "0, 37, 1024\\n1, 5, 2048\\n"\n');
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    const r = cliWith(dir, { PATH: `${bin}:${process.env.PATH}` }, 'run', '--system-metrics-interval', '0.2', '--', 'sleep', '1');
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(cli(dir, 'show', recorded(r.stderr), '--json').stdout);
    expect(m.metrics).toMatchObject({
      'system/gpu_0_utilization_percentage': 37,
      'system/gpu_0_memory_usage_megabytes': 1024,
      'system/gpu_1_utilization_percentage': 5,
      'system/gpu_1_memory_usage_megabytes': 2048,
    });
  });

  it('samples nothing with --no-system-metrics, and refuses a bad interval with a usage line', () => {
    const dir = makeRepo({ commit: true });
    const r = cli(dir, 'run', '--no-system-metrics', '--system-metrics-interval', '0.1', '--', 'sleep', '0.5');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(cli(dir, 'show', recorded(r.stderr), '--json').stdout).series).toBeUndefined();
    const bad = cli(dir, 'run', '--system-metrics-interval', 'soon', '--', 'true');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("git-track: --system-metrics-interval expects seconds, at least 0.1, got 'soon'\n");
  });

  it.skipIf(!existsSync(PYTHON))('samples a Python run started with log_system_metrics=True', () => {
    const dir = makeRepo({ commit: true });
    const script = `import time, git_track
with git_track.start_run(run_name="sys", log_system_metrics=True) as run:
    # Fifteen sampling intervals of work; three samples are asked for, so a loaded machine that
    # delays the sampler still passes while a sampler that never runs does not.
    t = time.time()
    while time.time() - t < 3.0:
        sum(range(10000))
        time.sleep(0.001)
print(run.info.run_id)
`;
    const r = spawnSync(PYTHON, ['-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: testGitEnv({ PYTHONPATH: resolve(import.meta.dirname, '..', '..', 'python'), GIT_TRACK_BIN: `${process.execPath} ${BIN}`, GIT_TRACK_SYSTEM_METRICS_INTERVAL: '0.2' }),
    });
    expect(r.status, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(JSON.parse(cli(dir, 'show', id, '--json').stdout).series).toEqual(['system/cpu_utilization_percentage', 'system/process_memory_usage_megabytes']);
    expect(series(dir, id, 'cpu_utilization_percentage').length).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(dir, '.git', 'git-track', 'staging', id))).toBe(false);
  });
});
