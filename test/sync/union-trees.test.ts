import { describe, expect, it } from 'vitest';
import { fixedEnv } from '../../src/env.js';
import { editTree, lookupPath } from '../../src/git/tree-edit.js';
import { openContext } from '../../src/tracker-context.js';
import { addedPaths, describePath, isRunDir, lostOrChanged, unionTrees } from '../../src/sync/union-trees.js';
import { makeRepo } from '../helpers/repo.js';

function setup() {
  const ctx = openContext({ dir: makeRepo(), env: fixedEnv() });
  const blob = (text: string) => ctx.store.write('blob', Buffer.from(text));
  const runDir = (id: string, text = `id: ${id}\n`) => editTree(ctx.store, null, [{ path: 'run.yaml', entry: { mode: '100644', oid: blob(text) } }]);
  const tree = (entries: Record<string, string>, runs: Record<string, string> = {}) =>
    editTree(ctx.store, null, [
      ...Object.entries(entries).map(([path, text]) => ({ path, entry: { mode: '100644' as const, oid: blob(text) } })),
      ...Object.entries(runs).map(([id, text]) => ({ path: `runs/${id.slice(0, 2)}/${id}`, entry: { mode: '040000' as const, oid: runDir(id, text) } })),
    ]);
  return { ctx, tree };
}

const A = 'aa0000000001';
const A2 = 'aa0000000002';
const B = 'bb0000000001';

describe('unionTrees', () => {
  it('takes every run of both sides, sharing a shard or not', () => {
    const { ctx, tree } = setup();
    const ours = tree({ 'README.md': 'r' }, { [A]: 'a' });
    const theirs = tree({ 'README.md': 'r' }, { [A2]: 'a2', [B]: 'b' });
    const { tree: merged, conflicts } = unionTrees(ctx.store, ours, theirs);
    expect(conflicts).toEqual([]);
    expect(merged).toBe(tree({ 'README.md': 'r' }, { [A]: 'a', [A2]: 'a2', [B]: 'b' }));
    // Symmetric, and a no-op when one side has nothing new.
    expect(unionTrees(ctx.store, theirs, ours).tree).toBe(merged);
    expect(unionTrees(ctx.store, merged, ours).tree).toBe(merged);
  });

  it('reports a run directory that differs as one conflict, not its files', () => {
    const { ctx, tree } = setup();
    const ours = tree({}, { [A]: 'a', [B]: 'b' });
    const theirs = tree({}, { [A]: 'a changed', [B]: 'b' });
    expect(unionTrees(ctx.store, ours, theirs).conflicts).toEqual([`runs/aa/${A}`]);
  });

  it('unions other root files and dirs by path, identical content required', () => {
    const { ctx, tree } = setup();
    const ours = tree({ 'git-track.yaml': 'f', 'stages/production.yaml': 'x', 'tags/a': '1' });
    const theirs = tree({ 'git-track.yaml': 'f', 'stages/staging.yaml': 'y', 'tags/a': '2' });
    const { tree: merged, conflicts } = unionTrees(ctx.store, ours, theirs);
    expect(conflicts).toEqual(['tags/a']);
    expect(lookupPath(ctx.store, merged, 'stages/staging.yaml')).not.toBeNull();
    expect(lookupPath(ctx.store, merged, 'stages/production.yaml')).not.toBeNull();
  });
});

describe('lostOrChanged / addedPaths', () => {
  it('names runs that vanished or changed, one by one even when a whole shard is gone', () => {
    const { ctx, tree } = setup();
    const before = tree({ 'README.md': 'r' }, { [A]: 'a', [A2]: 'a2', [B]: 'b' });
    const after = tree({ 'README.md': 'r' }, { [A2]: 'changed' });
    expect(lostOrChanged(ctx.store, before, after).sort()).toEqual([`runs/aa/${A}`, `runs/aa/${A2}`, `runs/bb/${B}`]);
    expect(lostOrChanged(ctx.store, before, before)).toEqual([]);
    expect(addedPaths(ctx.store, before, null).filter(isRunDir)).toHaveLength(3);
    expect(addedPaths(ctx.store, before, tree({ 'README.md': 'r' }, { [A]: 'a' }))).toEqual([`runs/aa/${A2}`, `runs/bb/${B}`]);
  });

  it('describes runs by id and other paths quoted', () => {
    expect(describePath(`runs/aa/${A}`)).toBe(`run ${A}`);
    expect(describePath('README.md')).toBe("'README.md'");
  });
});
