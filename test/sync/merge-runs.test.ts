import { describe, expect, it } from 'vitest';
import { fixedEnv } from '../../src/env.js';
import { isGitTrackError } from '../../src/errors.js';
import { readRef } from '../../src/git/refs.js';
import { lookupPath } from '../../src/git/tree-edit.js';
import { RUNS_REF } from '../../src/runs/layout.js';
import { advanceRef, appendToRuns, ensureRunsBranch } from '../../src/runs/runs-branch.js';
import { mergeRuns } from '../../src/sync/merge-runs.js';
import { openContext, type TrackerContext } from '../../src/tracker-context.js';
import { git, makeRepo } from '../helpers/repo.js';

const identity = { name: 'Test Author', email: 'test@example.com' };

function addFile(ctx: TrackerContext, path: string, text: string) {
  return appendToRuns(ctx, {
    edits: () => [{ path, entry: { mode: '100644', oid: ctx.store.write('blob', Buffer.from(text)) } }],
    message: `add ${path}`,
    identity,
  });
}

describe('advanceRef', () => {
  it('rebuilds on the new tip when a logger appends meanwhile: nothing is lost', async () => {
    const ctx = openContext({ dir: makeRepo(), env: fixedEnv() });
    await ensureRunsBranch(ctx, identity);
    let calls = 0;
    const tip = await advanceRef(ctx, identity, async (current) => {
      calls++;
      // First attempt: another writer moves the branch between our read and our swap.
      if (calls === 1) await addFile(ctx, 'runs/aa/aa0000000001/run.yaml', 'concurrent');
      const root = ctx.store.readCommit(current!).tree;
      return { commit: { tree: root, parents: [current!], message: 'merge-like commit' } };
    });
    expect(calls).toBe(2);
    expect(ctx.store.readCommit(tip!).parents[0]).not.toBe(null);
    expect(lookupPath(ctx.store, ctx.store.readCommit(tip!).tree, 'runs/aa/aa0000000001/run.yaml')).not.toBeNull();
    expect(readRef(ctx.repo.commonDir, RUNS_REF)).toBe(tip);
  });
});

describe('mergeRuns', () => {
  it('fast-forwards, merges divergent sides, and is a no-op when contained', async () => {
    const dir = makeRepo();
    const ctx = openContext({ dir, env: fixedEnv() });
    await addFile(ctx, 'runs/aa/aa0000000001/run.yaml', 'a');
    const base = readRef(ctx.repo.commonDir, RUNS_REF)!;
    await addFile(ctx, 'runs/bb/bb0000000001/run.yaml', 'b');
    const theirs = readRef(ctx.repo.commonDir, RUNS_REF)!;
    git(dir, 'update-ref', RUNS_REF, base);
    expect((await mergeRuns(ctx, identity, theirs, 'origin')).outcome).toBe('fast-forward');
    expect(readRef(ctx.repo.commonDir, RUNS_REF)).toBe(theirs);
    expect((await mergeRuns(ctx, identity, base, 'origin')).outcome).toBe('up-to-date');

    git(dir, 'update-ref', RUNS_REF, base);
    await addFile(ctx, 'runs/cc/cc0000000001/run.yaml', 'c');
    const ours = readRef(ctx.repo.commonDir, RUNS_REF)!;
    const merged = await mergeRuns(ctx, identity, theirs, 'origin');
    expect(merged.outcome).toBe('merged');
    const commit = ctx.store.readCommit(merged.tip);
    expect(commit.parents).toEqual([ours, theirs]);
    for (const id of ['aa0000000001', 'bb0000000001', 'cc0000000001']) {
      expect(lookupPath(ctx.store, commit.tree, `runs/${id.slice(0, 2)}/${id}`)).not.toBeNull();
    }
    expect(git(dir, 'fsck', '--strict', '--no-dangling')).toBe('');
  });

  it('refuses a fast-forward that changes a run the local side has (HISTORY_REWRITTEN)', async () => {
    const dir = makeRepo();
    const ctx = openContext({ dir, env: fixedEnv() });
    await addFile(ctx, 'runs/aa/aa0000000001/run.yaml', 'a');
    const ours = readRef(ctx.repo.commonDir, RUNS_REF)!;
    await addFile(ctx, 'runs/aa/aa0000000001/run.yaml', 'rewritten');
    const theirs = readRef(ctx.repo.commonDir, RUNS_REF)!;
    git(dir, 'update-ref', RUNS_REF, ours);
    const err = await mergeRuns(ctx, identity, theirs, 'origin').catch((e: unknown) => e);
    expect(isGitTrackError(err, 'HISTORY_REWRITTEN')).toBe(true);
    expect((err as Error).message).toContain('run aa0000000001');
    expect(readRef(ctx.repo.commonDir, RUNS_REF)).toBe(ours);
  });
});
