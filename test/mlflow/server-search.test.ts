/**
 * runs/search of `git-track server` as MLflow's service.proto and SearchUtils define it:
 * every order_by key MLflow accepts with its tie-break (start time newest first, then run id)
 * and missing values last, datasets.* filters over what log-inputs recorded, the empty answer,
 * and answers that follow later facts (tags, renames, deletions) although run JSON is cached.
 * Plain fetch; the real Python client is in server-python.slow.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { git, makeRepo } from '../helpers/repo.js';
import { api, startGitTrackServer, type TestServer } from './server-helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const now = Date.parse('2026-05-30T10:00:00Z');
type Answer = { json: { runs?: { info: { run_name: string; run_id: string; lifecycle_stage: string }; data: { tags?: { key: string; value: string }[] } }[] } };
const names = (r: Answer) => (r.json.runs ?? []).map((x) => x.info.run_name);

/** Four runs: three recorded (one failed), one still running; f1 ties between r0 and r1. */
async function fourRuns(url: string): Promise<string[]> {
  const plan = [
    { user: 'zed', model: 'b', f1: 0.5, end: 5000, status: 'FINISHED' },
    { user: 'amy', model: 'a', f1: 0.5, end: 2000, status: 'FAILED' },
    { user: 'amy', model: 'c', f1: 0.9, end: 9000, status: 'FINISHED' },
    { user: 'bob', model: undefined, f1: undefined, end: undefined, status: 'RUNNING' },
  ];
  const ids: string[] = [];
  for (const [i, p] of plan.entries()) {
    const created = await api(url, 'runs/create', { experiment_id: '0', start_time: now + i * 1000, run_name: `r${i}`, tags: [{ key: 'mlflow.user', value: p.user }] });
    expect(created.status).toBe(200);
    const id = created.json.run.info.run_id as string;
    ids.push(id);
    await api(url, 'runs/log-batch', {
      run_id: id,
      metrics: p.f1 === undefined ? [] : [{ key: 'f1', value: p.f1, timestamp: now, step: 0 }],
      params: p.model === undefined ? [] : [{ key: 'model', value: p.model }],
      tags: [{ key: 'team', value: `t${i % 2}` }],
    });
    if (p.end !== undefined) expect((await api(url, 'runs/update', { run_id: id, status: p.status, end_time: now + p.end })).status).toBe(200);
  }
  return ids;
}

describe('git-track server: runs/search order and datasets', () => {
  it('orders by every key MLflow accepts, missing values last, ties by start time then run id', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    const ids = await fourRuns(url);
    const order = async (...order_by: string[]) => names(await api(url, 'runs/search', { experiment_ids: ['0'], order_by }));

    expect(await order('attributes.end_time ASC')).toEqual(['r1', 'r0', 'r2', 'r3']);
    expect(await order('attributes.end_time DESC')).toEqual(['r2', 'r0', 'r1', 'r3']);
    expect(await order('end_time')).toEqual(['r1', 'r0', 'r2', 'r3']); // a bare attribute, ascending
    expect(await order('attributes.start_time ASC')).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(await order('attributes.Created DESC')).toEqual(['r3', 'r2', 'r1', 'r0']);
    expect(await order('attributes.run_name DESC')).toEqual(['r3', 'r2', 'r1', 'r0']);
    expect(await order('attributes.status')).toEqual(['r1', 'r2', 'r0', 'r3']); // FAILED < FINISHED < RUNNING
    expect(await order('attributes.user_id ASC')).toEqual(['r2', 'r1', 'r3', 'r0']);
    // f1 ties between r0 and r1: the later start first; the run without f1 last either way.
    expect(await order('metrics.f1 DESC')).toEqual(['r2', 'r1', 'r0', 'r3']);
    expect(await order('metrics.f1 ASC')).toEqual(['r1', 'r0', 'r2', 'r3']);
    expect(await order('params.model ASC')).toEqual(['r1', 'r0', 'r2', 'r3']);
    expect(await order('tags.team DESC', 'attributes.start_time ASC')).toEqual(['r1', 'r3', 'r0', 'r2']);
    const byId = [...ids].sort();
    expect((await api(url, 'runs/search', { experiment_ids: ['0'], order_by: ['attributes.run_id ASC'] })).json.runs!.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual(byId);
    expect((await api(url, 'runs/search', { experiment_ids: ['0'], order_by: ['attributes.artifact_uri DESC'] })).json.runs!.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([...byId].reverse());
    // Paging keeps the order across pages.
    const first = await api(url, 'runs/search', { experiment_ids: ['0'], order_by: ['attributes.end_time DESC'], max_results: 3 });
    expect(names(first)).toEqual(['r2', 'r0', 'r1']);
    expect(names(await api(url, 'runs/search', { experiment_ids: ['0'], order_by: ['attributes.end_time DESC'], max_results: 3, page_token: first.json.next_page_token }))).toEqual(['r3']);

    for (const bad of ['attributes.nosuch', 'datasets.name', 'metrics.f1 SIDEWAYS']) {
      const r = await api(url, 'runs/search', { experiment_ids: ['0'], order_by: [bad] });
      expect(r.status, bad).toBe(400);
      expect(r.json.error_code, bad).toBe('INVALID_PARAMETER_VALUE');
    }
  });

  it('filters by datasets.name, digest and context over what log-inputs recorded, recorded or running', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    const input = (name: string, digest: string, context?: string) => ({
      ...(context ? { tags: [{ key: 'mlflow.data.context', value: context }] } : {}),
      dataset: { name, digest, source_type: 'local', source: `{"uri": "/data/${name}.csv"}` },
    });
    const plan = [
      [input('iris', 'aa11', 'training'), input('iris-eval', 'bb22', 'eval')],
      [input('wine', 'cc33', 'training')],
      [input('iris', 'dd44')],
      [],
    ];
    for (const [i, datasets] of plan.entries()) {
      const id = (await api(url, 'runs/create', { experiment_id: '0', start_time: now + i * 1000, run_name: `d${i}` })).json.run.info.run_id;
      if (datasets.length) expect((await api(url, 'runs/log-inputs', { run_id: id, datasets })).status).toBe(200);
      // d1 stays running: its datasets are searched in memory.
      if (i !== 1) await api(url, 'runs/update', { run_id: id, status: 'FINISHED', end_time: now + i * 1000 + 500 });
    }
    const find = async (filter: string) => names(await api(url, 'runs/search', { experiment_ids: ['0'], filter }));
    expect(await find("datasets.name = 'iris'")).toEqual(['d2', 'd0']);
    expect(await find("datasets.name != 'iris'")).toEqual(['d1', 'd0']); // d0 also used iris-eval
    expect(await find("datasets.name IN ('wine', 'iris-eval')")).toEqual(['d1', 'd0']);
    expect(await find("datasets.name NOT IN ('iris', 'iris-eval')")).toEqual(['d1']);
    expect(await find("datasets.digest = 'dd44'")).toEqual(['d2']);
    expect(await find("datasets.context = 'training'")).toEqual(['d1', 'd0']);
    expect(await find("datasets.context = 'eval' and datasets.name = 'iris'")).toEqual(['d0']);
    expect(await find("datasets.name LIKE 'iris%' and attributes.run_name != 'd0'")).toEqual(['d2']);
    expect(await find("dataset.digest IN ('aa11', 'cc33')")).toEqual(['d1', 'd0']);
    for (const bad of ["datasets.size = '1'", 'datasets.name > 3', "datasets.name IS NULL"]) {
      const r = await api(url, 'runs/search', { experiment_ids: ['0'], filter: bad });
      expect(r.status, bad).toBe(400);
      expect(r.json.error_code, bad).toBe('INVALID_PARAMETER_VALUE');
    }
    // MLflow clients see datasets as the run's inputs (not tags), recorded or running alike.
    const inputsOf = async (name: string) => {
      const run = (await api(url, 'runs/search', { experiment_ids: ['0'], filter: `attributes.run_name = '${name}'` })).json.runs![0]! as unknown as { inputs: unknown; data: { tags: { key: string }[] } };
      expect(run.data.tags.filter((t) => t.key.startsWith('dataset.'))).toEqual([]);
      return run.inputs;
    };
    const source = (name: string) => `{"uri": "/data/${name}.csv"}`;
    expect(await inputsOf('d0')).toEqual({
      dataset_inputs: [
        { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'iris', digest: 'aa11', source_type: 'local', source: source('iris') } },
        { tags: [{ key: 'mlflow.data.context', value: 'eval' }], dataset: { name: 'iris-eval', digest: 'bb22', source_type: 'local', source: source('iris-eval') } },
      ],
    });
    expect(await inputsOf('d1')).toEqual({ dataset_inputs: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'wine', digest: 'cc33', source_type: 'local', source: source('wine') } }] });
    expect(await inputsOf('d2')).toEqual({ dataset_inputs: [{ dataset: { name: 'iris', digest: 'dd44', source_type: 'local', source: source('iris') } }] });
    expect(await inputsOf('d3')).toEqual({});
    // On the branch: tags beside the dataset, readable with plain git.
    const d0 = (await api(url, 'runs/search', { experiment_ids: ['0'], filter: "attributes.run_name = 'd0'" })).json.runs![0]!.info.run_id;
    const yaml = git(dir, 'show', `runs:runs/${d0.slice(0, 2)}/${d0}/run.yaml`);
    expect(yaml).toContain('dataset.iris.context: training');
    expect(yaml).toContain('dataset.iris.source_type: local');
    git(dir, 'fsck', '--strict');
  });

  it('answers {} when nothing matches, and follows later tags, renames and deletions', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    const ids = await fourRuns(url);
    const search = (body: Record<string, unknown> = {}) => api(url, 'runs/search', { experiment_ids: ['0'], ...body });
    expect((await search({ filter: "params.model = 'nothing'" })).json).toEqual({});
    // Fill what the server keeps between searches, then change the recorded runs.
    expect(names(await search())).toEqual(['r3', 'r2', 'r1', 'r0']);
    expect((await api(url, 'runs/set-tag', { run_id: ids[0], key: 'reviewed', value: 'yes' })).status).toBe(200);
    expect((await api(url, 'runs/update', { run_id: ids[1], run_name: 'renamed' })).status).toBe(200);
    expect((await api(url, 'runs/delete', { run_id: ids[2] })).status).toBe(200);
    const after = await search();
    expect(names(after)).toEqual(['r3', 'renamed', 'r0']);
    const r0 = after.json.runs!.find((r) => r.info.run_id === ids[0])!;
    expect(r0.data.tags).toContainEqual({ key: 'reviewed', value: 'yes' });
    const all = await search({ run_view_type: 'ALL' });
    expect(all.json.runs!.find((r) => r.info.run_id === ids[2])!.info.lifecycle_stage).toBe('deleted');
    git(dir, 'fsck', '--strict');
  });
});
