/**
 * The dashboard on a fresh clone (no query index): the server answers at once, the runs table
 * answers from the runs read so far and says so (`indexing`), never claiming a wrong total;
 * answers that need every run wait; the whole index takes over when the build is done.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../src/ui/server/start-server.js';
import { openContext } from '../../src/tracker-context.js';
import { loadQueryIndex } from '../../src/query/query-index.js';
import { startQueryIndexBuild } from '../../src/query/query-index.js';

const N = 600;
const dirs: string[] = [];
const servers: UiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh copy of the benchmarks' fast-import fixture: `n` runs, no query index. */
async function freshClone(n: number): Promise<string> {
  const { fixtureRepo } = (await import('../../bench/fixture.mjs')) as { fixtureRepo: (n: number) => string };
  const dir = fixtureRepo(n);
  dirs.push(dir);
  rmSync(join(dir, '.git', 'git-track'), { recursive: true, force: true });
  return dir;
}

/** A pause for the index build that holds it until `release()`. */
function gate() {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let open = false;
  return { pause: () => (open ? undefined : held), release: () => ((open = true), release()) };
}

async function get(ui: UiServer, path: string): Promise<any> {
  const res = await fetch(new URL(path, ui.url));
  return { status: res.status, ...((await res.json()) as object) };
}

describe('git-track ui on a fresh clone', () => {
  it('answers the table from the runs read so far, says how far, and completes when the index is whole', async () => {
    const dir = await freshClone(N);
    const g = gate();
    const ui = await startUiServer({ ctx: openContext({ dir }), indexPause: g.pause });
    servers.push(ui);
    // Wait until the build holds (it has read the first piece git streamed).
    let first: any;
    for (let i = 0; i < 400; i++) {
      first = await get(ui, '/api/runs?columns=name,created&limit=1000');
      if (first.indexing?.read > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(first.indexing.total).toBe(N);
    expect(first.indexing.read).toBeGreaterThan(0);
    expect(first.indexing.read).toBeLessThan(N);
    // The total is that of the rows answered from, never the branch's count.
    expect(first.total).toBe(first.indexing.read);
    expect(first.rows).toHaveLength(first.total);
    const created = first.rows.map((r: { values: [string, string] }) => r.values[1]);
    expect(created).toEqual([...created].sort().reverse()); // newest first among those read
    // A filter and a sort answer over the same rows, and say so.
    const filtered = await get(ui, `/api/runs?filter=${encodeURIComponent("status = 'failed'")}&sort=-metrics.metric_0&columns=status`);
    expect(filtered.indexing).toEqual(first.indexing);
    expect(filtered.total).toBeLessThan(first.total);
    expect((await get(ui, '/api/fields')).indexing.total).toBe(N);
    expect((await get(ui, '/api/info')).indexing.total).toBe(N);
    // A run page needs the whole index: it waits for it, and the build goes on meanwhile.
    const id = first.rows[0].id as string;
    const runPage = get(ui, `/api/run/${id}`);
    let settled = false;
    void runPage.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    expect(existsSync(join(dir, '.git', 'git-track', 'query-index.bin'))).toBe(false);
    g.release();
    expect((await runPage).run.id).toBe(id);
    const whole = await get(ui, '/api/runs?columns=name&limit=5');
    expect(whole.indexing).toBeUndefined();
    expect(whole.total).toBe(N);
    expect(whole.rows[0].values[0]).toBe(`run-${N - 1}`); // the newest run of all
    expect((await get(ui, '/api/info')).indexing).toBeUndefined();
    // The index the server built is the one `list` reads: saved, and complete.
    expect(existsSync(join(dir, '.git', 'git-track', 'query-index.bin'))).toBe(true);
    expect(loadQueryIndex(openContext({ dir })).size).toBe(N);
  }, 60_000);

  it('an index already up to date is used at once: no indexing state', async () => {
    const dir = await freshClone(N);
    loadQueryIndex(openContext({ dir }));
    const ui = await startUiServer({ ctx: openContext({ dir }) });
    servers.push(ui);
    const answer = await get(ui, '/api/runs?limit=1');
    expect(answer.indexing).toBeUndefined();
    expect(answer.total).toBe(N);
  });

  it('firstRows: that many runs are read in-process while git lists the rest, so rows come before the stream', async () => {
    const dir = await freshClone(800);
    const g = gate(); // holds the stream after its first piece
    const build = startQueryIndexBuild(openContext({ dir }), { pause: g.pause, firstRows: 200 });
    if ('table' in build) throw new Error('expected a cold build');
    for (let i = 0; i < 600 && build.read < 200; i++) await new Promise((r) => setTimeout(r, 25));
    expect(build.read).toBeGreaterThanOrEqual(200);
    expect(build.read).toBeLessThan(800);
    g.release();
    const table = await build.done;
    expect(table.size).toBe(800);
    expect(new Set(Array.from({ length: table.size }, (_, r) => table.id(r))).size).toBe(800);
  }, 60_000);

  it('a background build gives a partial table of exactly the rows read, then the same table loadQueryIndex gives', async () => {
    const dir = await freshClone(N);
    const ctx = openContext({ dir });
    const g = gate();
    const build = startQueryIndexBuild(ctx, { pause: g.pause });
    if ('table' in build) throw new Error('expected a cold build');
    expect(build.total).toBe(N);
    while (build.read === 0) await new Promise((r) => setTimeout(r, 10));
    const part = build.partial();
    expect(part.size).toBe(build.read);
    const ids = Array.from({ length: part.size }, (_, r) => part.id(r));
    expect(new Set(ids).size).toBe(part.size);
    g.release();
    const table = await build.done;
    expect(table.size).toBe(N);
    // The snapshot taken earlier still reads its own rows (views, not disturbed by the build).
    expect(Array.from({ length: part.size }, (_, r) => part.id(r))).toEqual(ids);
    const again = loadQueryIndex(openContext({ dir }));
    expect(again.size).toBe(N);
    expect(again.id(0)).toBe(table.id(0));
  }, 60_000);
});
