/**
 * `import mlflow --server` against a server that wants a token (`git-track server --token`),
 * filled through MLflow's REST API: without MLFLOW_TRACKING_TOKEN the import is refused in one
 * line and writes nothing; with it, the runs come across with their history and artifacts.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { cliWith, git, makeRepo } from '../helpers/repo.js';
import { api, startGitTrackServer, type TestServer } from './server-helpers.js';
import { idsOf, showJson } from './import-fixture.js';

let server: TestServer | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('import mlflow --server with a token', () => {
  it('sends MLFLOW_TRACKING_TOKEN as the MLflow client does; without it: one line, exit 1, nothing written', async () => {
    server = await startGitTrackServer(makeRepo({ commit: true }), ['--token', 's3cret']);
    const auth = { headers: { authorization: 'Bearer s3cret' } };
    const experiment = (await api(server.url, 'experiments/create', { name: 'churn' }, auth)).json.experiment_id as string;
    const start = Date.parse('2026-03-01T10:00:00Z');
    const parent = (await api(server.url, 'runs/create', { experiment_id: experiment, run_name: 'sweep', start_time: start }, auth)).json.run.info;
    const batch = await api(server.url, 'runs/log-batch', {
      run_id: parent.run_id,
      params: [{ key: 'lr', value: '0.01' }],
      tags: [{ key: 'team', value: 'growth' }],
      metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: start + step * 1000, step: step * 10 })),
    }, auth);
    expect(batch.status).toBe(200);
    const artifactPath = String(parent.artifact_uri).replace(/^mlflow-artifacts:\/*/, '');
    const put = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${artifactPath}/model.txt`, { method: 'PUT', body: 'model bytes', ...auth });
    expect(put.status).toBe(200);
    expect((await api(server.url, 'runs/update', { run_id: parent.run_id, status: 'FINISHED', end_time: start + 5000 }, auth)).status).toBe(200);
    const child = (await api(server.url, 'runs/create', { experiment_id: experiment, run_name: 'fold-0', start_time: start + 100, tags: [{ key: 'mlflow.parentRunId', value: parent.run_id }] }, auth)).json.run.info;
    expect((await api(server.url, 'runs/update', { run_id: child.run_id, status: 'FAILED', end_time: start + 200 }, auth)).status).toBe(200);

    const repo = makeRepo();
    const refused = cliWith(repo, {}, 'import', 'mlflow', '--server', server.url);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr.trim()).toMatch(/^git-track: the MLflow server http:\/\/127\.0\.0\.1:\d+ answered 401 to POST \/api\/2\.0\/mlflow\/experiments\/search: .*\(set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD\)$/);
    expect(() => git(repo, 'rev-parse', '--verify', '-q', 'runs')).toThrow();

    const r = cliWith(repo, { MLFLOW_TRACKING_TOKEN: 's3cret' }, 'import', 'mlflow', '--server', server.url, '--json');
    expect(r.code, r.stderr).toBe(0);
    const ids = idsOf(r.stdout);
    expect(ids.size).toBe(2);
    const sweep = showJson(repo, ids.get(parent.run_id)!);
    expect(sweep).toMatchObject({ name: 'sweep', experiment: 'churn', status: 'finished', created: '2026-03-01T10:00:00Z', duration_s: 5, params: { lr: 0.01 }, metrics: { loss: 1 / 3 } });
    expect(sweep.tags).toMatchObject({ team: 'growth', 'mlflow.runId': parent.run_id });
    expect(sweep.artifacts).toEqual([{ path: 'model.txt', kind: 'file', sha256: createHash('sha256').update('model bytes').digest('hex'), size: 11 }]);
    const id = ids.get(parent.run_id)!;
    expect(git(repo, 'show', `runs:runs/${id.slice(0, 2)}/${id}/series/loss.tsv`)).toBe(
      'step\tvalue\ttimestamp\n0\t1\t2026-03-01T10:00:00.000Z\n10\t0.5\t2026-03-01T10:00:01.000Z\n20\t0.3333333333333333\t2026-03-01T10:00:02.000Z\n',
    );
    const fold = showJson(repo, ids.get(child.run_id)!);
    expect(fold).toMatchObject({ name: 'fold-0', status: 'failed', parent: id });
    expect(git(repo, 'fsck', '--strict')).toBe('');
  });
});
