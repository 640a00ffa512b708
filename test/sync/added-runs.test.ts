import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedEnv } from '../../src/env.js';
import { openTracker } from '../../src/tracker.js';
import { openContext } from '../../src/tracker-context.js';
import { addedRuns, addedSince } from '../../src/sync/added-runs.js';
import { git, makeRepo, testGitEnv } from '../helpers/repo.js';

const env = () => ({ ...fixedEnv({ seed: 11 }), vars: testGitEnv() as Record<string, string> });

describe('addedRuns', () => {
  it('lists the runs one tip has and another lacks, with the blob of each manifest', async () => {
    const dir = makeRepo({ commit: true });
    const tracker = openTracker({ dir, env: env() });
    const first = await tracker.log({ metrics: { f1: 0.1 }, files: { 'series/loss.tsv': Buffer.from('step\tvalue\n1\t0.5\n') }, series: ['loss'] });
    const base = git(dir, 'rev-parse', 'runs').trim();
    const second = await tracker.log({ metrics: { f1: 0.2 } });
    const third = await tracker.log({ metrics: { f1: 0.3 } });
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const manifestOf = (id: string) => git(dir, 'rev-parse', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`).trim();
    const entry = (id: string) => ({ path: `runs/${id.slice(0, 2)}/${id}`, manifest: manifestOf(id) });
    // Run from a subdirectory of the working tree: paths stay relative to the branch root.
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'x.py'), '');
    const ctx = openContext({ dir: join(dir, 'src'), env: env() });
    const sort = (runs: { path: string }[]) => [...runs].sort((a, b) => a.path.localeCompare(b.path));
    expect(sort(await addedRuns(ctx, tip, null))).toEqual(sort([first, second, third].map((r) => entry(r.manifest.id))));
    expect(sort(await addedRuns(ctx, tip, base))).toEqual(sort([second, third].map((r) => entry(r.manifest.id))));
    expect(await addedRuns(ctx, tip, tip)).toEqual([]);
    expect(await addedRuns(ctx, base, tip)).toEqual([]);
  });
});

describe('addedSince', () => {
  it('agrees with git diff-tree: the runs and the records one tip adds, read in-process against a tip we have', async () => {
    const dir = makeRepo({ commit: true });
    const tracker = openTracker({ dir, env: env() });
    const first = await tracker.log({ metrics: { f1: 0.1 } });
    const base = git(dir, 'rev-parse', 'runs').trim();
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await tracker.log({ metrics: { f1: i / 10 }, files: { 'series/loss.tsv': Buffer.from(`step\tvalue\n1\t0.${i}\n`) }, series: ['loss'] }));
    await tracker.promote(first.manifest.id, 'production', 'best so far');
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const ctx = openContext({ dir, env: env() });
    const sort = (r: { path: string }[]) => [...r].sort((a, b) => a.path.localeCompare(b.path));
    const here = await addedSince(ctx, tip, base);
    expect(sort(here.runs)).toEqual(sort(await addedRuns(ctx, tip, base)));
    expect(here.runs).toHaveLength(5);
    // git's own listing of the added files outside runs/, by top-level directory.
    const files = git(dir, 'diff-tree', '-r', '--name-only', '--diff-filter=A', base, tip).trim().split('\n');
    const records: Record<string, number> = {};
    for (const f of files.filter((f) => !f.startsWith('runs/') && f.includes('/'))) records[f.split('/')[0]!] = (records[f.split('/')[0]!] ?? 0) + 1;
    expect(here.records).toEqual(records);
    expect(Object.keys(records).length).toBeGreaterThan(0);
    // A first push (nothing on the remote) goes through git and says the same of every run.
    expect((await addedSince(ctx, tip, null)).runs).toHaveLength(6);
  });
});
