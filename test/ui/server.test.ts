/**
 * `git-track ui`'s JSON API against a repository made with the real binary, over real HTTP.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/repo.js';
import { dashboardRepo, getJson, rawGet, startUi, type RunningUi } from './server-helpers.js';

let repo: ReturnType<typeof dashboardRepo>;
let ui: RunningUi;

beforeAll(async () => {
  repo = dashboardRepo();
  ui = await startUi(repo.dir);
});
afterAll(async () => {
  expect(await ui.stop()).toBe(0);
});

describe('git-track ui: the server', () => {
  it('prints a loopback URL and serves a page at / even without the front end', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(ui.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const info = await getJson(ui, '/api/info');
    expect(info.body).toMatchObject({ export: false, live: true, filter: null });
    expect(info.body.tip).toBe(cli(repo.dir, 'list', '--json').code === 0 ? readRunsTip(repo.dir) : null);
  });

  it('refuses a foreign Host header (DNS rebinding) with 403, on every path', async () => {
    for (const path of ['/api/info', '/', '/api/runs', `/api/artifact/${repo.train}/model.bin`]) {
      const r = await rawGet(ui.port, path, 'evil.example');
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body).error.code).toBe('FORBIDDEN_HOST');
    }
    expect((await rawGet(ui.port, '/api/info', `evil.example:${ui.port}`)).status).toBe(403);
    expect((await rawGet(ui.port, '/api/info', `127.0.0.1:${ui.port + 1}`)).status).toBe(403);
    expect((await rawGet(ui.port, '/api/info', `localhost:${ui.port}`)).status).toBe(200);
    expect((await rawGet(ui.port, '/api/info', `127.0.0.1:${ui.port}`)).status).toBe(200);
  });

  it('is read-only: other methods get 405, a request body 413', async () => {
    const post = await fetch(new URL('/api/runs', ui.url), { method: 'POST', body: '{}' });
    expect([405, 413]).toContain(post.status);
    expect((await fetch(new URL('/api/runs', ui.url), { method: 'DELETE' })).status).toBe(405);
    const long = await fetch(new URL(`/api/runs?filter=${'x'.repeat(40_000)}`, ui.url));
    expect(long.status).toBe(414);
  });

  it('runs: newest first, children under their parent, running marked, total and paging', async () => {
    const { body } = await getJson(ui, '/api/runs?columns=name,metrics.f1');
    expect(body.total).toBe(4);
    expect(body.columns).toEqual(['name', 'metrics.f1']);
    expect(body.rows.map((r: { values: unknown[] }) => r.values[0])).toEqual(['other', 'train', 'child', 'prep']);
    const train = body.rows.find((r: { id: string }) => r.id === repo.train);
    const child = body.rows.find((r: { id: string }) => r.id === repo.child);
    expect(train).toMatchObject({ depth: 0, children: 1, running: false, parent: null });
    expect(child).toMatchObject({ depth: 1, parent: repo.train });
    const page = await getJson(ui, '/api/runs?columns=name&offset=1&limit=2');
    expect(page.body.rows.map((r: { values: unknown[] }) => r.values[0])).toEqual(['train', 'child']);
    expect(page.body).toMatchObject({ total: 4, offset: 1, limit: 2 });
  });

  it('runs: filter, sort, group and "only what differs"', async () => {
    const f = await getJson(ui, `/api/runs?filter=${encodeURIComponent('metrics.f1 > 0.6')}&sort=-metrics.f1&columns=name`);
    expect(f.body.rows.map((r: { values: unknown[] }) => r.values[0])).toEqual(['child', 'train']);
    const g = await getJson(ui, '/api/runs?group=experiment&columns=name,experiment');
    expect(g.body.groups).toEqual([
      { value: 'ads', count: 1, offset: 0 },
      { value: 'churn', count: 3, offset: 1 },
    ]);
    const d = await getJson(ui, '/api/runs?differs=1&columns=name,params.depth,params.lr&filter=params.depth%20%3D%204');
    expect(d.body.columns).toEqual(['name', 'params.lr']);
    expect(d.body.hidden).toEqual(['params.depth']);
  });

  it('runs: a bad filter is a 400 with the column it points at, as `list` prints it', async () => {
    const r = await getJson(ui, `/api/runs?filter=${encodeURIComponent('metrics.f1 >')}`);
    expect(r.status).toBe(400);
    const listed = cli(repo.dir, 'list', '--filter', 'metrics.f1 >');
    expect(r.body.error).toEqual({ code: 'USAGE', message: "filter: expected a value after '>' at column 13", column: 13 });
    expect(listed.stderr).toContain(r.body.error.message);
    const badSort = await getJson(ui, '/api/runs?sort=nosuch.field.x');
    expect(badSort.status).toBe(400);
    expect((await getJson(ui, '/api/runs?limit=100000')).status).toBe(400);
  });

  it('fields lists params, metrics and tags for column pickers', async () => {
    const { body } = await getJson(ui, '/api/fields');
    expect(body.params).toEqual(['depth', 'lr']);
    expect(body.metrics).toEqual(['acc', 'f1', 'loss', 'rows']);
    expect(body.tags).toContain('team');
    expect(body.data).toEqual(['clean.csv']);
    expect(body.attributes).toContain('created');
  });

  it('one run in full: manifest, patch, artifacts, data lineage, series, stages, children', async () => {
    const { status, body } = await getJson(ui, `/api/run/train`);
    expect(status).toBe(200);
    expect(body.run).toMatchObject({ id: repo.train, name: 'train', params: { lr: 0.1, depth: 4 }, metrics: { f1: 0.8 }, tags: { team: 'growth' } });
    expect(body.run.code.dirty).toBe(true);
    expect(body.patch.text).toContain('+print(2)');
    expect(body.artifacts).toEqual([expect.objectContaining({ path: 'model.bin', role: 'model', size: 10, cached: true, download: `/api/artifact/${repo.train}/model.bin` })]);
    expect(body.data[0].producedBy.map((p: { id: string }) => p.id)).toEqual([repo.prep]);
    expect(body.lineage.inputs[0].producers[0].node.id).toBe(repo.prep);
    expect(body.series.map((s: { metric: string }) => s.metric).sort()).toEqual(['acc', 'loss']);
    expect(body.stages).toEqual([expect.objectContaining({ stage: 'production', run: repo.train, reason: 'best so far', current: true })]);
    expect(body.children.map((c: { id: string }) => c.id)).toEqual([repo.child]);
    const prep = await getJson(ui, `/api/run/${repo.prep}`);
    expect(prep.body.usedBy.map((u: { id: string }) => u.id)).toEqual([repo.train]);
    const missing = await getJson(ui, '/api/run/nosuchrun');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('RUN_NOT_FOUND');
  });

  it('artifact download: verified bytes, attachment, 404 for what the run does not list', async () => {
    const res = await fetch(new URL(`/api/artifact/${repo.train}/model.bin`, ui.url));
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.toString()).toBe('weights v1');
    const manifest = JSON.parse(cli(repo.dir, 'show', repo.train, '--json').stdout);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.artifacts[0].sha256);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="model.bin"; filename*=UTF-8''model.bin`);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect((await fetch(new URL(`/api/artifact/${repo.train}/..%2F..%2Fconfig`, ui.url))).status).toBe(404);
    expect((await fetch(new URL(`/api/artifact/${repo.train}/nosuch.bin`, ui.url))).status).toBe(404);
  });

  it('series: lines per run and metric, LTTB to the points asked, full data in a zoomed range', async () => {
    const { body } = await getJson(ui, `/api/series?runs=${repo.train},${repo.other}&metrics=loss&points=50`);
    expect(body.lines).toHaveLength(1);
    const line = body.lines[0];
    expect(line).toMatchObject({ run: repo.train, metric: 'loss', total: 500, inRange: 500, downsampled: true });
    expect(line.x).toHaveLength(50);
    expect(line.x[0]).toBe(0);
    expect(line.x.at(-1)).toBe(499);
    expect(line.y[0]).toBe(1);
    expect(line.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(body.missing).toEqual([{ run: repo.other, metric: 'loss' }]);
    const zoom = await getJson(ui, `/api/series?runs=${repo.train}&metrics=loss&points=50&xmin=100&xmax=120`);
    expect(zoom.body.lines[0]).toMatchObject({ inRange: 21, downsampled: false });
    expect(zoom.body.lines[0].x).toEqual(Array.from({ length: 21 }, (_, i) => 100 + i));
    expect((await getJson(ui, `/api/series?runs=${repo.train}&x=weeks`)).status).toBe(400);
  });

  it('compare: the rows of `git-track compare`, best marked, different-data warning', async () => {
    const { body } = await getJson(ui, `/api/compare?runs=${repo.train},${repo.child}`);
    const expected = JSON.parse(cli(repo.dir, 'compare', repo.train, repo.child, '--format', 'json').stdout);
    expect(body.rows).toEqual(expected.rows);
    expect(body.rows.find((r: { key: string }) => r.key === 'f1').best).toEqual([1]);
    expect(body.dataWarnings).toEqual(['different data: only A read clean.csv']);
  });

  it('values: chosen fields of the filtered runs, columnar', async () => {
    const { body } = await getJson(ui, `/api/values?fields=params.lr,metrics.f1&filter=${encodeURIComponent("experiment = 'churn'")}`);
    expect(body.fields).toEqual(['params.lr', 'metrics.f1']);
    expect(body.ids).toHaveLength(3);
    const at = (id: string) => body.ids.indexOf(id);
    expect(body.values[0][at(repo.child)]).toBe(0.01);
    expect(body.values[1][at(repo.train)]).toBe(0.8);
    expect(body.values[0][at(repo.prep)]).toBeNull();
  });

  it('stages: the current run and the history of each stage', async () => {
    const { body } = await getJson(ui, '/api/stages');
    expect(body.stages).toHaveLength(1);
    expect(body.stages[0]).toMatchObject({ stage: 'production', current: { run: repo.train, reason: 'best so far' } });
    expect(body.stages[0].history).toHaveLength(1);
  });

  it('an unknown API path is a 404 JSON error', async () => {
    const r = await getJson(ui, '/api/nosuch');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('FILE_NOT_FOUND');
  });
});

function readRunsTip(dir: string): string {
  return readFileSync(join(dir, '.git', 'refs', 'heads', 'runs'), 'utf8').trim();
}
