/**
 * `git-track import mlflow --server URL` against the real `mlflow server` (full mlflow 2.22.0,
 * SQLite backend, artifact proxy) filled by the real MLflow client: the same runs as the file
 * store test, checked the same way, field by field, artifacts downloaded through the proxy.
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { freePort, mlflowPython, mlflowSkipReason, startMlflowServer, type MlflowServer } from '../helpers/mlflow-venv.js';
import { cli, cliWith, git, makeRepo, tempDir } from '../helpers/repo.js';
import { expectImported, idsOf, writeMlflowHistory, type ClientRun } from './import-fixture.js';

describe.skipIf(mlflowSkipReason())('import mlflow --server (the real mlflow server, filled by the real client)', () => {
  let server: MlflowServer;
  let runs: ClientRun[];

  beforeAll(async () => {
    const python = mlflowPython('client');
    const dir = tempDir('gt-mlflow-server-');
    server = await startMlflowServer(dir);
    runs = writeMlflowHistory(python, dir, server.url);
  }, 1_200_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('imports every run field by field, artifacts through the proxy; fsck is clean', () => {
    const repo = makeRepo({ commit: true });
    const r = cli(repo, 'import', 'mlflow', '--server', server.url, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const ids = idsOf(r.stdout);
    const live = runs.filter((x) => !x.deleted);
    expect(ids.size).toBe(live.length);
    expectImported(repo, live, ids);
    expect(git(repo, 'fsck', '--strict')).toBe('');
  });

  it('importing again adds nothing; --include-deleted adds the deleted run, archived', () => {
    const repo = makeRepo();
    const first = cli(repo, 'import', 'mlflow', '--server', server.url);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(`Imported 6 runs from ${server.url}; 1 run deleted in MLflow left out (--include-deleted imports them)`);
    const tip = git(repo, 'rev-parse', 'runs');
    const again = cli(repo, 'import', 'mlflow', '--server', server.url);
    expect(again.stdout.trim()).toBe(`Imported 0 runs from ${server.url}; 6 already imported, skipped; 1 run deleted in MLflow left out (--include-deleted imports them)`);
    expect(git(repo, 'rev-parse', 'runs')).toBe(tip);
    const deleted = cli(repo, 'import', 'mlflow', '--server', server.url, '--include-deleted', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    const ids = idsOf(deleted.stdout);
    const gone = runs.find((x) => x.name === 'discarded')!;
    expect([...ids.keys()]).toEqual([gone.run_id]);
    expectImported(repo, [gone], ids);
    expect(cli(repo, 'list', '--format', 'json').stdout).not.toContain(ids.get(gone.run_id));
  });

  it('a server that is not there, or not MLflow: one line, exit 1, nothing written', async () => {
    const repo = makeRepo();
    const closed = await freePort();
    const down = cli(repo, 'import', 'mlflow', '--server', `http://127.0.0.1:${closed}`);
    expect(down.code).toBe(1);
    expect(down.stderr.trim()).toBe(`git-track: cannot reach the MLflow server http://127.0.0.1:${closed}: ECONNREFUSED`);
    const wrong = cli(repo, 'import', 'mlflow', '--server', `${server.url}/not-mlflow`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toMatch(/^git-track: the MLflow server \S+ answered 404 to POST \/not-mlflow\/api\/2\.0\/mlflow\/experiments\/search/);
    const bad = cliWith(repo, {}, 'import', 'mlflow', '--server', 'ftp://example.com');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("git-track: --server 'ftp://example.com': only http and https are supported");
    expect(() => git(repo, 'rev-parse', '--verify', '-q', 'runs')).toThrow();
  });
});

describe.skipIf(mlflowSkipReason())('import mlflow --server whose artifact root is a local folder (mlflow server --no-serve-artifacts)', () => {
  let server: MlflowServer;
  let runs: ClientRun[];

  beforeAll(async () => {
    const python = mlflowPython('client');
    const dir = tempDir('gt-mlflow-local-');
    server = await startMlflowServer(dir, { serveArtifacts: false });
    runs = writeMlflowHistory(python, dir, server.url);
  }, 1_200_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('reads the artifacts from the run\'s file: root, the server being on this machine', () => {
    const repo = makeRepo();
    const r = cli(repo, 'import', 'mlflow', '--server', server.url, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expectImported(repo, runs.filter((x) => !x.deleted), idsOf(r.stdout));
    expect(git(repo, 'fsck', '--strict')).toBe('');
  });
});
