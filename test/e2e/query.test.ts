import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cliWith, git, makeRepo } from '../helpers/repo.js';

function log(dir: string, ...args: string[]): string {
  const r = cli(dir, 'log', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

let dir: string;
let ids: { a: string; b: string; c: string };

beforeAll(() => {
  dir = makeRepo({ commit: true });
  const a = log(dir, '--name', 'base', '-p', 'model=xgb', '-p', 'depth=4', '-m', 'f1=0.8', '-m', 'loss=0.5', '-t', 'team=growth', '-d', 'data.csv');
  writeFileSync(join(dir, 'train.py'), 'print(2)\n');
  git(dir, 'commit', '-qam', 'second');
  writeFileSync(join(dir, 'data.csv'), 'x,y\n1,2\n');
  const b = log(dir, '--name', 'cand', '-p', 'model=rf', '-p', 'depth=8', '-m', 'f1=0.85', '-m', 'loss=0.6', '-t', 'team=risk', '-d', 'data.csv');
  const c = log(dir, '--name', 'third', '-p', 'model=rf', '-p', 'depth=12', '-m', 'f1=0.7', '--status', 'failed');
  ids = { a, b, c };
});

describe('git-track list --filter/--sort/--columns/--format', () => {
  it('filters and sorts through the index, in every format', () => {
    const args = ['list', '--filter', "params.model = 'rf' OR metrics.f1 >= 0.8", '--sort', '-metrics.f1', '--columns', 'id,name,params.depth,metrics.f1'];
    const table = cli(dir, ...args);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+name\s+params\.depth\s+metrics\.f1$/);
    expect(table.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['cand', 'base', 'third']);
    const json = JSON.parse(cli(dir, ...args, '--format', 'json').stdout);
    expect(json).toEqual([
      { id: ids.b, name: 'cand', 'params.depth': 8, 'metrics.f1': 0.85 },
      { id: ids.a, name: 'base', 'params.depth': 4, 'metrics.f1': 0.8 },
      { id: ids.c, name: 'third', 'params.depth': 12, 'metrics.f1': 0.7 },
    ]);
    expect(YAML.parse(cli(dir, ...args, '--format', 'yaml').stdout)).toEqual(json);
    expect(cli(dir, ...args, '--format', 'csv').stdout).toBe(`id,name,params.depth,metrics.f1\n${ids.b},cand,8,0.85\n${ids.a},base,4,0.8\n${ids.c},third,12,0.7\n`);
    const md = cli(dir, ...args, '--format', 'md', '--limit', '1').stdout.trim().split('\n');
    expect(md).toEqual(['| id | name | params.depth | metrics.f1 |', '| --- | --- | ---: | ---: |', `| ${ids.b} | cand | 8 | 0.85 |`]);
    // --json keeps its shape: whole manifests.
    const manifests = JSON.parse(cli(dir, 'list', '--json', '--filter', "status = 'failed'").stdout);
    expect(manifests.map((m: { id: string }) => m.id)).toEqual([ids.c]);
    expect(manifests[0].format).toBe('git-track/run@1');
    expect(cli(dir, 'list', '--filter', "tags.team LIKE 'gr%' AND data.data.csv LIKE '%'", '--columns', 'name').stdout.trim()).toBe('name\nbase');
  });

  it('sees tags added later with git-track tag', () => {
    expect(cli(dir, 'tag', 'third', 'stage=gold', 'team=ops').code).toBe(0);
    expect(cli(dir, 'list', '--filter', "tags.stage = 'gold' AND tags.team = 'ops'", '--columns', 'name,tags.team').stdout).toBe('name   tags.team\nthird  ops\n');
    expect(JSON.parse(cli(dir, 'list', '--json', '--filter', "name = 'third'").stdout)[0].tags).toEqual({ stage: 'gold', team: 'ops' });
  });

  it('a bad filter, sort or column is one line pointing at the problem, exit 2', () => {
    expect(cli(dir, 'list', '--filter', 'metrics.f1 > ')).toMatchObject({ code: 2, stdout: '', stderr: "git-track: filter: expected a value after '>' at column 14\n" });
    expect(cli(dir, 'list', '--filter', "nosuch = 1").stderr).toContain("unknown field 'nosuch'");
    expect(cli(dir, 'list', '--sort', 'f1')).toMatchObject({ code: 2 });
    expect(cli(dir, 'list', '--columns', 'id,,name')).toMatchObject({ code: 2 });
    expect(cli(dir, 'list', '--format', 'xml').code).toBe(2);
  });
});

describe('git-track diff', () => {
  it('text: params, metrics with better side, a loud data warning, code stat; plain when piped', () => {
    const r = cli(dir, 'diff', 'base', 'cand');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toContain(`A: ${ids.a} (base)`);
    expect(r.stdout).toMatch(/WARNING: different data: data\.csv has sha256 [0-9a-f]{12}… in A and [0-9a-f]{12}… in B/);
    expect(r.stdout).toMatch(/~ model\s+xgb\s+rf/);
    expect(r.stdout).toMatch(/~ f1\s+0\.8\s+0\.85\s+\+0\.05 \(\+6\.25%\)\s+B \(/);
    expect(r.stdout).toMatch(/~ loss\s+0\.5\s+0\.6\s+\+0\.1 \(\+20%\)\s+A \(/);
    expect(r.stdout).toMatch(/train\.py \| 2 \+-/); // B ran on a dirty tree: its snapshot has data.csv too
    expect(r.stdout).toMatch(/data\.csv \| 1 \+/);
  });

  it('md for a pull request, json for scripts, --manifest for the YAML diff, direction flags', () => {
    const md = cli(dir, 'diff', ids.a, ids.b, '--format', 'md', '--lower-is-better', 'f1');
    expect(md.code).toBe(0);
    expect(md.stderr).toContain('warning: different data: data.csv');
    expect(md.stdout).toContain('| metric | A | B | Δ | better |');
    expect(md.stdout).toContain('| f1 | 0.8 | 0.85 | +0.05 (+6.25%) | **A** |');
    expect(md.stdout).toContain('> [!WARNING]');
    const json = JSON.parse(cli(dir, 'diff', 'base', 'cand', '--format', 'json').stdout);
    expect(json.diff.metrics.find((m: { key: string }) => m.key === 'f1')).toMatchObject({ a: 0.8, b: 0.85, better: 'b', direction: 'higher' });
    expect(json.diff.warnings).toHaveLength(1);
    expect(json.codeStat).toContain('train.py');
    const patch = cli(dir, 'diff', 'base', 'cand', '--manifest').stdout;
    expect(patch).toContain(`--- runs/${ids.a.slice(0, 2)}/${ids.a}/run.yaml`);
    expect(patch).toMatch(/^-  model: xgb$/m);
    expect(patch).toMatch(/^\+  model: rf$/m);
    expect(cli(dir, 'diff', 'base', 'nosuch')).toMatchObject({ code: 1 });
    expect(cli(dir, 'diff', 'base', 'cand', '--higher-is-better', 'f1', '--lower-is-better', 'f1').code).toBe(2);
  });

  it('colours on a terminal only (NO_COLOR respected by the piped output too)', () => {
    expect(cliWith(dir, { NO_COLOR: '1' }, 'diff', 'base', 'cand').stdout).not.toContain('\x1b[');
  });
});

describe('git-track compare', () => {
  it('runs as columns, differing rows, best marked, in text/md/json/csv', () => {
    const text = cli(dir, 'compare', 'base', 'cand', 'third');
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`${ids.a.slice(0, 7)} base\\s+${ids.b.slice(0, 7)} cand\\s+${ids.c.slice(0, 7)} third`));
    expect(text.stdout).toMatch(/metrics\.f1 ↑\s+0\.8\s+0\.85\*\s+0\.7/);
    expect(text.stdout).toMatch(/metrics\.loss ↓\s+0\.5\*\s+0\.6/);
    const md = cli(dir, 'compare', '--filter', "params.model = 'rf'", '--format', 'md').stdout;
    expect(md).toContain('| metrics.f1 ↑ | 0.7 | **0.85** |'); // newest first
    const json = JSON.parse(cli(dir, 'compare', 'base', 'cand', '--format', 'json', '--all').stdout);
    expect(json.runs.map((r: { id: string }) => r.id)).toEqual([ids.a, ids.b]);
    expect(json.rows.find((r: { key: string }) => r.key === 'f1').best).toEqual([1]);
    expect(cli(dir, 'compare', 'base', 'cand', '--format', 'csv').stdout).toContain(`field,${ids.a},${ids.b}\nparams.depth,4,8\n`);
    expect(cli(dir, 'compare')).toMatchObject({ code: 2 });
  });
});

describe('git-track log --series and metrics', () => {
  it('stores series beside the manifest and shows them with sparklines', () => {
    const d = makeRepo({ commit: true });
    writeFileSync(join(d, 'train.csv'), 'step,loss,acc\n1,0.9,0.5\n2,0.6,0.7\n3,0.4,0.8\n4,0.45,0.82\n');
    writeFileSync(join(d, 'lr.jsonl'), '{"metric":"lr","step":1,"value":0.1,"timestamp":"2026-01-01T00:00:00Z"}\n{"metric":"lr","step":2,"value":0.05}\n');
    const id = log(d, '--series', 'train.csv', '--series', 'lr.jsonl', '-m', 'acc=0.9');
    const yaml = git(d, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
    expect(yaml).toContain('series: [acc, loss, lr]');
    expect(YAML.parse(yaml).metrics).toEqual({ acc: 0.9, loss: 0.45, lr: 0.05 });
    expect(git(d, 'show', `runs:runs/${id.slice(0, 2)}/${id}/series/lr.tsv`)).toBe('step\tvalue\ttimestamp\n1\t0.1\t2026-01-01T00:00:00.000Z\n2\t0.05\t\n');
    const all = cli(d, 'metrics', id);
    expect(all.stdout).toMatch(/^loss\s+4\s+0\.45\s+0\.4\s+0\.9\s+0\.4 @ 3\s+█▄▁▁$/m);
    const one = cli(d, 'metrics', 'latest', 'lr');
    expect(one.stdout).toMatch(/^\s+1\s+0\.1\s+2026-01-01T00:00:00\.000Z$/m);
    const json = JSON.parse(cli(d, 'metrics', id, 'loss', '--json').stdout);
    expect(json.series.loss.summary).toEqual({ points: 4, last: 0.45, min: 0.4, max: 0.9, direction: 'lower', best: 0.4, bestStep: 3 });
    expect(cli(d, 'metrics', id, 'nope')).toMatchObject({ code: 1, stderr: `git-track: run ${id} has no series 'nope' (it has: acc, loss, lr)\n` });
  });

  it('refuses a bad series line with file and line, writing nothing', () => {
    const d = makeRepo({ commit: true });
    writeFileSync(join(d, 'bad.csv'), 'step,loss\n1,0.5\n2,NaN\n');
    const r = cli(d, 'log', '--series', 'bad.csv');
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: "git-track: bad.csv:3: metric 'loss' has a non-finite value 'NaN' (only finite numbers are stored)\n" });
    expect(cli(d, 'list').stdout).toContain('No runs yet');
    expect(() => git(d, 'rev-parse', '--verify', '-q', 'runs')).toThrow();
  });
});
