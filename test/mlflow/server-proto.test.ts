/**
 * `git-track server` against MLflow's service.proto and its 2.22 server handlers, endpoint by
 * endpoint where they were found to differ: artifact listings (nested paths, page_token taken
 * and one page answered, empty lists left out as MLflow's JSON does), metric history whole
 * unless a client asks for pages, get-history-bulk-interval's sampling and bounds, and the
 * HTTP methods each endpoint takes. Plain fetch, following the proto.
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

describe('git-track server: shapes and errors as service.proto', () => {
  it('lists nested artifacts through artifacts/list and the proxy, running and recorded', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    const created = (await api(url, 'runs/create', { experiment_id: '0', start_time: now })).json.run;
    // MLflow's JSON leaves empty lists out: a new run has no metrics or params lists.
    expect([created.data.metrics, created.data.params]).toEqual([undefined, undefined]);
    expect(created.inputs).toEqual({});
    const run = created.info.run_id as string;
    const put = (path: string, body: string) => fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/0/${run}/artifacts/${path}`, { method: 'PUT', body });
    for (const [path, body] of [['model/weights/a.bin', 'AAAA'], ['model/conf.json', '{}'], ['readme.txt', 'hello']] as const) expect((await put(path, body)).status).toBe(200);

    const list = (query: Record<string, string>) => api(url, 'artifacts/list', { run_id: run, ...query }, { method: 'GET' });
    const proxy = async (path: string) => (await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`0/${run}/artifacts${path}`)}`)).json();
    const check = async () => {
      const root = await list({});
      expect(root.json).toEqual({
        root_uri: `mlflow-artifacts:/0/${run}/artifacts`,
        files: [
          { path: 'model', is_dir: true },
          { path: 'readme.txt', is_dir: false, file_size: 5 },
        ],
      });
      const model = [
        { path: 'model/conf.json', is_dir: false, file_size: 2 },
        { path: 'model/weights', is_dir: true },
      ];
      expect((await list({ path: 'model' })).json.files).toEqual(model);
      expect((await list({ path: 'model/' })).json.files).toEqual(model);
      expect((await list({ path: 'model/weights' })).json.files).toEqual([{ path: 'model/weights/a.bin', is_dir: false, file_size: 4 }]);
      // MLflow takes page_token and answers everything in one page, without next_page_token.
      expect((await list({ page_token: 'anything' })).json).toEqual(root.json);
      // Nothing there: MLflow's JSON leaves the empty list out.
      expect((await list({ path: 'nosuch' })).json).toEqual({ root_uri: `mlflow-artifacts:/0/${run}/artifacts` });
      const bad = await list({ path: '../x' });
      expect([bad.status, bad.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      // The proxy lists names relative to the directory listed.
      expect(await proxy('/model')).toEqual({
        files: [
          { path: 'conf.json', is_dir: false, file_size: 2 },
          { path: 'weights', is_dir: true },
        ],
      });
      expect(await proxy('/model/weights')).toEqual({ files: [{ path: 'a.bin', is_dir: false, file_size: 4 }] });
      expect(await proxy('/nosuch')).toEqual({});
      expect(await (await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/0/${run}/artifacts/model/weights/a.bin`)).text()).toBe('AAAA');
    };
    await check();
    expect((await api(url, 'runs/update', { run_id: run, status: 'FINISHED', end_time: now + 1000 })).status).toBe(200);
    await check(); // now from the recorded run's artifact pointers
    expect(git(dir, 'show', `runs:runs/${run.slice(0, 2)}/${run}/run.yaml`)).toContain('path: model/weights/a.bin');
  });

  it('answers a whole metric history unless pages are asked for, and samples bulk intervals as MLflow', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    const runs: string[] = [];
    for (const steps of [26_000, 0]) {
      const created = (await api(url, 'runs/create', { experiment_id: '0', start_time: now })).json.run;
    // MLflow's JSON leaves empty lists out: a new run has no metrics or params lists.
    expect([created.data.metrics, created.data.params]).toEqual([undefined, undefined]);
    expect(created.inputs).toEqual({});
    const run = created.info.run_id as string;
      runs.push(run);
      for (let from = 0; from < steps; from += 1000) {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (from + i + 1), timestamp: now + from + i, step: from + i }));
        expect((await api(url, 'runs/log-batch', { run_id: run, metrics })).status).toBe(200);
      }
    }
    const [big, small] = runs as [string, string];
    await api(url, 'runs/log-batch', { run_id: small, metrics: [3, 7].map((step) => ({ key: 'loss', value: step, timestamp: now, step })) });
    // The Python client asks once, without max_results, and follows no token: all 26,000.
    const all = await api(url, 'metrics/get-history', { run_id: big, metric_key: 'loss' }, { method: 'GET' });
    expect(all.json.metrics).toHaveLength(26_000);
    expect(all.json.next_page_token).toBeUndefined();
    const paged = await api(url, 'metrics/get-history', { run_id: big, metric_key: 'loss', max_results: 25_000 }, { method: 'GET' });
    expect(paged.json.metrics).toHaveLength(25_000);
    const rest = await api(url, 'metrics/get-history', { run_id: big, metric_key: 'loss', max_results: 25_000, page_token: paged.json.next_page_token }, { method: 'GET' });
    expect(rest.json.metrics.map((m: { step: number }) => m.step)).toEqual(Array.from({ length: 1000 }, (_, i) => 25_000 + i));
    expect((await api(url, 'metrics/get-history', { run_id: big, metric_key: 'nosuch' }, { method: 'GET' })).json).toEqual({});

    // Bulk interval: up to 2,500 steps by default, spread as MLflow spreads them, plus every
    // run's first and last step; values in run order then step.
    const bulk = async (query: Record<string, unknown>) => api(url, 'metrics/get-history-bulk-interval', { run_ids: runs, metric_key: 'loss', ...query }, { method: 'GET' });
    const byDefault = (await bulk({})).json.metrics as { run_id: string; step: number }[];
    const bigSteps = byDefault.filter((m) => m.run_id === big).map((m) => m.step);
    expect(bigSteps.length).toBeGreaterThan(2400);
    expect(bigSteps.length).toBeLessThanOrEqual(2504);
    expect(bigSteps.slice(0, 3)).toEqual([0, 3, 7]); // 26,000 steps / 2,500: MLflow's int(i × 10.4), plus the other run's 3 and 7
    expect(bigSteps.at(-1)).toBe(25_999);
    expect(byDefault.filter((m) => m.run_id === small).map((m) => m.step)).toEqual([3, 7]);
    const window = (await bulk({ start_step: 10, end_step: 40, max_results: 5 })).json.metrics as { run_id: string; step: number }[];
    // MLflow's own picks for steps 10..40 of 0..25,999 with 5 wanted: 10 16 22 28, then the end.
    expect(window.map((m) => [m.run_id === big ? 'big' : 'small', m.step])).toEqual([['big', 10], ['big', 16], ['big', 22], ['big', 28], ['big', 40]]);
    for (const [query, message] of [
      [{ max_results: 2501 }, 'max_results must be between 1 and 2500.'],
      [{ max_results: 0 }, 'max_results must be between 1 and 2500.'],
      [{ start_step: 5 }, 'If either start step or end step are specified, both must be specified.'],
      [{ start_step: 9, end_step: 3 }, 'end_step must be greater than start_step. Found start_step=9 and end_step=3.'],
    ] as const) {
      const r = await bulk(query);
      expect([r.status, r.json.error_code, r.json.message]).toEqual([400, 'INVALID_PARAMETER_VALUE', message]);
    }
  }, 60_000);

  it('takes each endpoint only by the methods service.proto gives it (405 otherwise)', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    const created = await fetch(`${url}/api/2.0/mlflow/runs/create?experiment_id=0`);
    expect(created.status).toBe(405);
    expect(created.headers.get('allow')).toBe('POST');
    expect(await created.json()).toMatchObject({ error_code: 'BAD_REQUEST' });
    expect(git(dir, 'for-each-ref', 'refs/heads/runs').trim()).toBe(''); // nothing was written
    expect((await api(url, 'runs/search', { experiment_ids: ['0'] })).json).toEqual({});
    const got = await fetch(`${url}/ajax-api/2.0/mlflow/runs/get`, { method: 'POST', body: '{}' });
    expect([got.status, got.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    // experiments/search is both.
    expect((await fetch(`${url}/api/2.0/mlflow/experiments/search?max_results=5`)).status).toBe(200);
    expect((await api(url, 'experiments/search', { max_results: 5 })).status).toBe(200);
  });
});
