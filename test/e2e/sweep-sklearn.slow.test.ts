/**
 * A real scikit-learn sweep through the built binary: a 3×2 grid of decision trees, two at a
 * time, checked run by run against what each training reported.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'python');
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import sklearn']).status === 0);
if (!python) console.warn('sweep-sklearn.slow.test: skipping: no python3 can import sklearn (apt-get install python3-sklearn)');

interface Manifest {
  id: string;
  name?: string;
  parent?: string;
  status: string;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  artifacts: { path: string; sha256: string | null }[];
}

describe('a scikit-learn sweep', () => {
  it.skipIf(!python)('3×2 grid, -j 2: one child per combination with its params, metrics and model, the best one named', () => {
    const dir = makeRepo({ commit: true });
    copyFileSync(join(FIXTURES, 'sweep_tree.py'), join(dir, 'sweep_tree.py'));
    git(dir, 'add', 'sweep_tree.py');
    git(dir, 'commit', '-qm', 'sweep script');
    const r = cli(dir, 'sweep', '--grid', 'max_depth=1,2,3', '--grid', 'criterion=gini,entropy', '-j', '2', '--metric', 'val_acc', '--experiment', 'iris-trees', '--',
      python!, 'sweep_tree.py', '--max-depth', '{max_depth}', '--criterion', '{criterion}');
    expect(r.code, r.stderr).toBe(0);
    const runs: Manifest[] = JSON.parse(cli(dir, 'list', '--json').stdout);
    expect(runs).toHaveLength(7);
    const parent = runs.find((m) => m.parent === undefined)!;
    expect(parent.params).toEqual({ 'grid.criterion': ['gini', 'entropy'], 'grid.max_depth': [1, 2, 3] });
    expect(parent.status).toBe('finished');
    const children = runs.filter((m) => m.parent === parent.id);
    expect(children).toHaveLength(6);
    for (const depth of [1, 2, 3]) {
      for (const criterion of ['gini', 'entropy']) {
        const c = children.find((m) => m.params.max_depth === depth && m.params.criterion === criterion)!;
        expect(c, `${depth} ${criterion}`).toBeDefined();
        const expected = JSON.parse(readFileSync(join(dir, `expected-${depth}-${criterion}.json`), 'utf8'));
        expect(c).toMatchObject({
          name: `criterion=${criterion},max_depth=${depth}`,
          status: 'finished',
          params: { max_depth: depth, criterion, n_train: 90 },
          metrics: { train_acc: expected.train_acc, val_acc: expected.val_acc },
          tags: { exit_code: '0' },
        });
        expect(c.artifacts).toEqual([expect.objectContaining({ path: 'model.pkl', sha256: expected.model_sha256 })]);
      }
    }
    // A tree of depth 1 cannot separate three classes: the grid really ran different models.
    expect(new Set(children.map((c) => c.metrics.val_acc)).size).toBeGreaterThan(1);
    const top = Math.max(...children.map((c) => c.metrics.val_acc!));
    const best = children.find((c) => c.id === parent.tags['sweep.best'])!;
    expect(best.metrics.val_acc).toBe(top);
    expect(r.stdout).toContain(`best: ${best.id} ${best.name} (val_acc = ${top}, max)`);
    // The best model's bytes come back verified.
    const out = join(dir, 'restored');
    expect(cli(dir, 'get', best.id, '-o', out).code).toBe(0);
    expect(createHash('sha256').update(readFileSync(join(out, 'model.pkl'))).digest('hex')).toBe(best.artifacts[0]!.sha256);
    git(dir, 'fsck', '--strict');
  }, 120_000);
});
