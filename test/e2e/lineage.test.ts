import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, makeRepo } from '../helpers/repo.js';

/** preprocess (raw.csv → clean.csv) → train (clean.csv → model.bin) → eval (model.bin). */
function pipeline(): { dir: string; prep: string; train: string; evalRun: string } {
  const dir = makeRepo({ commit: true });
  writeFileSync(join(dir, 'raw.csv'), 'a,b\n1,2\n3,4\n');
  const run = (...args: string[]) => {
    const r = cli(dir, 'log', ...args);
    expect(r.stderr).toBe('');
    return r.stdout.trim();
  };
  writeFileSync(join(dir, 'clean.csv'), 'a,b\n1,2\n');
  const prep = run('--name', 'preprocess', '-d', 'raw.csv', '-a', 'clean.csv:dataset');
  writeFileSync(join(dir, 'model.bin'), 'weights v1');
  const train = run('--name', 'train', '-d', 'clean.csv', '-a', 'model.bin:model', '-m', 'loss=0.2');
  const evalRun = run('--name', 'eval', '-d', 'model.bin', '-m', 'acc=0.9');
  return { dir, prep, train, evalRun };
}

describe('which and lineage', () => {
  it('which names the run that produced a file and the runs that used it', () => {
    const { dir, train, evalRun } = pipeline();
    const r = cli(dir, 'which', 'model.bin', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.produced_by.map((u: { run: string }) => u.run)).toEqual([train]);
    expect(out.produced_by[0].role).toBe('model');
    expect(out.used_by.map((u: { run: string }) => u.run)).toEqual([evalRun]);
    expect(cli(dir, 'which', 'model.bin').stdout).toMatch(new RegExp(`produced by:\\n  ${train}`));
    writeFileSync(join(dir, 'other.bin'), 'unknown bytes');
    const none = cli(dir, 'which', 'other.bin');
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('produced by: no recorded run');
  });

  it('follows content hashes from eval back through train to preprocess', () => {
    const { dir, prep, train, evalRun } = pipeline();
    const json = cli(dir, 'lineage', 'eval', '--json');
    expect(json.code).toBe(0);
    const tree = JSON.parse(json.stdout);
    expect(tree.id).toBe(evalRun);
    expect(tree.code.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(tree.inputs[0].path).toBe('model.bin');
    const trainNode = tree.inputs[0].producers[0].node;
    expect(trainNode.id).toBe(train);
    expect(trainNode.inputs[0].path).toBe('clean.csv');
    const prepNode = trainNode.inputs[0].producers[0].node;
    expect(prepNode.id).toBe(prep);
    expect(prepNode.inputs[0]).toMatchObject({ path: 'raw.csv', producers: [] });

    const text = cli(dir, 'lineage', evalRun).stdout.split('\n');
    expect(text[0]).toMatch(new RegExp(`^run ${evalRun} eval  \\(code [0-9a-f]{12}`));
    expect(text).toContain(`      run ${train} train  (code ${tree.code.commit.slice(0, 12)})`);
    expect(text.some((l) => l.startsWith(`            run ${prep} preprocess`))).toBe(true);
    expect(text.some((l) => /data raw\.csv .*\(no recorded producer\)/.test(l))).toBe(true);

    const mermaid = cli(dir, 'lineage', evalRun, '--format', 'mermaid').stdout;
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid).toMatch(new RegExp(`run_${train} --> data_[0-9a-f]{16}`));
    expect(mermaid).toMatch(new RegExp(`data_[0-9a-f]{16} --> run_${evalRun}`));
    expect(mermaid).toMatch(new RegExp(`run_${prep} --> data_`));
  });

  it('shows a declared data version (not hashed) as an input without producers', () => {
    const dir = makeRepo({ commit: true });
    const record = join(dir, '..', `record-${Date.now()}.json`);
    writeFileSync(record, JSON.stringify({ data_version: '2026-05-30', metrics: { f1: 0.8 } }));
    const id = cli(dir, 'log', '--from', record).stdout.trim();
    const tree = JSON.parse(cli(dir, 'lineage', id, '--json').stdout);
    expect(tree.inputs).toEqual([{ path: null, sha256: null, label: '2026-05-30', producers: [] }]);
    expect(cli(dir, 'lineage', id).stdout).toContain('not hashed  @2026-05-30');
    expect(cli(dir, 'verify').code).toBe(0);
  });
});
