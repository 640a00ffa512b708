/**
 * The MLflow REST API of `git-track server`, driven with plain fetch following MLflow's
 * service.proto: no npm MLflow client was adopted (none was evaluated; fetch keeps the request
 * shapes visible here). The real Python client is tested in server-python.slow.test.ts.
 * Checked against the branch with real git.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';
import { api, startGitTrackServer, type TestServer } from './server-helpers.js';
import { experimentIdOf } from '../../src/mlflow/mapping.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const now = Date.parse('2026-05-30T10:00:00Z');
const show = (dir: string, id: string) => JSON.parse(cli(dir, 'show', id, '--json').stdout);

describe('git-track server: MLflow REST API', () => {
  it('logs a run through create, log-batch, log-parameter and update, recorded as one commit', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;

    const created = await api(url, 'experiments/create', { name: 'churn', tags: [{ key: 'team', value: 'growth' }] });
    expect(created).toEqual({ status: 200, json: { experiment_id: experimentIdOf('churn') } });
    const byName = await api(url, 'experiments/get-by-name', { experiment_name: 'churn' }, { method: 'GET' });
    expect(byName.json.experiment).toMatchObject({ name: 'churn', experiment_id: experimentIdOf('churn'), lifecycle_stage: 'active', tags: [{ key: 'team', value: 'growth' }] });
    expect((await api(url, 'experiments/create', { name: 'churn' })).json.error_code).toBe('RESOURCE_ALREADY_EXISTS');

    const run = await api(url, 'runs/create', { experiment_id: experimentIdOf('churn'), start_time: now, run_name: 'baseline', tags: [{ key: 'mlflow.user', value: 'ada' }, { key: 'stage dev', value: 'x' }] });
    expect(run.status).toBe(200);
    const id = run.json.run.info.run_id as string;
    expect(run.json.run.info).toMatchObject({ status: 'RUNNING', run_name: 'baseline', artifact_uri: `mlflow-artifacts:/${experimentIdOf('churn')}/${id}/artifacts`, lifecycle_stage: 'active' });

    const metrics = Array.from({ length: 10 }, (_, step) => ({ key: 'val loss', value: 1 / (step + 1), timestamp: String(now + step * 1000), step }));
    const batch = await api(url, 'runs/log-batch', { run_id: id, metrics, params: [{ key: 'lr', value: '0.01' }, { key: 'opt', value: 'adam' }], tags: [{ key: 'mlflow.note.content', value: 'first try' }] });
    expect(batch).toEqual({ status: 200, json: {} });
    expect((await api(url, 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.01' })).status).toBe(200);
    const changed = await api(url, 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.02' });
    expect(changed.status).toBe(400);
    expect(changed.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(changed.json.message).toMatch(/Changing param values is not allowed/);

    // While running: visible to MLflow clients and to `git-track list` as running.
    const got = await api(url, 'runs/get', { run_id: id }, { method: 'GET' });
    expect(got.json.run.data.metrics).toEqual([{ key: 'val loss', value: 0.1, timestamp: now + 9000, step: 9 }]);
    expect(cli(dir, 'list').stdout).toMatch(new RegExp(`${id}.*running`));

    const history = await api(url, 'metrics/get-history', { run_id: id, metric_key: 'val loss', max_results: 4 }, { method: 'GET' });
    expect(history.json.metrics.map((m: { step: number }) => m.step)).toEqual([0, 1, 2, 3]);
    const page2 = await api(url, 'metrics/get-history', { run_id: id, metric_key: 'val loss', max_results: 4, page_token: history.json.next_page_token }, { method: 'GET' });
    expect(page2.json.metrics.map((m: { step: number }) => m.step)).toEqual([4, 5, 6, 7]);

    const runCommits = () => git(dir, 'log', '--first-parent', '--format=%s', 'runs').split('\n').filter((l) => l.startsWith(`run ${id}`)).length;
    const ended = await api(url, 'runs/update', { run_id: id, status: 'FINISHED', end_time: now + 12_500 });
    expect(ended.json.run_info).toMatchObject({ run_id: id, status: 'FINISHED', start_time: now, end_time: now + 12_500 });
    expect(runCommits()).toBe(1);
    // Retried by a client: the same answer, no second commit.
    expect((await api(url, 'runs/update', { run_id: id, status: 'FINISHED', end_time: now + 12_500 })).status).toBe(200);
    expect(runCommits()).toBe(1);

    const show = JSON.parse(cli(dir, 'show', id, '--json').stdout);
    expect(show).toMatchObject({
      id,
      name: 'baseline',
      experiment: 'churn',
      status: 'finished',
      created: '2026-05-30T10:00:00Z',
      duration_s: 12.5,
      author: { name: 'ada', email: '' },
      params: { lr: 0.01, opt: 'adam' },
      metrics: { 'val%20loss': 0.1 },
      series: ['val%20loss'],
      tags: { 'stage%20dev': 'x' },
      note: 'first try',
    });
    const yaml = git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
    expect(yaml).toContain('name: baseline');
    expect(git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/series/val%20loss.tsv`).split('\n')[1]).toBe('0\t1\t2026-05-30T10:00:00.000Z');
    git(dir, 'fsck', '--strict');

    // Recorded: read back the same way, history from the series file.
    const after = await api(url, 'runs/get', { run_id: id }, { method: 'GET' });
    expect(after.json.run.data.params).toEqual([
      { key: 'lr', value: '0.01' },
      { key: 'opt', value: 'adam' },
    ]);
    expect(after.json.run.data.tags).toEqual(expect.arrayContaining([{ key: 'stage dev', value: 'x' }, { key: 'mlflow.runName', value: 'baseline' }, { key: 'mlflow.user', value: 'ada' }]));
    const full = await api(url, 'metrics/get-history', { run_id: id, metric_key: 'val loss' }, { method: 'GET' });
    expect(full.json.metrics).toHaveLength(10);
    expect(full.json.metrics[3]).toEqual({ key: 'val loss', value: 0.25, timestamp: now + 3000, step: 3 });
    // Logging to a recorded run is refused: the commit is final.
    expect((await api(url, 'runs/log-metric', { run_id: id, key: 'x', value: 1, timestamp: now })).json.error_code).toBe('INVALID_STATE');
  });

  it('names a run started without a name, as MLflow does, and keeps a name the client gave in a tag', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    const unnamed = (await api(url, 'runs/create', { experiment_id: '0', start_time: now })).json.run;
    expect(unnamed.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
    expect(unnamed.data.tags).toContainEqual({ key: 'mlflow.runName', value: unnamed.info.run_name });
    const tagged = (await api(url, 'runs/create', { experiment_id: '0', start_time: now, tags: [{ key: 'mlflow.runName', value: 'from-tag' }] })).json.run;
    expect(tagged.info.run_name).toBe('from-tag');
    for (const run of [unnamed, tagged]) await api(url, 'runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: now + 1000 });
    expect(show(dir, unnamed.info.run_id).name).toBe(unnamed.info.run_name);
    expect(show(dir, tagged.info.run_id).name).toBe('from-tag');
  });

  it('searches with MLflow filters, order_by and paging', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await api(url, 'runs/create', { experiment_id: '0', start_time: now + i * 1000, run_name: `r${i}` });
      const id = r.json.run.info.run_id;
      ids.push(id);
      await api(url, 'runs/log-batch', {
        run_id: id,
        metrics: [{ key: 'f1', value: i / 10, timestamp: now, step: 0 }],
        params: [{ key: 'model', value: i % 2 ? 'xgb' : 'rf' }],
        tags: [{ key: 'mlflow.runName', value: `r${i}` }],
      });
      // The last one stays running: searched as well.
      if (i < 5) await api(url, 'runs/update', { run_id: id, status: i === 4 ? 'FAILED' : 'FINISHED', end_time: now + i * 1000 + 500 });
    }
    const search = (body: Record<string, unknown>) => api(url, 'runs/search', { experiment_ids: ['0'], ...body });
    const names = (r: { json: { runs?: { info: { run_name: string } }[] } }) => (r.json.runs ?? []).map((x) => x.info.run_name);

    expect(names(await search({ filter: "params.model = 'xgb' and metrics.f1 >= 0.3", order_by: ['metrics.f1 DESC'] }))).toEqual(['r5', 'r3']);
    expect(names(await search({ filter: "attributes.status = 'FAILED'" }))).toEqual(['r4']);
    expect(names(await search({ filter: "attributes.status = 'RUNNING'" }))).toEqual(['r5']);
    expect(names(await search({ filter: "tags.`mlflow.runName` LIKE 'r%' and attributes.run_name IN ('r1', 'r2')", order_by: ['attributes.start_time ASC'] }))).toEqual(['r1', 'r2']);
    expect(names(await search({ filter: "attributes.run_name ILIKE 'R0'" }))).toEqual(['r0']);
    expect(names(await search({ filter: `attributes.start_time > ${now + 2500}`, order_by: ['attributes.start_time'] }))).toEqual(['r3', 'r4', 'r5']);
    expect(names(await search({ filter: `attributes.end_time <= ${now + 1500}` }))).toEqual(['r1', 'r0']);
    const page1 = await search({ max_results: 4 });
    expect(names(page1)).toEqual(['r5', 'r4', 'r3', 'r2']);
    expect(names(await search({ max_results: 4, page_token: page1.json.next_page_token }))).toEqual(['r1', 'r0']);

    const bad = await search({ filter: 'metrics.f1 > ' });
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await search({ filter: "metrics.f1 = 'a'" })).json.message).toMatch(/Expected numeric value type for metric/);

    // Soft delete: an archive fact; restore undoes it; history is never rewritten.
    expect((await api(url, 'runs/delete', { run_id: ids[1] })).status).toBe(200);
    expect(names(await search({}))).not.toContain('r1');
    expect(names(await search({ run_view_type: 'DELETED_ONLY' }))).toEqual(['r1']);
    expect((await api(url, 'runs/get', { run_id: ids[1] }, { method: 'GET' })).json.run.info.lifecycle_stage).toBe('deleted');
    expect(cli(dir, 'list', '--all').stdout).toContain(ids[1]);
    await api(url, 'runs/restore', { run_id: ids[1] });
    expect(names(await search({}))).toContain('r1');
    expect(git(dir, 'log', '--oneline', 'runs')).toMatch(/archive/);
    git(dir, 'fsck', '--strict');
  });

  it('answers MLflow errors with their statuses and refuses bodies over the limits', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    expect(await api(url, 'runs/get', { run_id: 'aaaaaaaaaaaa' }, { method: 'GET' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await api(url, 'experiments/get-by-name', { experiment_name: 'nope' }, { method: 'GET' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await api(url, 'runs/nope', {})).toMatchObject({ status: 404, json: { error_code: 'ENDPOINT_NOT_FOUND' } });
    expect(await api(url, 'runs/update', {})).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });

    const id = (await api(url, 'runs/create', { experiment_id: '0' })).json.run.info.run_id;
    const many = Array.from({ length: 1001 }, (_, step) => ({ key: 'm', value: 1, timestamp: now, step }));
    const tooMany = await api(url, 'runs/log-batch', { run_id: id, metrics: many });
    expect(tooMany).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(tooMany.json.message).toMatch(/at most 1000 metrics. Got 1001/);
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    expect((await api(url, 'runs/log-batch', { run_id: id, params })).json.message).toMatch(/at most 100 params/);
    const huge = await api(url, 'runs/log-batch', { run_id: id, tags: [{ key: 't', value: 'x'.repeat(1_100_000) }] });
    expect(huge).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(huge.json.message).toMatch(/exceeds the limit of 1048576 bytes/);
    const malformed = await fetch(`${url}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', body: '{"run_id": ' });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error_code).toBe('BAD_REQUEST');
    const badKey = await api(url, 'runs/log-metric', { run_id: id, key: '../escape', value: 1, timestamp: now });
    expect(badKey).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });

    // A run may not grow past what one manifest can record: the batch that would is refused.
    const big = (n: number) => Array.from({ length: 100 }, (_, i) => ({ key: `big${n}_${i}`, value: 'v'.repeat(6000) }));
    const other = (await api(url, 'runs/create', { experiment_id: '0' })).json.run.info.run_id;
    expect((await api(url, 'runs/log-batch', { run_id: other, params: big(1) })).status).toBe(200);
    const over = await api(url, 'runs/log-batch', { run_id: other, params: big(2) });
    expect(over).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(over.json.message).toMatch(/MAX_MANIFEST_BYTES/);
    expect((await api(url, 'runs/update', { run_id: other, status: 'FINISHED' })).status).toBe(200);
    expect(Object.keys(JSON.parse(cli(dir, 'show', other, '--json').stdout).params)).toHaveLength(100);

    // Nothing refused reached the run; it is still whole and records cleanly.
    await api(url, 'runs/update', { run_id: id, status: 'FINISHED' });
    expect(JSON.parse(cli(dir, 'show', id, '--json').stdout)).toMatchObject({ id, metrics: {}, params: {}, tags: {} });
    git(dir, 'fsck', '--strict');
  });

  it('guards: loopback Host names only, the bearer token, and no public bind without a token', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir, ['--token', 's3cret']);
    const { url } = server;
    expect((await api(url, 'experiments/search', {})).status).toBe(401);
    expect((await api(url, 'experiments/search', {}, { headers: { authorization: 'Bearer wrong' } })).json.error_code).toBe('UNAUTHENTICATED');
    const ok = await api(url, 'experiments/search', {}, { headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
    expect(ok.json.experiments.map((e: { name: string }) => e.name)).toEqual(['Default']);
    // A DNS-rebinding page reaches 127.0.0.1 under its own name: refused.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/api/2.0/mlflow/experiments/search`, { method: 'GET', headers: { host: 'evil.example:80', authorization: 'Bearer s3cret' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    await server.stop();
    server = undefined;

    const refused = cli(dir, 'server', '--host', '0.0.0.0', '--port', '0');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^git-track: refusing to listen on 0\.0\.0\.0 without --token/);
    expect(cli(dir, 'server', '--port', 'x').stderr).toMatch(/--port must be a number/);
  });

  it('links the code: the server work tree by default, the commit a client names when it is not HEAD', async () => {
    const dir = makeRepo({ commit: true });
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    server = await startGitTrackServer(dir);
    const { url } = server;
    const make = async (tags: { key: string; value: string }[]) => {
      const id = (await api(url, 'runs/create', { experiment_id: '0', tags })).json.run.info.run_id as string;
      await api(url, 'runs/update', { run_id: id, status: 'FINISHED' });
      return show(dir, id);
    };
    expect((await make([])).code).toMatchObject({ commit: head, branch: 'main', dirty: false });
    expect((await make([{ key: 'mlflow.source.git.commit', value: head }])).code).toMatchObject({ commit: head, branch: 'main' });
    const elsewhere = await make([{ key: 'mlflow.source.git.commit', value: 'f'.repeat(40) }]);
    expect(elsewhere.code).toEqual({ commit: null, branch: null, dirty: false });
    expect(elsewhere.tags['mlflow.source.git.commit']).toBe('f'.repeat(40));
    // A refused create leaves no staging dir behind.
    const refused = await api(url, 'runs/create', { experiment_id: '0', tags: [{ key: 'a/../b', value: 'x' }] });
    expect(refused.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(cli(dir, 'list', '--json').stdout).not.toContain('running');
    git(dir, 'fsck', '--strict');
  });

  it('manages experiments (rename, tags, delete, restore, search) with ids stable across a restart', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    let { url } = server;
    const id = (await api(url, 'experiments/create', { name: 'alpha' })).json.experiment_id;
    await api(url, 'experiments/create', { name: 'beta' });
    expect((await api(url, 'experiments/set-experiment-tag', { experiment_id: id, key: 'owner', value: 'ada' })).status).toBe(200);
    expect((await api(url, 'experiments/update', { experiment_id: id, new_name: 'alpha2' })).status).toBe(200);
    const run = (await api(url, 'runs/create', { experiment_id: id, run_name: 'in-alpha2' })).json.run.info.run_id;
    await api(url, 'runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: 'train', digest: 'abc123', source_type: 'local', source: 's3://bucket/train.csv' } }] });
    await api(url, 'runs/log-batch', { run_id: run, metrics: Array.from({ length: 50 }, (_, step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: now + step, step })) });
    await api(url, 'runs/update', { run_id: run, status: 'FINISHED' });

    const bulk = await api(url, 'metrics/get-history-bulk-interval', { run_ids: [run], metric_key: 'loss', start_step: 10, end_step: 40, max_results: 5 }, { method: 'GET' });
    // MLflow's own picks for these steps (mlflow.server.handlers._get_sampled_steps_from_steps).
    expect(bulk.json.metrics.map((m: { step: number; run_id: string }) => [m.step, m.run_id])).toEqual([[10, run], [16, run], [22, run], [28, run], [40, run]]);
    expect(show(dir, run)).toMatchObject({ experiment: 'alpha2', tags: { 'dataset.train': 's3://bucket/train.csv', 'dataset.train.digest': 'abc123' } });

    const search = (body: Record<string, unknown>) => api(url, 'experiments/search', body).then((r) => r.json.experiments.map((e: { name: string }) => e.name));
    expect(await search({ order_by: ['name ASC'] })).toEqual(['Default', 'alpha2', 'beta']);
    expect(await search({ filter: "name LIKE 'alpha%' and tags.owner = 'ada'" })).toEqual(['alpha2']);
    expect((await api(url, 'experiments/delete', { experiment_id: id })).status).toBe(200);
    expect(await search({ order_by: ['name ASC'] })).toEqual(['Default', 'beta']);
    expect(await search({ view_type: 'DELETED_ONLY' })).toEqual(['alpha2']);
    expect((await api(url, 'runs/create', { experiment_id: id })).json.error_code).toBe('INVALID_STATE');
    await api(url, 'experiments/restore', { experiment_id: id });

    // Another server process on the same repository: the same ids, names and tags.
    await server.stop();
    server = await startGitTrackServer(dir);
    url = server.url;
    const again = (await api(url, 'experiments/get', { experiment_id: id }, { method: 'GET' })).json.experiment;
    expect(again).toMatchObject({ experiment_id: id, name: 'alpha2', lifecycle_stage: 'active', tags: [{ key: 'owner', value: 'ada' }] });
    expect((await api(url, 'runs/get', { run_id: run }, { method: 'GET' })).json.run.info.experiment_id).toBe(id);
    expect((await api(url, 'runs/search', { experiment_ids: [id] })).json.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([run]);
    expect((await api(url, 'experiments/get-by-name', { experiment_name: 'beta' }, { method: 'GET' })).json.experiment.experiment_id).toBe(experimentIdOf('beta'));
  });

  it('leaves a run still RUNNING at stop to be recovered as killed, with what it logged', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const id = (await api(server.url, 'runs/create', { experiment_id: '0', run_name: 'interrupted' })).json.run.info.run_id;
    await api(server.url, 'runs/log-batch', { run_id: id, metrics: [{ key: 'loss', value: 0.5, timestamp: now, step: 1 }], params: [{ key: 'lr', value: '0.1' }] });
    expect(await server.stop()).toBe(0);
    server = undefined;
    const list = cli(dir, 'list', '--json');
    const run = JSON.parse(list.stdout).find((r: { id: string }) => r.id === id);
    expect(run).toMatchObject({ id, name: 'interrupted', status: 'killed', params: { lr: 0.1 }, metrics: { loss: 0.5 } });
    git(dir, 'fsck', '--strict');
  });
});
