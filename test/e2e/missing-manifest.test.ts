/**
 * A run whose own objects are missing from the object store (a lost pack, a prune, a partial
 * clone that cannot fetch): every listing skips that run with one warning naming it and the
 * way out, the commands that need it fail with one line, and once the object is back the run
 * is listed again, although the branch did not change.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BATCH_THRESHOLD } from '../../src/query/read-manifests.js';
import { addRun, manifestText, placeAt, commitOnRef, tipTree } from '../helpers/hostile.js';
import { logRun, makeBare, makeOrigin } from '../helpers/remotes.js';
import { cli, git, makeRepo, tempDir } from '../helpers/repo.js';
import { dropIndex, loseObject, restoreObject } from '../helpers/missing-objects.js';
import { makeRuns } from '../helpers/runs.js';
import { fixedEnv } from '../../src/env.js';
import { openContext } from '../../src/tracker-context.js';
import { loadQueryIndex, startQueryIndexBuild } from '../../src/query/query-index.js';

/** Blob id of a run's manifest on `runs`. */
const manifestBlob = (dir: string, id: string) => git(dir, 'rev-parse', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`).trim();

const lines = (text: string) => text.split('\n').filter(Boolean);
const listedIds = (stdout: string) => (JSON.parse(stdout) as { id: string }[]).map((r) => r.id).sort();

/** Every listing form skips `lost` with exactly one warning naming it and `blob`, and lists `others`. */
function expectSkipped(dir: string, lost: string, blob: string, others: string[]): void {
  const warning = new RegExp(
    `^warning: skipping run ${lost}: its run\\.yaml \\(object ${blob.slice(0, 12)}\\) is missing from this repository; .*\`git-track repair\`, which drops the run$`,
  );
  for (const args of [['list', '--json'], ['list', '--json'], ['list', '--json', '--all'], ['list', '--json', '--filter', 'metrics.f1 >= 0']]) {
    const r = cli(dir, ...args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    expect(listedIds(r.stdout), args.join(' ')).toEqual([...others].sort());
    expect(lines(r.stderr), args.join(' ')).toHaveLength(1);
    expect(lines(r.stderr)[0]).toMatch(warning);
  }
  const table = cli(dir, 'list');
  expect(table.code).toBe(0);
  expect(table.stdout).not.toContain(lost);
  for (const id of others.slice(0, 20)) expect(table.stdout).toContain(id);
  expect(lines(table.stderr)).toHaveLength(1);
  expect(lines(table.stderr)[0]).toMatch(warning);
}

/** show/compare/diff of the run fail with one line naming it; verify reports it. */
function expectCommandsRefuse(dir: string, lost: string, blob: string, other: string): void {
  const line = new RegExp(`^git-track: run ${lost}: its run\\.yaml \\(object ${blob.slice(0, 12)}\\) is missing from this repository; [^\\n]*\\n$`);
  for (const args of [['show', lost], ['show', lost.slice(0, 6)], ['compare', lost, other], ['diff', other, lost]]) {
    const r = cli(dir, ...args);
    expect(r.code, args.join(' ')).toBe(1);
    expect(r.stdout, args.join(' ')).toBe('');
    expect(r.stderr, args.join(' ')).toMatch(line);
  }
  expect(cli(dir, 'show', other).code).toBe(0);
  const verify = cli(dir, 'verify');
  expect(verify.code).toBe(1);
  expect(verify.stdout + verify.stderr).toContain(blob.slice(0, 12));
  expect(verify.stdout + verify.stderr).toContain(lost);
}

describe('a run whose manifest blob is missing', () => {
  it('on a small branch: skipped by every listing with one warning, refused by show, listed again once the blob is back', () => {
    const dir = makeRepo({ commit: true });
    const ids = [1, 2, 3].map((i) => logRun(dir, '-m', `f1=0.${i}`, '--name', `r${i}`));
    const lost = ids[1]!;
    const blob = manifestBlob(dir, lost);
    const bytes = loseObject(dir, blob);
    dropIndex(dir);
    const others = ids.filter((id) => id !== lost);

    expectSkipped(dir, lost, blob, others);
    expectCommandsRefuse(dir, lost, blob, others[0]!);

    // The branch did not change; the blob came back: the next listing reads the run again.
    const tip = git(dir, 'rev-parse', 'runs');
    restoreObject(dir, blob, bytes);
    const r = cli(dir, 'list', '--json');
    expect(r.stderr).toBe('');
    expect(listedIds(r.stdout)).toEqual([...ids].sort());
    expect(git(dir, 'rev-parse', 'runs')).toBe(tip);
    const again = cli(dir, 'list');
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain(lost);
    expect(cli(dir, 'show', lost).code).toBe(0);
    expect(cli(dir, 'verify').code).toBe(0);
  });

  it('on a small branch: `git-track repair` drops the run, after which every listing is clean', () => {
    const dir = makeRepo({ commit: true });
    const ids = [1, 2, 3].map((i) => logRun(dir, '-m', `f1=0.${i}`));
    const lost = ids[1]!;
    loseObject(dir, manifestBlob(dir, lost));
    dropIndex(dir);
    const before = cli(dir, 'list');
    expect(before.code).toBe(0);
    expect(lines(before.stderr)).toEqual([expect.stringMatching(new RegExp(`^warning: skipping run ${lost}: .*\`git-track repair\`, which drops the run$`))]);

    const repair = cli(dir, 'repair');
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain(`lost (their objects are gone): ${lost}`);
    const r = cli(dir, 'list', '--json');
    expect(r.stderr).toBe('');
    expect(listedIds(r.stdout)).toEqual(ids.filter((id) => id !== lost).sort());
    expect(cli(dir, 'verify').code).toBe(0);
    expect(git(dir, 'fsck', '--strict', '--no-dangling').trim()).toBe('');
  });

  it('in a tree made by git mktree naming a blob that does not exist, or a run directory or shard that does not', () => {
    const dir = makeRepo({ commit: true });
    const good = logRun(dir, '-m', 'f1=0.5');
    const absent = (n: string) => n.repeat(40);
    addRun(dir, 'aaaaaaaaaaaa', { 'run.yaml': { mode: '100644', type: 'blob', oid: absent('1') } });
    commitOnRef(dir, 'refs/heads/runs', placeAt(dir, tipTree(dir, 'refs/heads/runs'), ['runs', 'bb', 'bbbbbbbbbbbb'], { mode: '040000', type: 'tree', oid: absent('2') }));
    addRun(dir, 'cccccccccccc', { 'run.yaml': { blob: manifestText({ id: 'cccccccccccc' }) } });
    commitOnRef(dir, 'refs/heads/runs', placeAt(dir, tipTree(dir, 'refs/heads/runs'), ['runs', 'dd'], { mode: '040000', type: 'tree', oid: absent('3') }));
    dropIndex(dir);

    for (const args of [['list', '--json'], ['list', '--json']]) {
      const r = cli(dir, ...args);
      expect(r.code, r.stderr).toBe(0);
      expect(listedIds(r.stdout)).toEqual(['cccccccccccc', good].sort());
      const w = lines(r.stderr).sort();
      expect(w).toHaveLength(3);
      expect(w[0]).toMatch(/^warning: skipping run aaaaaaaaaaaa: its run\.yaml \(object 111111111111\) is missing from this repository; /);
      expect(w[1]).toMatch(/^warning: skipping run bbbbbbbbbbbb: its directory \(object 222222222222\) is missing from this repository; /);
      expect(w[2]).toMatch(/^warning: skipping tree runs\/dd: object 333333333333 is missing from this repository, and the runs under it with it; .*git-track repair/);
    }
    const show = cli(dir, 'show', 'bbbbbbbbbbbb');
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(/^git-track: run bbbbbbbbbbbb: its directory \(object 222222222222\) is missing from this repository; [^\n]*\n$/);
  });

  it('whose run directory or shard tree is missing: skipped with one warning each, listed again once the trees are back', () => {
    const dir = makeRepo({ commit: true });
    const ids: string[] = [];
    // Runs in three different shards (ids are random: log until there are).
    while (new Set(ids.map((id) => id.slice(0, 2))).size < 3) {
      const id = logRun(dir, '-m', 'f1=0.5');
      if (!ids.some((other) => other.slice(0, 2) === id.slice(0, 2))) ids.push(id);
    }
    const [dirLost, shardLost, kept] = ids as [string, string, string];
    const dirTree = git(dir, 'rev-parse', `runs:runs/${dirLost.slice(0, 2)}/${dirLost}`).trim();
    const shardTree = git(dir, 'rev-parse', `runs:runs/${shardLost.slice(0, 2)}`).trim();
    const dirBytes = loseObject(dir, dirTree, 'tree');
    const shardBytes = loseObject(dir, shardTree, 'tree');
    dropIndex(dir);

    for (const args of [['list', '--json'], ['list', '--json']]) {
      const r = cli(dir, ...args);
      expect(r.code, r.stderr).toBe(0);
      expect(listedIds(r.stdout)).toContain(kept);
      expect(listedIds(r.stdout)).not.toContain(dirLost);
      expect(listedIds(r.stdout)).not.toContain(shardLost);
      // Sorted: `skipping run …` before `skipping tree …`.
      expect(lines(r.stderr).sort()).toEqual([
        expect.stringMatching(new RegExp(`^warning: skipping run ${dirLost}: its directory \\(object ${dirTree.slice(0, 12)}\\) is missing from this repository; `)),
        expect.stringMatching(new RegExp(`^warning: skipping tree runs/${shardLost.slice(0, 2)}: object ${shardTree.slice(0, 12)} is missing from this repository, and the runs under it with it; `)),
      ]);
    }

    restoreObject(dir, dirTree, dirBytes, 'tree');
    restoreObject(dir, shardTree, shardBytes, 'tree');
    const r = cli(dir, 'list', '--json');
    expect(r.stderr).toBe('');
    expect(listedIds(r.stdout)).toEqual([...ids].sort());
  });

  it(`on a branch read through git cat-file (over ${BATCH_THRESHOLD} runs): skipped by the CLI, the in-process index and the dashboard's build; back once fetched by its id`, async () => {
    const n = BATCH_THRESHOLD + 50;
    const { dir, ids } = await makeRuns(n, (i) => ({ params: { i }, metrics: { f1: i / n } }));
    const lost = ids[7]!;
    const blob = manifestBlob(dir, lost);
    const whole = join(tempDir('gt-whole-'), 'whole.git');
    git(dir, 'clone', '-q', '--bare', '--no-local', dir, whole);
    loseObject(dir, blob);
    const others = ids.filter((id) => id !== lost);

    // The CLI's listing streams the manifests from git.
    dropIndex(dir);
    expectSkipped(dir, lost, blob, others);
    expectCommandsRefuse(dir, lost, blob, others[0]!);

    // The library's synchronous build reads them in batches; the dashboard's build reads its
    // first rows in-process and streams the rest.
    for (const build of ['sync', 'dashboard'] as const) {
      dropIndex(dir);
      const warnings: string[] = [];
      const ctx = openContext({ dir, env: fixedEnv({ warnings }) });
      let size: number;
      if (build === 'sync') size = loadQueryIndex(ctx).size;
      else {
        const b = startQueryIndexBuild(ctx, { firstRows: 20 });
        size = 'table' in b ? b.table.size : (await b.done).size;
      }
      expect(size, build).toBe(n - 1);
      expect(warnings, build).toEqual([expect.stringMatching(new RegExp(`^skipping run ${lost}: its run\\.yaml \\(object ${blob.slice(0, 12)}\\) is missing`))]);
    }

    // A plain fetch brings nothing (the commits are here); a fetch of the object by its id does.
    git(dir, 'fetch', '-q', whole, 'runs:refs/remotes/whole/runs');
    expect(lines(cli(dir, 'list').stderr)).toHaveLength(1);
    git(dir, 'fetch', '-q', whole, blob);
    const r = cli(dir, 'list', '--json');
    expect(r.stderr).toBe('');
    expect(listedIds(r.stdout)).toEqual([...ids].sort());
  });

  it('in a partial clone whose promisor remote cannot be reached: skipped without a repair hint, read once the remote is back', () => {
    const bare = makeBare();
    git(bare, 'config', 'uploadpack.allowFilter', 'true');
    const origin = makeOrigin(`file://${bare}`);
    git(origin, 'push', '-q', 'origin', 'main');
    const ids = [1, 2, 3].map((i) => logRun(origin, '-m', `f1=0.${i}`));
    expect(cli(origin, 'push').code).toBe(0);
    const dir = join(tempDir('gt-partial-'), 'work');
    git(tempDir(), 'clone', '-q', '--filter=blob:none', '--no-checkout', `file://${bare}`, dir);
    git(dir, 'fetch', '-q', 'origin', 'runs:runs');
    const away = `${bare}.away`;
    renameSync(bare, away);

    for (const args of [['list'], ['list']]) {
      const r = cli(dir, ...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('No run could be read: each was skipped (see the warnings above).\n');
      const w = lines(r.stderr).filter((l) => !l.includes('promisor remotes')); // git's own notice
      expect(w).toHaveLength(3);
      for (const id of ids) {
        expect(w.filter((l) => l.includes(id))).toEqual([
          expect.stringMatching(new RegExp(`^warning: skipping run ${id}: its run\\.yaml \\(object [0-9a-f]{12}\\) is not in this partial clone and could not be fetched from its promisor remote; try again once the remote can be reached$`)),
        ]);
      }
    }
    const show = cli(dir, 'show', ids[0]!);
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(new RegExp(`git-track: run ${ids[0]}: its run\\.yaml \\(object [0-9a-f]{12}\\) is not in this partial clone`));

    renameSync(away, bare);
    const r = cli(dir, 'list', '--json');
    expect(r.code).toBe(0);
    expect(listedIds(r.stdout)).toEqual([...ids].sort());
    expect(r.stderr).not.toContain('skipping');
  });

  it('a context kept open (the dashboard\'s server) lists the run once its blob is back', async () => {
    const { dir, ids } = await makeRuns(3, (i) => ({ metrics: { f1: i / 3 } }));
    const blob = manifestBlob(dir, ids[1]!);
    const bytes = loseObject(dir, blob);
    dropIndex(dir);
    const warnings: string[] = [];
    const ctx = openContext({ dir, env: fixedEnv({ warnings }) });
    expect(loadQueryIndex(ctx).size).toBe(2);
    expect(loadQueryIndex(ctx).size).toBe(2);
    expect(warnings).toHaveLength(1);
    restoreObject(dir, blob, bytes);
    expect(loadQueryIndex(ctx).size).toBe(3);
    expect(warnings).toHaveLength(1);
  });

  it('stays skipped, with its one warning, while its blob is still missing and other runs are logged', () => {
    const dir = makeRepo({ commit: true });
    const ids = [1, 2].map((i) => logRun(dir, '-m', `f1=0.${i}`));
    const lost = ids[0]!;
    loseObject(dir, manifestBlob(dir, lost));
    dropIndex(dir);
    expect(lines(cli(dir, 'list').stderr)).toHaveLength(1);
    const more = logRun(dir, '-m', 'f1=0.9');
    const r = cli(dir, 'list', '--json');
    expect(r.code).toBe(0);
    expect(listedIds(r.stdout)).toEqual([ids[1]!, more].sort());
    expect(lines(r.stderr)).toEqual([expect.stringContaining(`skipping run ${lost}: its run.yaml`)]);
  });
});
