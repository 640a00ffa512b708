import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BIN, cli, git, makeRepo, testGitEnv } from '../helpers/repo.js';

function show(dir: string, id: string) {
  return JSON.parse(cli(dir, 'show', id, '--json').stdout);
}

function runFile(dir: string, id: string, file: string): string {
  return git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/${file}`);
}

function recordedId(stderr: string): string {
  const m = /recorded run ([0-9a-f]{12})/.exec(stderr);
  if (!m) throw new Error(`no run recorded: ${stderr}`);
  return m[1]!;
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const stagingDir = (dir: string) => join(dir, '.git', 'git-track', 'staging');

describe('git-track run', () => {
  it('runs the command with its output shown and kept, and records what it reported', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(
      join(dir, 'train.sh'),
      `echo "epoch output"
echo "to stderr" >&2
echo '{"lr": 0.1, "model": {"depth": 4}}' > "$GIT_TRACK_RUN_DIR/params.json"
for i in 0 1 2; do echo "{\\"name\\":\\"loss\\",\\"step\\":$i,\\"value\\":0.$((9 - i))}" >> "$GIT_TRACK_RUN_DIR/metrics.jsonl"; done
echo '{"acc": 0.93}' > "$GIT_TRACK_RUN_DIR/metrics.json"
echo weights > "$GIT_TRACK_RUN_DIR/artifacts/model.bin"
`,
    );
    const r = cli(dir, 'run', '--name', 'sh-run', '-p', 'seed=7', '-t', 'team=a', '--', 'sh', 'train.sh');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('epoch output\n');
    expect(r.stderr).toMatch(/^to stderr\ngit-track: recorded run [0-9a-f]{12} \(finished, \d+\.\d s\)\n$/);
    const id = recordedId(r.stderr);
    const m = show(dir, id);
    expect(m).toMatchObject({
      name: 'sh-run',
      status: 'finished',
      command: ['sh', 'train.sh'],
      params: { lr: 0.1, 'model.depth': 4, seed: 7 },
      metrics: { loss: 0.7, acc: 0.93 },
      series: ['loss'],
      tags: { team: 'a', exit_code: '0' },
    });
    expect(m.duration_s).toBeGreaterThanOrEqual(0);
    expect(m.artifacts).toMatchObject([{ path: 'model.bin', size: 8 }]);
    expect(runFile(dir, id, 'series/loss.tsv')).toBe('step\tvalue\ttimestamp\n0\t0.9\t\n1\t0.8\t\n2\t0.7\t\n');
    expect(runFile(dir, id, 'output.log')).toBe('epoch output\nto stderr\n');
    expect(readdirSync(stagingDir(dir))).toEqual([]);
    git(dir, 'fsck', '--strict');
  });

  it('hashes -a outputs after the command wrote them, and keeps a missing one as a reference', () => {
    const dir = makeRepo({ commit: true });
    const r = cli(dir, 'run', '-a', 'out/model.bin:model', '-a', 'out/never.bin', '--', 'sh', '-c', 'mkdir -p out && printf weights > out/model.bin');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: artifact .*never\.bin no longer exists/);
    expect(show(dir, recordedId(r.stderr)).artifacts).toMatchObject([
      { path: 'out/model.bin', role: 'model', size: 7 },
      { path: 'out/never.bin', sha256: null },
    ]);
  });

  it("exits with the command's code and records a failing command as failed", () => {
    const dir = makeRepo({ commit: true });
    const r = cli(dir, 'run', '--', 'sh', '-c', 'echo "{\\"name\\":\\"loss\\",\\"value\\":1}" >> "$GIT_TRACK_RUN_DIR/metrics.jsonl"; exit 3');
    expect(r.code).toBe(3);
    expect(show(dir, recordedId(r.stderr))).toMatchObject({ status: 'failed', metrics: { loss: 1 }, tags: { exit_code: '3' } });
  });

  it('keeps only the tail of the output past --log-cap', () => {
    const dir = makeRepo({ commit: true });
    const r = cli(dir, 'run', '--log-cap', '1KB', '--', 'sh', '-c', 'i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(3001);
    const log = runFile(dir, recordedId(r.stderr), 'output.log');
    expect(log.startsWith('[git-track: output truncated to its last 1024 bytes]\n')).toBe(true);
    expect(log.endsWith('line 2999\n')).toBe(true);
    expect(Buffer.byteLength(log)).toBeLessThan(1100);
    expect(cli(dir, 'run', '--log-cap', 'lots', '--', 'true')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--log-cap expects a size/) });
  });

  it('warns about bad lines and files with their names and keeps the valid rest', () => {
    const dir = makeRepo({ commit: true });
    const script = `cd "$GIT_TRACK_RUN_DIR"
printf '{"name":"loss","step":0,"value":0.5}\\nnot json\\n{"name":"loss","step":1,"value":"x"}\\n{"name":"loss","step":2,"value":0.25}\\n' > metrics.jsonl
printf '{"acc": 0.9,\\n "f1": "high"}' > metrics.json
printf '{"lr": ' > params.json`;
    const r = cli(dir, 'run', '--', 'sh', '-c', script);
    expect(r.code).toBe(0);
    const id = recordedId(r.stderr);
    expect(r.stderr).toContain(`warning: run ${id}: metrics.jsonl line 2: not valid JSON, skipped`);
    expect(r.stderr).toContain(`warning: run ${id}: metrics.jsonl line 3: metric 'loss' must be a finite number, got 'x'; skipped`);
    expect(r.stderr).toContain(`warning: run ${id}: metrics.json: metric 'f1' must be a finite number, got 'high'; ignored`);
    expect(r.stderr).toMatch(new RegExp(`warning: run ${id}: params.json: line 1, column \\d+: invalid JSON`));
    expect(show(dir, id)).toMatchObject({ status: 'finished', params: {}, metrics: { loss: 0.25, acc: 0.9 } });
  });

  it('refuses a non-number metric flag and a missing command before running anything', () => {
    const dir = makeRepo({ commit: true });
    const bad = cli(dir, 'run', '-m', 'acc=high', '--', 'touch', 'ran');
    expect(bad).toMatchObject({ code: 1, stderr: "git-track: metric 'acc' must be a finite number, got 'high'\n" });
    const missing = cli(dir, 'run', '--', 'no-such-command-xyz', '--flag');
    expect(missing).toMatchObject({ code: 127, stderr: 'git-track: command not found: no-such-command-xyz (nothing was run or recorded)\n' });
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(spawnSync('git', ['rev-parse', '--verify', '-q', 'runs'], { cwd: dir }).status).not.toBe(0);
  });

  it('picks up DVCLive output as params, metrics and series', () => {
    const dir = makeRepo({ commit: true });
    const script = `mkdir -p dvclive/plots/metrics/train
printf 'lr: 0.05\\nepochs: 2\\n' > dvclive/params.yaml
printf '{"train": {"loss": 0.3}, "acc": 0.8, "step": 1}' > dvclive/metrics.json
printf 'timestamp\\tstep\\tloss\\n1767225600000\\t0\\t0.6\\n1767225601000\\t1\\t0.3\\n' > dvclive/plots/metrics/train/loss.tsv`;
    const r = cli(dir, 'run', '--', 'sh', '-c', script);
    const id = recordedId(r.stderr);
    expect(show(dir, id)).toMatchObject({ params: { lr: 0.05, epochs: 2 }, metrics: { 'train.loss': 0.3, acc: 0.8 }, series: ['train.loss'] });
    expect(runFile(dir, id, 'series/train.loss.tsv')).toBe(
      'step\tvalue\ttimestamp\n0\t0.6\t2026-01-01T00:00:00.000Z\n1\t0.3\t2026-01-01T00:00:01.000Z\n',
    );
  });

  it('forwards SIGTERM, records the run as killed with what it logged, and exits 128+15', async () => {
    const dir = makeRepo({ commit: true });
    const child = spawn(process.execPath, [BIN, 'run', '--', 'sh', '-c', 'echo \'{"name":"loss","value":0.5}\' >> "$GIT_TRACK_RUN_DIR/metrics.jsonl"; echo started; sleep 30'], {
      cwd: dir,
      env: testGitEnv(),
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const started = new Promise((r) => child.stdout.once('data', r));
    await started;
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(143);
    expect(show(dir, recordedId(stderr))).toMatchObject({ status: 'killed', metrics: { loss: 0.5 }, tags: { signal: 'SIGTERM' } });
  });

  it('lists a run in progress as running, and recovers it as killed once git-track itself was killed -9', async () => {
    const dir = makeRepo({ commit: true });
    const child = spawn(process.execPath, [BIN, 'run', '--name', 'long', '--', 'sh', '-c', 'echo \'{"name":"loss","step":4,"value":0.125}\' >> "$GIT_TRACK_RUN_DIR/metrics.jsonl"; sleep 30'], {
      cwd: dir,
      env: testGitEnv(),
      detached: true,
      stdio: 'ignore',
    });
    await waitFor(() => existsSync(stagingDir(dir)) && readdirSync(stagingDir(dir)).some((d) => existsSync(join(stagingDir(dir), d, 'metrics.jsonl'))), 'the run to report');
    const listed = cli(dir, 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^[0-9a-f]{12}\s+long\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+running\s+0\.125$/m);
    const json = JSON.parse(cli(dir, 'list', '--json').stdout);
    expect(json).toMatchObject([{ status: 'running', name: 'long', command: ['sh', '-c', expect.any(String)], metrics: { loss: 0.125 } }]);
    const id = json[0].id;

    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.on('close', r));
    const after = cli(dir, 'list');
    expect(after.stderr).toBe(`git-track: recovered abandoned run ${id} as killed\n`);
    expect(after.stdout).toMatch(new RegExp(`^${id}\\s+long\\s+.*killed`, 'm'));
    expect(show(dir, id)).toMatchObject({ status: 'killed', metrics: { loss: 0.125 }, command: ['sh', '-c', expect.any(String)] });
    expect(cli(dir, 'recover').stdout).toBe('Nothing to recover.\n');
    expect(Number(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim())).toBe(2);
  });

  it('puts the Python package on PYTHONPATH and exports the run dir', () => {
    const dir = makeRepo({ commit: true });
    const r = cli(dir, 'run', '--', 'sh', '-c', 'echo "$PYTHONPATH"; echo "$GIT_TRACK_RUN_DIR"; test -f "$(echo "$PYTHONPATH" | cut -d: -f1)/git_track/__init__.py"');
    expect(r.code).toBe(0);
    const [pythonPath, runDir] = r.stdout.split('\n');
    expect(pythonPath).toMatch(/\/python$/);
    expect(runDir).toBe(join(stagingDir(dir), recordedId(r.stderr)));
    expect(readFileSync(join(pythonPath!, 'git_track', '_fluent.py'), 'utf8')).toMatch(/def start_run/);
  });
});

describe('git-track run code version', () => {
  it('records the code as it was when the run started, even if it is edited meanwhile', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'train.py'), 'print(2)\n');
    const r = cli(dir, 'run', '--', 'sh', '-c', 'echo "print(3)" > train.py');
    expect(r.code).toBe(0);
    const id = recordedId(r.stderr);
    const m = show(dir, id);
    expect(m.code).toMatchObject({ dirty: true, patch: 'code.patch' });
    expect(runFile(dir, id, 'code.patch')).toMatch(/\+print\(2\)/);
    expect(git(dir, 'show', `${m.code.snapshot}:train.py`)).toBe('print(2)\n');
    expect(git(dir, 'log', '-1', '--format=%P', 'runs').trim().split(' ')[1]).toBe(m.code.snapshot);
  });
});
