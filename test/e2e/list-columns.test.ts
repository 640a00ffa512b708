import { describe, expect, it } from 'vitest';
import { cli, cliWith, makeRepo } from '../helpers/repo.js';

/** A 2×2 sweep with six params (one the same everywhere) and five metrics. */
function makeSweep(): string {
  const dir = makeRepo({ commit: true });
  for (const lr of ['0.1', '0.01']) {
    for (const depth of ['4', '8']) {
      const r = cli(dir, 'log', '--name', 'sweep', '-p', `lr=${lr}`, '-p', `depth=${depth}`, '-p', 'seed=1', '-p', `alpha=${depth}`, '-p', `beta=${lr}`, '-p', `gamma=${depth}`,
        '-m', `f1=0.${depth}`, '-m', `acc=0.${depth}`, '-m', `loss=${lr}`, '-m', `zeta=${depth}`, '-m', `auc=0.${depth}`);
      expect(r.code).toBe(0);
    }
  }
  return dir;
}

describe('list: which params and metrics', () => {
  let repo: string | undefined;
  const sweepRepo = (): string => (repo ??= makeSweep());
  it('a table shows every param and metric that differs when there is room, not four of each', () => {
    const dir = sweepRepo();
    const r = cli(dir, 'list');
    expect(r.code).toBe(0);
    const header = r.stdout.split('\n')[0]!.split(/\s+/);
    expect(header).toEqual(['id', 'name', 'created', 'status', 'alpha', 'beta', 'depth', 'gamma', 'lr', 'acc', 'auc', 'f1', 'loss', 'zeta']);
    expect(r.stdout).not.toContain('more: use --columns');
  });

  it('fits the terminal width and names what it left out', () => {
    const dir = sweepRepo();
    const r = cliWith(dir, { COLUMNS: '100' }, 'list');
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(lines.at(-1)).toBe('+2 more: use --columns (params.lr, metrics.zeta)');
    // Params and metrics take turns: narrow as it is, the table keeps metrics.
    const narrow = cliWith(dir, { COLUMNS: '70' }, 'list').stdout.split('\n')[0]!.split(/\s+/);
    expect(narrow.slice(0, 4)).toEqual(['id', 'name', 'created', 'status']);
    expect(narrow).toContain('acc');
    expect(narrow).toContain('alpha');
  });

  it('csv, md and yaml never leave a column out, the same-everywhere ones included', () => {
    const dir = sweepRepo();
    const all = ['id', 'name', 'created', 'status', 'alpha', 'beta', 'depth', 'gamma', 'lr', 'seed', 'acc', 'auc', 'f1', 'loss', 'zeta'];
    const csv = cliWith(dir, { COLUMNS: '60' }, 'list', '--format', 'csv').stdout.trimEnd().split('\n');
    expect(csv[0]!.split(',')).toEqual(all);
    expect(csv).toHaveLength(5);
    const md = cliWith(dir, { COLUMNS: '60' }, 'list', '--format', 'md').stdout.split('\n');
    expect(md[0]).toBe(`| ${all.join(' | ')} |`);
    expect(md.join('\n')).not.toContain('more: use --columns');
    expect(cli(dir, 'list', '--format', 'yaml').stdout).toMatch(/^ {2}seed: 1$/m);
  });
});
