import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';

function logRun(dir: string, ...args: string[]): string {
  const r = cli(dir, 'log', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe('git-track show', () => {
  it('resolves ids, prefixes, names, latest and run commits', () => {
    const dir = makeRepo({ commit: true });
    const a = logRun(dir, '--name', 'alpha', '-m', 'f1=0.1');
    const b = logRun(dir, '--name', 'beta', '-m', 'f1=0.2');
    const b2 = logRun(dir, '--name', 'beta', '-m', 'f1=0.3');
    expect(cli(dir, 'show', a).stdout).toContain(`id: ${a}`);
    expect(cli(dir, 'show', a.slice(0, 6)).stdout).toContain(`id: ${a}`);
    expect(cli(dir, 'show', 'alpha').stdout).toContain(`id: ${a}`);
    expect(cli(dir, 'show', 'beta').stdout).toContain(`id: ${b2}`);
    expect(cli(dir, 'show', 'latest').stdout).toContain(`id: ${b2}`);
    const commitOfB = git(dir, 'rev-parse', 'runs~1').trim();
    expect(cli(dir, 'show', commitOfB.slice(0, 10)).stdout).toContain(`id: ${b}`);
    const json = JSON.parse(cli(dir, 'show', a, '--json').stdout);
    expect(json.metrics).toEqual({ f1: 0.1 });
  });

  it('prints exactly the YAML stored on the branch', () => {
    const dir = makeRepo({ commit: true });
    const id = logRun(dir, '-p', 'name="007"', '-p', 'count=007', '-m', 'f1=0.1');
    const stored = git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
    expect(cli(dir, 'show', id).stdout).toBe(stored);
    expect(stored).toMatch(/^  name: "007"$/m);
    expect(stored).toMatch(/^  count: 7$/m);
  });

  it('an unknown run is one clear line and exit 1', () => {
    const dir = makeRepo({ commit: true });
    logRun(dir, '-m', 'f1=0.1');
    const r = cli(dir, 'show', 'nosuchrun');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("git-track: no run matches 'nosuchrun' (not an id, id prefix, name or run commit)");
  });
});

describe('git-track list', () => {
  it('shows runs newest first with the params and metrics that differ', () => {
    const dir = makeRepo({ commit: true });
    const a = logRun(dir, '--name', 'first', '-p', 'depth=4', '-p', 'seed=1', '-m', 'f1=0.7');
    const b = logRun(dir, '--name', 'second', '-p', 'depth=8', '-p', 'seed=1', '-m', 'f1=0.8');
    const r = cli(dir, 'ls');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+name\s+created\s+status\s+depth\s+f1$/);
    expect(lines[1]).toContain(b);
    expect(lines[2]).toContain(a);
    expect(r.stdout).not.toContain('seed');
    const json = JSON.parse(cli(dir, 'list', '--json', '--limit', '1').stdout);
    expect(json.map((m: { id: string }) => m.id)).toEqual([b]);
  });

  it('says how to start when there are no runs', () => {
    const dir = makeRepo({ commit: true });
    const r = cli(dir, 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No runs yet/);
  });
});
