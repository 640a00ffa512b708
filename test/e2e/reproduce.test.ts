import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, git, makeRepo, repoState, tempDir } from '../helpers/repo.js';

const DETERMINISTIC = `import { readFileSync, writeFileSync } from 'node:fs';
const rows = readFileSync('data.csv', 'utf8').trim().split('\\n').length;
writeFileSync('model.bin', 'model trained on ' + rows + ' rows');
writeFileSync('metrics.json', JSON.stringify({ f1: 0.5 + rows / 100, rows }));
`;

const NOISY = `import { writeFileSync } from 'node:fs';
const f1 = Math.random();
writeFileSync('model.bin', 'weights ' + f1);
writeFileSync('metrics.json', JSON.stringify({ f1, rows: 2 }));
`;

/** A repo whose committed train.mjs writes metrics.json; the run is logged the way a pipeline would. */
function trainedRepo(script: string): { dir: string; id: string } {
  const dir = makeRepo({ commit: true });
  writeFileSync(join(dir, 'data.csv'), 'x,y\n1,2\n3,4\n');
  writeFileSync(join(dir, 'train.mjs'), script);
  // Checkout must write the commit's files exactly, unlike `git archive`.
  writeFileSync(join(dir, '.gitattributes'), 'data.csv export-ignore\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'training script');
  git(dir, 'tag', 'trained');
  const command = [process.execPath, 'train.mjs'];
  execFileSync(process.execPath, ['train.mjs'], { cwd: dir });
  const record = join(tempDir(), 'record.json');
  writeFileSync(record, JSON.stringify({ name: 'train', command }));
  const logged = cli(dir, 'log', '--from', record, '--metrics', 'metrics.json', '-d', 'data.csv', '-a', 'model.bin:model');
  expect(logged.stderr).toBe('');
  return { dir, id: logged.stdout.trim() };
}

describe('git-track checkout', () => {
  it("writes the run's code and artifacts into a directory without touching the working tree", () => {
    const { dir, id } = trainedRepo(DETERMINISTIC);
    writeFileSync(join(dir, 'train.mjs'), '// changed after the run\n');
    const before = repoState(dir);
    const target = join(tempDir(), 'out');
    const r = cli(dir, 'checkout', id, target);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Checked out run ${id}`);
    expect(readFileSync(join(target, 'train.mjs'), 'utf8')).toBe(DETERMINISTIC);
    expect(readFileSync(join(target, 'model.bin'), 'utf8')).toBe('model trained on 3 rows');
    expect(readFileSync(join(target, 'data.csv'), 'utf8')).toBe('x,y\n1,2\n3,4\n');
    expect(repoState(dir)).toBe(before);
    expect(cli(dir, 'checkout', id, target).code).toBe(2); // not empty
  });

  it('checks out the snapshot of uncommitted changes of a dirty run', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'train.py'), 'print("uncommitted")\n');
    const id = cli(dir, 'log', '-m', 'f1=0.5').stdout.trim();
    git(dir, 'checkout', '-q', '--', 'train.py');
    const target = join(tempDir(), 'out');
    expect(cli(dir, 'checkout', id, target).code).toBe(0);
    expect(readFileSync(join(target, 'train.py'), 'utf8')).toBe('print("uncommitted")\n');
    expect(existsSync(join(target, '.git'))).toBe(false);
  });
});

describe('git-track reproduce', () => {
  it('re-runs a deterministic script: every metric matches, the new run links back', () => {
    const { dir, id } = trainedRepo(DETERMINISTIC);
    const before = repoState(dir);
    const r = cli(dir, 'reproduce', id, '--yes');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^REPRODUCED: run ${id} re-run as [0-9a-f]{12}`));
    expect(r.stdout).toMatch(/f1\s+0\.53\s+0\.53\s+0\s+ok/);
    expect(r.stdout).toContain('same bytes  model.bin');
    const newId = /re-run as ([0-9a-f]{12})/.exec(r.stdout)![1]!;
    const again = JSON.parse(cli(dir, 'show', newId, '--json').stdout);
    expect(again.tags).toEqual({ reproduces: id });
    expect(again.code.commit).toBe(git(dir, 'rev-parse', 'trained').trim());
    expect(again.data).toEqual(JSON.parse(cli(dir, 'show', id, '--json').stdout).data);
    expect(repoState(dir)).toBe(before);
  });

  it('reports the difference for a non-deterministic script and exits 1', () => {
    const { dir, id } = trainedRepo(NOISY);
    const r = cli(dir, 'reproduce', id, '--json', '--yes');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.matches).toBe(false);
    const f1 = out.metrics.find((m: { name: string }) => m.name === 'f1');
    expect(f1.matches).toBe(false);
    expect(f1.after).not.toBe(f1.before);
    expect(out.metrics.find((m: { name: string }) => m.name === 'rows')).toMatchObject({ before: 2, after: 2, matches: true });
    expect(out.artifacts).toEqual([expect.objectContaining({ path: 'model.bin', matches: false })]);
    expect(cli(dir, 'reproduce', id, '--yes').stdout).toMatch(/^DIFFERENT: .*\n[\s\S]*f1 .* DIFFERS/);
    // A tolerance wide enough for any random f1 accepts it.
    expect(cli(dir, 'reproduce', id, '--tolerance', '1', '--yes').code).toBe(0);
  });

  it('reproduces a run recorded with `git-track run` whose script reports through $GIT_TRACK_RUN_DIR', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(
      join(dir, 'train.mjs'),
      `import { appendFileSync, writeFileSync } from 'node:fs';
const run = process.env.GIT_TRACK_RUN_DIR;
for (let step = 0; step < 3; step++) appendFileSync(run + '/metrics.jsonl', JSON.stringify({ name: 'loss', step, value: 1 / (step + 1) }) + '\\n');
writeFileSync(run + '/metrics.json', JSON.stringify({ acc: 0.75 }));
`,
    );
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'contract script');
    const recorded = cli(dir, 'run', '--', process.execPath, 'train.mjs');
    expect(recorded.code).toBe(0);
    const original = JSON.parse(cli(dir, 'show', 'latest', '--json').stdout);
    expect(original.metrics).toMatchObject({ acc: 0.75, loss: 1 / 3 });
    const r = cli(dir, 'reproduce', original.id, '--json', '--yes');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.metrics.map((m: { name: string; matches: boolean }) => [m.name, m.matches])).toEqual([
      ['acc', true],
      ['loss', true],
    ]);
    const again = JSON.parse(cli(dir, 'show', out.reproduction, '--json').stdout);
    expect(again.series).toEqual(['loss']);
    expect(again.tags.reproduces).toBe(original.id);
  });

  it('an artifact the reproduction did not write is a difference, even when every metric matches', () => {
    // model.bin is written only in the original work tree (a checkout has no .git).
    const { dir, id } = trainedRepo(DETERMINISTIC.replace("writeFileSync('model.bin'", "if (existsSync('.git')) writeFileSync('model.bin'").replace('import { readFileSync,', 'import { existsSync, readFileSync,'));
    const r = cli(dir, 'reproduce', id, '--json', '--yes');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.verdict).toBe('different');
    expect(out.metrics.every((m: { matches: boolean }) => m.matches)).toBe(true);
    expect(out.artifacts).toEqual([expect.objectContaining({ path: 'model.bin', after: null, outcome: 'missing', matches: false })]);
    const text = cli(dir, 'reproduce', id, '--yes');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^DIFFERENT: /);
    expect(text.stdout).toContain('MISSING     model.bin');
  });

  it('a run with no metric and no artifact bytes has nothing to compare: exit 1, one clear line', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'noop.mjs'), '// trains nothing, reports nothing\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'noop');
    const record = join(tempDir(), 'record.json');
    writeFileSync(record, JSON.stringify({ name: 'noop', command: [process.execPath, 'noop.mjs'], params: { seed: 1 } }));
    const id = cli(dir, 'log', '--from', record).stdout.trim();
    const r = cli(dir, 'reproduce', id, '--yes');
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')[0]).toMatch(new RegExp(`^NOTHING TO COMPARE: run ${id} re-run as [0-9a-f]{12}, but neither run has a metric and the original no artifact with recorded bytes$`));
    expect(JSON.parse(cli(dir, 'reproduce', id, '--json', '--yes').stdout)).toMatchObject({ verdict: 'nothing-to-compare', matches: false });
  });

  it('refuses a run without a recorded command', () => {
    const dir = makeRepo({ commit: true });
    const id = cli(dir, 'log', '-m', 'f1=0.5').stdout.trim();
    const r = cli(dir, 'reproduce', id, '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no recorded command');
  });
});
