import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixedEnv, type ProgressSink } from '../../src/env.js';
import { openTracker } from '../../src/tracker.js';
import { GitTrackError } from '../../src/errors.js';
import { cloneOf, expectFsckClean, makeBare, makeOrigin, remoteRunIds, runIds } from '../helpers/remotes.js';
import { git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';

type Update = { label: string; done: number; total?: number; unit?: string };

/** A tracker whose git notes its subcommands, to tell a direct pack write from `git push`/`fetch`. */
function trackerIn(dir: string, seed = 1) {
  const updates: Update[] = [];
  const progress: ProgressSink = { update: (label, done, total, unit) => updates.push({ label, done, total, unit }), done: () => {} };
  const log = join(tempDir(), 'git-calls');
  const gitBinary = join(tempDir(), 'git');
  writeFileSync(gitBinary, `#!/bin/sh\nfor a in "$@"; do case "$a" in -*|/*) ;; *) echo "$a" >> "${log}"; break;; esac; done\nexec git "$@"\n`);
  chmodSync(gitBinary, 0o755);
  const tracker = openTracker({ dir, env: { ...fixedEnv({ seed }), vars: testGitEnv() as Record<string, string>, progress, gitBinary } });
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { tracker, updates, calls };
}

function packedObjects(bare: string): string[] {
  const packDir = join(bare, 'objects', 'pack');
  return readdirSync(packDir)
    .filter((n) => n.endsWith('.idx'))
    .flatMap((idx) => git(packDir, 'verify-pack', '-v', idx).split('\n'))
    .filter((line) => /^[0-9a-f]{40} /.test(line))
    .map((line) => line.slice(0, 40));
}

function hook(bare: string, name: string, script: string): void {
  const path = join(bare, 'hooks', name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
}

describe('remotes on this filesystem: packs written straight into the other repository', () => {
  it('push sends only what the remote lacks, as one complete pack; a clone pulls it back', async () => {
    const bare = makeBare();
    const dir = makeOrigin(bare);
    git(dir, 'push', '-q', 'origin', 'main');
    const { tracker, updates, calls } = trackerIn(dir);
    for (let i = 0; i < 3; i++) await tracker.log({ metrics: { f1: i / 10 } });
    const r = await tracker.push({ remote: bare });
    expect(r.runsSent).toBe(3);
    expect(git(bare, 'rev-parse', 'runs')).toBe(git(dir, 'rev-parse', 'runs'));
    expectFsckClean(bare);
    expect(readdirSync(join(bare, 'objects', 'pack')).filter((n) => n.startsWith('tmp_'))).toEqual([]);
    // The code commit the remote already had through main was not sent again.
    const main = git(dir, 'rev-parse', 'main').trim();
    expect(packedObjects(bare).filter((oid) => oid === main)).toHaveLength(0);
    expect(updates.some((u) => u.label === `pushing to ${bare}` && u.unit === 'objects' && u.done === u.total)).toBe(true);
    expect(calls()).toContain('pack-objects');
    expect(calls()).not.toContain('push');

    const clone = cloneOf(bare);
    const puller = trackerIn(clone, 2);
    const pulled = await puller.tracker.pull();
    expect(pulled.runsReceived).toBe(3);
    // The clone has the objects already (git clone fetched every branch): nothing to copy.
    expect(puller.calls()).not.toContain('fetch');
    expect(runIds(clone)).toEqual(runIds(dir));
    expectFsckClean(clone);
  });

  it('a push of a few runs on top of the tip it last saw starts one git process: pack-objects', async () => {
    const bare = makeBare();
    const dir = makeOrigin(bare);
    const { tracker, calls } = trackerIn(dir, 12);
    await tracker.log({ metrics: { f1: 0.1 } });
    await tracker.push();
    for (let i = 0; i < 3; i++) await tracker.log({ metrics: { f1: i / 10 } });
    const before = calls().length;
    const r = await tracker.push();
    expect(r).toMatchObject({ runsSent: 3, attempts: 1, queuedAs: null });
    // Not merge-base (the remote tip is a few commits below ours), not diff-tree (the few trees that differ are read here).
    expect(calls().slice(before)).toEqual(['pack-objects']);
    expect(remoteRunIds(bare)).toEqual(runIds(dir));
    expectFsckClean(bare);
  });

  it('a remote moved on by someone else: the direct push is refused, merged and retried', async () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    git(a, 'push', '-q', 'origin', 'main');
    const b = cloneOf(bare);
    const ta = trackerIn(a, 3).tracker;
    const tb = trackerIn(b, 4).tracker;
    await ta.log({ metrics: { f1: 0.1 } });
    await tb.log({ metrics: { f1: 0.2 } });
    await ta.push();
    const r = await tb.push();
    expect(r.runsMerged).toBe(1);
    expect(r.attempts).toBe(1);
    expect(remoteRunIds(bare)).toEqual([...runIds(a), ...runIds(b)].filter((v, i, all) => all.indexOf(v) === i).sort());
    expect(remoteRunIds(bare)).toHaveLength(2);
    expectFsckClean(bare);
  });

  it('file:// URLs and configured remotes with a relative path go direct too', async () => {
    const bare = makeBare();
    const viaUrl = makeOrigin(pathToFileURL(bare).href);
    const t1 = trackerIn(viaUrl, 5);
    await t1.tracker.log({ metrics: { f1: 0.5 } });
    await t1.tracker.push();
    expect(t1.calls()).toContain('pack-objects');
    expect(t1.calls()).not.toContain('push');

    const viaRelative = makeOrigin(relative(makeRepo(), bare));
    git(viaRelative, 'remote', 'set-url', 'origin', relative(viaRelative, bare));
    const t2 = trackerIn(viaRelative, 6);
    await t2.tracker.log({ metrics: { f1: 0.6 } });
    const r = await t2.tracker.push();
    expect(r.runsMerged).toBe(1);
    expect(t2.calls()).toContain('pack-objects');
    expect(t2.calls()).not.toContain('push');
    expect(t2.calls()).not.toContain('fetch');
    expect(remoteRunIds(bare)).toHaveLength(2);
    expectFsckClean(bare);
  });

  it('pulls from the .git of a working repository by path', async () => {
    const source = makeRepo({ commit: true });
    const t = trackerIn(source, 7).tracker;
    await t.log({ metrics: { f1: 0.7 } });
    await t.log({ metrics: { f1: 0.8 } });
    const dest = makeRepo();
    const r = await trackerIn(dest, 8).tracker.pull({ remote: source });
    expect(r.runsReceived).toBe(2);
    expect(runIds(dest)).toEqual(runIds(source));
    expectFsckClean(dest);
  });

  it("a remote with a receive hook gets a real git push, and the hook's refusal stands", async () => {
    const bare = makeBare();
    const dir = makeOrigin(bare);
    hook(bare, 'pre-receive', `echo seen >> "${join(bare, 'hook-ran')}"; exit 1`);
    const { tracker, calls } = trackerIn(dir, 9);
    await tracker.log({ metrics: { f1: 0.9 } });
    const err = await tracker.push().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GitTrackError);
    expect((err as GitTrackError).code).toBe('GIT_FAILED');
    expect(git(bare, 'for-each-ref', 'refs/heads')).toBe('');
    hook(bare, 'pre-receive', `echo seen >> "${join(bare, 'hook-ran')}"; exit 0`);
    await tracker.push();
    expect(readFileSync(join(bare, 'hook-ran'), 'utf8')).toBe('seen\nseen\n');
    expect(calls()).toContain('push');
    expect(calls()).not.toContain('pack-objects');
    expect(remoteRunIds(bare)).toHaveLength(1);
  });

  it('past gc.autoPackLimit packs, the remote is repacked as after git push', async () => {
    const bare = makeBare();
    git(bare, 'config', 'gc.autoPackLimit', '3');
    git(bare, 'config', 'gc.autoDetach', 'false');
    const dir = makeOrigin(bare);
    const { tracker } = trackerIn(dir, 10);
    const packs = () => readdirSync(join(bare, 'objects', 'pack')).filter((n) => n.endsWith('.pack')).length;
    let most = 0;
    for (let i = 0; i < 6; i++) {
      await tracker.log({ metrics: { f1: i } });
      await tracker.push();
      most = Math.max(most, packs());
    }
    // Six pushes, six packs written; never more than the limit left standing.
    expect(most).toBe(3);
    expect(packs()).toBeLessThanOrEqual(3);
    expect(remoteRunIds(bare)).toHaveLength(6);
    expectFsckClean(bare);
  });
});

describe('nothing missing on the remote', () => {
  it('moves the ref without leaving an empty pack behind', async () => {
    const bare = makeBare();
    const dir = makeOrigin(bare);
    const { tracker } = trackerIn(dir, 12);
    await tracker.log({ metrics: { f1: 0.4 } });
    // The remote gets every object under another name first.
    git(dir, 'push', '-q', bare, 'runs:refs/heads/copy');
    const before = readdirSync(join(bare, 'objects', 'pack')).sort();
    const r = await tracker.push({ remote: bare });
    expect(r.runsSent).toBe(1);
    expect(git(bare, 'rev-parse', 'runs')).toBe(git(dir, 'rev-parse', 'runs'));
    expect(readdirSync(join(bare, 'objects', 'pack')).sort()).toEqual(before);
    expectFsckClean(bare);
  });
});

describe('paths git would split', () => {
  it('a remote whose path holds a colon or a quote is read through a quoted alternate', async () => {
    const bare = join(tempDir('gt-remote-'), 're:mo"te.git');
    git(tempDir(), 'init', '-q', '--bare', bare);
    const dir = makeOrigin(bare);
    const { tracker } = trackerIn(dir, 13);
    await tracker.log({ metrics: { f1: 0.3 } });
    await tracker.push();
    const dest = makeRepo();
    // A git that notes its subcommands: the pull must not fall back to `git fetch`.
    const log = join(tempDir(), 'git-calls');
    const wrapper = join(tempDir(), 'git');
    writeFileSync(wrapper, `#!/bin/sh\necho "$1 $2 $3" >> "${log}"\nexec git "$@"\n`);
    chmodSync(wrapper, 0o755);
    const env = { ...fixedEnv({ seed: 14 }), vars: testGitEnv() as Record<string, string>, gitBinary: wrapper };
    const pulled = await openTracker({ dir: dest, env }).pull({ remote: bare });
    expect(pulled.runsReceived).toBe(1);
    expect(readFileSync(log, 'utf8')).toContain('pack-objects');
    expect(readFileSync(log, 'utf8')).not.toMatch(/^fetch /m);
    expect(runIds(dest)).toEqual(runIds(dir));
    expectFsckClean(dest);
  });
});
