/**
 * One import of a store at a time: two real `git-track import mlflow` of the same file store
 * started together write each run once; an import whose lock's owner is alive waits for it,
 * and a lock left by a killed import does not block.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliAsync, git, makeRepo, tempDir } from '../helpers/repo.js';

const START = Date.parse('2026-02-01T08:00:00Z');

/** A file store of `n` finished runs, each with params, a 50-step metric and an artifact. */
function store(n: number): string {
  const root = tempDir('gt-mlruns-');
  const exp = join(root, '1');
  mkdirSync(exp, { recursive: true });
  writeFileSync(join(exp, 'meta.yaml'), `artifact_location: file://${exp}\ncreation_time: ${START}\nexperiment_id: '1'\nlast_update_time: ${START}\nlifecycle_stage: active\nname: churn\n`);
  for (let i = 0; i < n; i++) {
    const id = `run${String(i).padStart(4, '0')}`;
    const dir = join(exp, id);
    for (const sub of ['params', 'metrics', 'tags', 'artifacts']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(
      join(dir, 'meta.yaml'),
      `artifact_uri: file://${dir}/artifacts\nend_time: ${START + i * 1000 + 500}\nentry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: ${id}\nrun_name: ${id}\nrun_uuid: ${id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: ${START + i * 1000}\nstatus: 3\ntags: []\nuser_id: ada\n`,
    );
    writeFileSync(join(dir, 'params', 'lr'), String(i / 1000));
    writeFileSync(join(dir, 'metrics', 'loss'), Array.from({ length: 50 }, (_, s) => `${START + s} ${1 / (s + 1)} ${s}`).join('\n') + '\n');
    writeFileSync(join(dir, 'artifacts', 'model.txt'), `model ${i}\n`);
  }
  return root;
}

/** MLflow run id of every run on `runs` (tag mlflow.runId), duplicates kept. */
function importedMlflowIds(repo: string): string[] {
  const list = JSON.parse(cli(repo, 'list', '--json', '--all').stdout) as { tags?: Record<string, string> }[];
  return list.map((r) => r.tags?.['mlflow.runId'] ?? '?');
}

function lockPathOf(repo: string, root: string): string {
  return join(repo, '.git', 'git-track', 'locks', `mlflow-import-${createHash('sha256').update(`file:${realpathSync(root)}`).digest('hex').slice(0, 16)}.lock`);
}

function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('import mlflow: one import of a store at a time', () => {
  it('two imports of the same store at once write every run exactly once', async () => {
    const root = store(120);
    const repo = makeRepo();
    const [a, b] = await Promise.all([cliAsync(repo, 'import', 'mlflow', root), cliAsync(repo, 'import', 'mlflow', root)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ids = importedMlflowIds(repo);
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    const said = [a.stdout.trim(), b.stdout.trim()].sort();
    expect(said).toEqual([`Imported 0 runs from ${root}; 120 already imported, skipped`, `Imported 120 runs from ${root}`].sort());
    expect(existsSync(lockPathOf(repo, root))).toBe(false);
    expect(git(repo, 'fsck', '--strict')).toBe('');
  }, 300_000);

  it("waits while the lock's owner is alive, says so once, then imports", async () => {
    const root = store(3);
    const repo = makeRepo();
    const holder = spawn('sleep', ['3'], { stdio: 'ignore' });
    const lock = lockPathOf(repo, root);
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, JSON.stringify({ pid: holder.pid, hostname: hostname(), startTicks: startTicks(holder.pid!), source: root }));
    const started = Date.now();
    const r = await cliAsync(repo, 'import', 'mlflow', root);
    expect(r.code, r.stderr).toBe(0);
    // It held off until the other owner was gone (then took the dead owner's lock over).
    expect(Date.now() - started).toBeGreaterThan(2000);
    expect(r.stderr.trim()).toBe(`warning: another import of ${root} is running (pid ${holder.pid}); waiting for it to finish`);
    expect(r.stdout.trim()).toBe(`Imported 3 runs from ${root}`);
    expect(existsSync(lock)).toBe(false);
  }, 60_000);

  it('a lock left by a killed import does not block the next one', () => {
    const root = store(2);
    const repo = makeRepo();
    const dead = spawnSync('true').pid!;
    const lock = lockPathOf(repo, root);
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, JSON.stringify({ pid: dead, hostname: hostname(), startTicks: '1', source: root }));
    const r = cli(repo, 'import', 'mlflow', root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`Imported 2 runs from ${root}`);
    expect(existsSync(lock)).toBe(false);
  });
});
