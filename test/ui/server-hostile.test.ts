/**
 * The dashboard over bad input: runs that do not read cost a warning in the answer, never the
 * page; a damaged artifact cache sends nothing; thousands of runs page consistently.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addRun, manifestText } from '../helpers/hostile.js';
import { git, makeRepo } from '../helpers/repo.js';
import { loseObject } from '../helpers/missing-objects.js';
import { getJson, logRun, startUi } from './server-helpers.js';

describe('git-track ui: bad runs and scale', () => {
  it('a run that does not read is a warning in the runs answer; the others are listed', async () => {
    const dir = makeRepo({ commit: true });
    const good = logRun(dir, '--name', 'good', '-m', 'f1=0.9');
    addRun(dir, 'cccccccccccc', { 'run.yaml': { blob: 'format: [\n' } });
    addRun(dir, 'dddddddddddd', { 'run.yaml': { link: manifestText({ id: 'dddddddddddd' }) } });
    const ui = await startUi(dir);
    const { status, body } = await getJson(ui, '/api/runs?columns=name');
    expect(status).toBe(200);
    expect(body.rows.map((r: { id: string }) => r.id)).toEqual([good]);
    expect(body.warnings.join('\n')).toContain('cccccccccccc');
    expect(body.warnings.join('\n')).toContain('dddddddddddd');
    // The page after it still answers, and the good run's page is whole.
    expect((await getJson(ui, `/api/run/${good}`)).body.run.name).toBe('good');
    // The bad run's own page is refused with what is wrong, not as a server fault.
    const bad = await getJson(ui, '/api/run/cccccccccccc');
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('INVALID_MANIFEST');
    expect(bad.body.error.message).toContain('cccccccccccc');
    expect(await ui.stop()).toBe(0);
  });

  it("a run whose manifest object is lost: listed with a warning, its page a 404 naming the object, not a 500", async () => {
    const dir = makeRepo({ commit: true });
    const good = logRun(dir, '--name', 'good', '-m', 'f1=0.9');
    const lost = logRun(dir, '--name', 'lost', '-m', 'f1=0.1');
    loseObject(dir, git(dir, 'rev-parse', `runs:runs/${lost.slice(0, 2)}/${lost}/run.yaml`).trim());
    const ui = await startUi(dir);
    const { body } = await getJson(ui, '/api/runs?columns=name');
    expect(body.rows.map((r: { id: string }) => r.id)).toEqual([good]);
    expect(body.warnings.join('\n')).toContain(lost);
    for (const path of [`/api/run/${lost}`, `/api/run/${lost}/output`, `/api/series?runs=${lost}`]) {
      const r = await getJson(ui, path);
      expect(r.status, path).toBe(404);
      expect(r.body.error.code, path).toBe('OBJECT_NOT_FOUND');
      expect(r.body.error.message, path).toContain(lost);
    }
    expect(await ui.stop()).toBe(0);
  });

  it('an artifact whose cached bytes were changed is refused (500 HASH_MISMATCH), no byte sent', async () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'model.bin'), 'the real weights');
    const id = logRun(dir, '--name', 'm', '-a', 'model.bin:model');
    // Damage the cache object in place (same size, other bytes).
    const objects = join(dir, '.git', 'git-track', 'objects', 'sha256');
    const shard = readdirSync(objects)[0]!;
    const file = join(objects, shard, readdirSync(join(objects, shard))[0]!);
    writeFileSync(file, 'the fake weights');
    const ui = await startUi(dir);
    const res = await fetch(new URL(`/api/artifact/${id}/model.bin`, ui.url));
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error.code).toBe('HASH_MISMATCH');
    expect(JSON.stringify(body)).not.toContain('fake');
    expect(await ui.stop()).toBe(0);
  });

  it('pages through 10,000 runs: every run once, in order, with the total', async () => {
    // The benchmarks' fixture: 10,000 runs written with git fast-import (bench/fixture.mjs).
    const { fixtureRepo } = (await import('../../bench/fixture.mjs')) as { fixtureRepo: (n: number) => string };
    const dir = fixtureRepo(10_000);
    try {
      const ui = await startUi(dir);
      // A fresh copy has no query index: the server builds it in the background first.
      for (let i = 0; i < 1200 && (await getJson(ui, '/api/info')).body.indexing; i++) await new Promise((r) => setTimeout(r, 50));
      const names = new Set<string>();
      let last = Infinity;
      for (let offset = 0; offset < 10_000; offset += 1000) {
        const { body } = await getJson(ui, `/api/runs?sort=-metrics.metric_0&columns=name,metrics.metric_0&offset=${offset}&limit=1000`);
        expect(body.total).toBe(10_000);
        for (const r of body.rows as { values: [string, number] }[]) {
          names.add(r.values[0]);
          expect(r.values[1]).toBeLessThanOrEqual(last);
          last = r.values[1];
        }
      }
      expect(names.size).toBe(10_000);
      const far = await getJson(ui, '/api/runs?columns=name&offset=9990&limit=100');
      expect(far.body.rows).toHaveLength(10);
      const filtered = await getJson(ui, `/api/runs?filter=${encodeURIComponent("experiment = 'exp-3' AND status = 'failed'")}&limit=1000&columns=name`);
      const expected = Array.from({ length: 10_000 }, (_, i) => i).filter((i) => i % 10 === 3 && i % 17 === 0).length;
      expect(filtered.body.total).toBe(expected);
      expect(await ui.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
