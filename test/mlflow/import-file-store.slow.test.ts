/**
 * `git-track import mlflow PATH` on a `mlruns/` folder written by the real MLflow client:
 * nested runs, metric histories with steps, params, tags, a note, artifacts, a failed run and
 * a deleted one; checked field by field with `show --json` and plain git. Then the hostile
 * and broken stores: malformed files cost one line each, symlinks are never followed.
 */
import { cpSync, existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mlflowPython, mlflowSkipReason } from '../helpers/mlflow-venv.js';
import { cli, git, makeRepo, tempDir } from '../helpers/repo.js';
import { expectImported, idsOf, sha256Of, showJson, writeMlflowHistory, type ClientRun } from './import-fixture.js';

describe.skipIf(mlflowSkipReason())('import mlflow PATH (a file store written by the real MLflow client)', () => {
  let store: string;
  let runs: ClientRun[];
  const runDir = (name: string): string => {
    const run = runs.find((r) => r.name === name)!;
    const experiment = readdirSync(store).find((e) => existsSync(join(store, e, run.run_id)))!;
    return join(store, experiment, run.run_id);
  };
  /** A copy of the store to break. */
  const copyStore = (): string => {
    const copy = join(tempDir('gt-mlruns-'), 'mlruns');
    cpSync(store, copy, { recursive: true });
    return copy;
  };

  beforeAll(() => {
    const python = mlflowPython('client');
    const dir = tempDir('gt-mlflow-');
    store = join(dir, 'mlruns');
    runs = writeMlflowHistory(python, dir, `file:${store}`);
  }, 1_200_000);

  it('imports every run field by field; plain git reads it and fsck is clean', () => {
    const repo = makeRepo({ commit: true });
    const r = cli(repo, 'import', 'mlflow', store, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const ids = idsOf(r.stdout);
    const live = runs.filter((x) => !x.deleted);
    expect(ids.size).toBe(live.length);
    expectImported(repo, live, ids);
    // Parents were written first: on the first-parent chain a parent precedes its children.
    const order = git(repo, 'log', '--first-parent', '--reverse', '--format=%s', 'runs').split('\n').filter((l) => l.startsWith('run ')).map((l) => l.split(' ')[1]);
    for (const run of live) {
      const parent = run.tags['mlflow.parentRunId'];
      if (parent) expect(order.indexOf(ids.get(parent)!)).toBeLessThan(order.indexOf(ids.get(run.run_id)!));
    }
    // The author date of each run commit is the run's MLflow start time.
    const sweep = runs.find((x) => x.name === 'sweep')!;
    expect(git(repo, 'log', '-1', '--format=%at', `runs`, '--grep', `Git-Track-Run: ${ids.get(sweep.run_id)}`).trim()).toBe(String(Math.floor(sweep.start_time / 1000)));
    expect(git(repo, 'fsck', '--strict')).toBe('');
    // Artifact bytes are in the content-addressed cache: `get` restores them.
    const out = tempDir('gt-get-');
    const got = cli(repo, 'get', ids.get(sweep.run_id)!, 'models/best/weights.bin', '-o', out);
    expect(got.code, got.stderr).toBe(0);
    expect(sha256Of(join(out, 'models/best/weights.bin'))).toBe(sweep.artifacts['models/best/weights.bin']);
  });

  it('says what it imported; importing again adds nothing and says how many it skipped', () => {
    const repo = makeRepo();
    const first = cli(repo, 'import', 'mlflow', store);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(`Imported 6 runs from ${store}; 1 run deleted in MLflow left out (--include-deleted imports them)`);
    const tip = git(repo, 'rev-parse', 'runs');
    const again = cli(repo, 'import', 'mlflow', store);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`Imported 0 runs from ${store}; 6 already imported, skipped; 1 run deleted in MLflow left out (--include-deleted imports them)`);
    expect(git(repo, 'rev-parse', 'runs')).toBe(tip);
    // --include-deleted then adds only the deleted run, archived (MLflow's delete is soft).
    const deleted = cli(repo, 'import', 'mlflow', store, '--include-deleted', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    const ids = idsOf(deleted.stdout);
    const gone = runs.find((x) => x.name === 'discarded')!;
    expect([...ids.keys()]).toEqual([gone.run_id]);
    expectImported(repo, [gone], ids);
    expect(cli(repo, 'list', '--format', 'json').stdout).not.toContain(ids.get(gone.run_id));
    expect(cli(repo, 'list', '--all', '--format', 'json').stdout).toContain(ids.get(gone.run_id));
  });

  it('a malformed meta.yaml or metric line costs one line naming the file; the rest is imported', () => {
    const copy = copyStore();
    const crash = join(copy, runDir('crash').slice(store.length + 1));
    const fold = join(copy, runDir('fold-1').slice(store.length + 1));
    writeFileSync(join(crash, 'meta.yaml'), 'run_id: [unclosed\n');
    writeFileSync(join(fold, 'metrics', 'val_loss'), '1700000000000 0.5 0\nnot a metric line\n');
    const repo = makeRepo();
    const r = cli(repo, 'import', 'mlflow', copy);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    // In the store's order (by run id), whichever comes first.
    const yamlLine = lines.find((l) => l.includes('meta.yaml'));
    const metricLine = lines.find((l) => l.includes('val_loss'));
    expect(yamlLine).toMatch(new RegExp(`^warning: ${escape(copy)}/\\S+/${runs.find((x) => x.name === 'crash')!.run_id}/meta\\.yaml: not valid YAML.*; run not imported$`));
    expect(metricLine).toMatch(new RegExp(`^warning: ${escape(copy)}/\\S+/metrics/val_loss:2: not a metric line 'timestamp value step': 'not a metric line'; run not imported$`));
    expect(r.stdout.trim()).toBe(`Imported 4 runs from ${copy}; 1 run deleted in MLflow left out (--include-deleted imports them); 2 runs not imported (reasons above)`);
    // Fixed, the next import picks up exactly those two.
    cpSync(runDir('crash'), crash, { recursive: true });
    cpSync(runDir('fold-1'), fold, { recursive: true });
    const again = cli(repo, 'import', 'mlflow', copy, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(idsOf(again.stdout).size).toBe(2);
  });

  it('never follows a symlink in the store: the target outside stays out of the repository', () => {
    const copy = copyStore();
    const secretDir = tempDir('gt-secret-');
    writeFileSync(join(secretDir, 'id_rsa'), 'PRIVATE KEY BYTES');
    const sweep = join(copy, runDir('sweep').slice(store.length + 1));
    symlinkSync(join(secretDir, 'id_rsa'), join(sweep, 'artifacts', 'key.txt'));
    symlinkSync(secretDir, join(sweep, 'artifacts', 'home'));
    symlinkSync(join(secretDir, 'id_rsa'), join(sweep, 'params', 'stolen'));
    // A whole experiment folder that is a link is not read either.
    symlinkSync(secretDir, join(copy, '99'));
    const repo = makeRepo();
    const r = cli(repo, 'import', 'mlflow', copy, '--json');
    expect(r.code, r.stderr).toBe(0);
    for (const link of ['artifacts/key.txt', 'artifacts/home', 'params/stolen']) expect(r.stderr).toContain(`${link}: a symlink; not followed, not imported`);
    expect(r.stderr).toContain(`${copy}/99: a symlink; not followed, not imported`);
    const ids = idsOf(r.stdout);
    const m = showJson(repo, ids.get(runs.find((x) => x.name === 'sweep')!.run_id)!);
    expect(m.artifacts.map((a: { path: string }) => a.path).sort()).toEqual(['config.json', 'model.txt', 'models/best/weights.bin']);
    expect(m.params.stolen).toBeUndefined();
    // git grep exits 1 when nothing on `runs` holds the secret.
    expect(spawnSync('git', ['grep', '-c', 'PRIVATE KEY', 'runs'], { cwd: repo }).status).toBe(1);
    const cache = join(repo, '.git', 'git-track');
    expect(JSON.stringify(readdirRecursive(cache))).not.toContain(sha256Of(join(secretDir, 'id_rsa')));
  });

  it('refuses what is not a store: one line, exit 1 or 2, nothing written', () => {
    const repo = makeRepo();
    const missing = cli(repo, 'import', 'mlflow', 'no-such-dir');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('git-track: no-such-dir: no such directory');
    const neither = cli(repo, 'import', 'mlflow');
    expect(neither.code).toBe(2);
    expect(neither.stderr.trim().split('\n')[0]).toMatch(/^git-track: name what to import/);
    const both = cli(repo, 'import', 'mlflow', store, '--server', 'http://127.0.0.1:1');
    expect(both.code).toBe(2);
    expect(() => git(repo, 'rev-parse', '--verify', '-q', 'runs')).toThrow();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function readdirRecursive(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String);
}

