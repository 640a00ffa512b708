import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedEnv } from '../../src/env.js';
import { readManifestsForIndex, readManifestsForIndexAsync } from '../../src/query/read-manifests.js';
import { flattenRun } from '../../src/query/run-table.js';
import { parseFilter } from '../../src/query/parse.js';
import { INDEX_FILE, loadQueryIndex } from '../../src/query/query-index.js';
import { queryRuns } from '../../src/query/query-runs.js';
import { parseSort } from '../../src/query/sort.js';
import { matches } from '../../src/query/evaluate.js';
import { manifestAccessor } from '../../src/query/manifest-fields.js';
import { loadRuns } from '../../src/query/load-runs.js';
import { logRun } from '../../src/runs/log-run.js';
import { resolveRun } from '../../src/runs/resolve-run.js';
import { listRunEntries, readRunManifest, runsTip } from '../../src/runs/read-runs.js';
import { openContext } from '../../src/tracker-context.js';
import { makeRuns } from '../helpers/runs.js';
import { git, makeRepo } from '../helpers/repo.js';
import { addRun, manifestText } from '../helpers/hostile.js';

const MODELS = ['xgb', 'rf', 'lr'];

let shared: ReturnType<typeof makeRuns> | undefined;
/** One fixture for the file: the tests run in order, and only the second one adds a run. */
const fixture = () =>
  (shared ??= makeRuns(60, (i) => ({
    name: `run-${i % 10}`,
    experiment: i % 2 ? 'churn' : 'fraud',
    status: i % 7 === 0 ? 'failed' : 'finished',
    params: { model: MODELS[i % 3]!, depth: i % 5, ...(i % 4 === 0 ? { seed: i } : {}), layers: [i % 2, 3] },
    metrics: { f1: (i * 37) % 100 / 100, ...(i % 3 === 0 ? { loss: 1 / (i + 1) } : {}) },
    tags: { team: i % 2 ? 'growth' : 'risk', epoch: String(i % 12) },
    created: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
  })));

describe('query index', () => {
  it('answers filters exactly like evaluating every manifest, in the requested order', async () => {
    const { ctx } = await fixture();
    const all = listRunEntries(ctx, runsTip(ctx)!).map((e) => readRunManifest(ctx, e));
    const filters = [
      "metrics.f1 > 0.5 AND params.model = 'xgb'",
      "params.model IN ('rf', 'lr') OR NOT status = 'finished'",
      'params.seed >= 40',
      "tags.epoch > 9", // numeric string compared as a number
      "name LIKE 'run-1%' AND experiment != 'fraud'",
      "created >= '2026-01-01T00:00:30Z'",
      "created < '2026-01-01T00:00:10Z' OR metrics.loss < 0.02",
      "params.layers = '[1, 3]'",
      'metrics.nosuch > 0 OR NOT metrics.nosuch > 0',
      'code.dirty = false',
      "metrics.loss != 0.5 AND params.depth != 2", // missing loss never matches, even !=
      'tags.epoch = 3 OR tags.epoch >= 11', // numeric strings against numbers
      "params.depth != 'deep' AND params.depth <= 1",
      "NOT (params.model = 'rf' OR experiment = 'churn')",
      'params.layers != true',
      "params.model NOT IN ('rf', 'xgb')", // string lists: set membership, missing never matches
      "tags.epoch IN ('3', '11') OR params.depth IN ('2')", // a number param against a string list
    ];
    for (const f of filters) {
      const expr = parseFilter(f);
      const expected = all.filter((m) => matches(expr, manifestAccessor(m))).map((m) => m.id).sort();
      const { table, rows } = queryRuns(ctx, { filter: expr });
      expect(rows.map((r) => table.id(r)).sort(), f).toEqual(expected);
      expect(expected.length, f).toBeGreaterThan(0);
    }
    const sorted = loadRuns(ctx, { sort: parseSort('-metrics.loss,id'), limit: 5 });
    const withLoss = all.filter((m) => m.metrics.loss !== undefined).sort((a, b) => b.metrics.loss! - a.metrics.loss! || (a.id < b.id ? -1 : 1));
    expect(sorted.map((m) => m.id)).toEqual(withLoss.slice(0, 5).map((m) => m.id));
    // Runs without the key come last whichever the direction.
    const asc = loadRuns(ctx, { sort: parseSort('metrics.loss') });
    expect(asc.at(-1)!.metrics.loss).toBeUndefined();
    expect(asc[0]!.metrics.loss).toBe(Math.min(...withLoss.map((m) => m.metrics.loss!)));
  });

  it('reads manifests through git cat-file --batch, or in-process when git is unusable, to the same values', async () => {
    const { ctx } = await fixture();
    const entries = listRunEntries(ctx, runsTip(ctx)!);
    const collect = (c: typeof ctx) => {
      const out: [string, unknown][] = [];
      readManifestsForIndex(c, entries, (e, m) => out.push([e.id, flattenRun(m)]), { batchThreshold: 1 });
      return out;
    };
    const viaGit = collect(ctx);
    const streamed: [string, unknown][] = [];
    await readManifestsForIndexAsync(ctx, entries, (e, m) => streamed.push([e.id, flattenRun(m)]), { batchThreshold: 1 });
    // Streamed in pack order (git inflates each delta chain once): the same runs, the same values.
    const byId = (rows: [string, unknown][]) => [...rows].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(byId(streamed)).toEqual(byId(viaGit));
    const fallback: [string, unknown][] = [];
    await readManifestsForIndexAsync({ ...ctx, env: { ...ctx.env, gitBinary: '/nonexistent/git' } }, entries, (e, m) => fallback.push([e.id, flattenRun(m)]), { batchThreshold: 1 });
    expect(fallback).toEqual(viaGit);
    const inProcess = collect({ ...ctx, env: { ...ctx.env, gitBinary: '/nonexistent/git' } });
    expect(viaGit).toHaveLength(60);
    expect(viaGit).toEqual(inProcess);
    expect(viaGit).toEqual(entries.map((e) => [e.id, flattenRun(readRunManifest(ctx, e))]));
  });

  it('streaming refuses manifests over the size limit from their header, and reads every run around them', async () => {
    const { dir, ctx } = await makeRuns(20, (i) => ({ params: { i }, metrics: { f1: i / 20 } }));
    const big = (id: string, bytes: number) => `${manifestText({ id }).trimEnd()}\nnote: ${'x'.repeat(bytes)}\n`;
    const limit = 1024 * 1024;
    // Over the limit by one byte, by several of git's pipe pieces, and twice in a row.
    for (const [id, bytes] of [['0aaaaaaaaaaa', limit], ['5bbbbbbbbbbb', 3 * limit], ['5bbbbbbbbbbc', 2 * limit], ['ffffffffffff', limit + 70_000]] as const) {
      addRun(dir, id, { 'run.yaml': { blob: big(id, bytes) } });
    }
    const fresh = openContext({ dir });
    const entries = listRunEntries(fresh, runsTip(fresh)!);
    const skipped: [string, string][] = [];
    const read: [string, unknown][] = [];
    await readManifestsForIndexAsync(fresh, entries, (e, m) => read.push([e.id, flattenRun(m)]), { batchThreshold: 1, onSkip: (e, message) => skipped.push([e.id, message]) });
    expect(skipped.map(([id]) => id).sort()).toEqual(['0aaaaaaaaaaa', '5bbbbbbbbbbb', '5bbbbbbbbbbc', 'ffffffffffff']);
    for (const [, message] of skipped) expect(message).toMatch(/^run [0-9a-f]{12}: run\.yaml is [\d.]+ MB, over the limit of 1\.0 MB$/);
    const byId = (rows: [string, unknown][]) => [...rows].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const good = entries.filter((e) => !skipped.some(([id]) => id === e.id));
    expect(byId(read)).toEqual(byId(good.map((e) => [e.id, flattenRun(readRunManifest(ctx, e))])));
    expect(read).toHaveLength(20);
  });

  it('updates incrementally, rebuilds when corrupt, and resolves names and latest from it', async () => {
    const { dir, ctx, ids } = await fixture();
    const path = join(ctx.repo.stateDir, INDEX_FILE);
    expect(loadQueryIndex(ctx).size).toBe(60);
    const first = readFileSync(path);
    // A new run: the index follows the tip, keeps every old row.
    const fresh = openContext({ dir, env: fixedEnv({ seed: 99, start: new Date('2027-01-01T00:00:00Z') }) });
    const { manifest } = await logRun(fresh, { name: 'run-3', metrics: { f1: 2 }, code: { commit: null, branch: null, dirty: false } });
    const table = loadQueryIndex(ctx);
    expect(table.size).toBe(61);
    expect(table.tip).toBe(runsTip(ctx));
    expect(new Set(Array.from({ length: table.size }, (_, r) => table.id(r)))).toEqual(new Set([...ids, manifest.id]));
    expect(readFileSync(path).length).toBeGreaterThan(first.length);
    expect(resolveRun(ctx, 'latest').manifest.id).toBe(manifest.id);
    expect(resolveRun(ctx, 'run-3').manifest.id).toBe(manifest.id);
    expect(resolveRun(ctx, 'run-4').manifest.id).toBe(ids[54]);
    // Garbage and truncation are rebuilt transparently.
    for (const bad of [Buffer.from('not an index'), readFileSync(path).subarray(0, 200), Buffer.alloc(0)]) {
      writeFileSync(path, bad);
      expect(loadQueryIndex(ctx).size).toBe(61);
      expect(queryRuns(ctx, { filter: parseFilter('metrics.f1 = 2') }).rows.length).toBe(1);
    }
  });

  it('never trusts the index over the branch: a rewound branch drops the runs it lost', async () => {
    const { dir, ctx, ids } = await makeRuns(6, (i) => ({ metrics: { f1: i / 10 } }), { seed: 5 });
    expect(loadQueryIndex(ctx).size).toBe(6);
    git(dir, 'update-ref', 'refs/heads/runs', 'runs~2');
    const fresh = openContext({ dir, env: fixedEnv() });
    const table = loadQueryIndex(fresh);
    expect(table.tip).toBe(runsTip(fresh));
    expect(Array.from({ length: table.size }, (_, r) => table.id(r)).sort()).toEqual(ids.slice(0, 4).sort());
    expect(queryRuns(fresh, { filter: parseFilter('metrics.f1 >= 0.4') }).rows).toEqual([]);
  });

  it('an empty repository has an empty index and no runs', () => {
    const ctx = openContext({ dir: makeRepo(), env: fixedEnv() });
    expect(queryRuns(ctx).rows).toEqual([]);
    expect(existsSync(join(ctx.repo.stateDir, INDEX_FILE))).toBe(true);
  });

  it('orders runs by the instant they were created, whole seconds (written without .000) included', async () => {
    const at = [0, 500, 1000, 1250, 2000].map((ms) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)));
    const { ctx, ids } = await makeRuns(at.length, (i) => ({ name: `t${i}`, metrics: { f1: 0.5 }, created: at[i] }));
    expect(readRunManifest(ctx, listRunEntries(ctx, runsTip(ctx)!).find((e) => e.id === ids[2])!).created).toBe('2026-01-01T00:00:01Z');
    const { table, rows } = queryRuns(ctx);
    expect(rows.map((r) => table.id(r))).toEqual([...ids].reverse());
    const ascending = queryRuns(ctx, { sort: parseSort('created') });
    expect(ascending.rows.map((r) => ascending.table.id(r))).toEqual(ids);
  });
});
