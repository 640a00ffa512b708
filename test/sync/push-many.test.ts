import { createHash } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedEnv } from '../../src/env.js';
import { catFileBatch } from '../../src/git/cat-file-batch.js';
import { openTracker } from '../../src/tracker.js';
import { git, testGitEnv } from '../helpers/repo.js';
import { makeBare, makeOrigin } from '../helpers/remotes.js';

const env = () => ({ ...fixedEnv(), vars: testGitEnv() as Record<string, string> });

describe('pushing many runs at once', () => {
  it('finds the artifacts of 80 new runs through one cat-file batch and uploads every one', async () => {
    const bare = makeBare();
    const dir = makeOrigin(bare);
    const tracker = openTracker({ dir, env: env() });
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const shas: string[] = [];
    for (let i = 0; i < 80; i++) {
      const artifacts = [];
      if (i % 10 === 0) {
        const bytes = `model ${i} — ünïcode\n`;
        writeFileSync(join(dir, `m${i}.bin`), bytes);
        shas.push(createHash('sha256').update(bytes).digest('hex'));
        artifacts.push({ path: `m${i}.bin` });
      }
      await tracker.log({ metrics: { f1: i / 100 }, note: i % 2 ? 'naïve note' : undefined, artifacts, code: { commit: head, branch: 'main', dirty: false } });
    }
    git(dir, 'gc', '-q'); // manifests packed as deltas, the case the batch read is for
    const r = await tracker.push({ remote: bare });
    expect(r.runsSent).toBe(80);
    expect(r.artifacts.uploaded).toBe(8);
    const onRemote = git(bare, 'ls-tree', '-r', '--name-only', 'refs/git-track/artifacts').trim().split('\n');
    expect(onRemote.map((p) => p.replace(/^sha256\/(..)\//, '$1')).sort()).toEqual(shas.sort());
  });

  it('catFileBatch returns bytes exactly (multi-byte text) and null for what is missing', async () => {
    const dir = makeOrigin(makeBare());
    const text = 'ä€😀\n';
    writeFileSync(join(dir, 'u.txt'), text);
    git(dir, 'add', 'u.txt');
    git(dir, 'commit', '-q', '-m', 'u');
    const out = await catFileBatch(dir, env(), ['HEAD:u.txt', 'HEAD:missing.txt', 'HEAD:train.py']);
    expect(out[0]!.toString('utf8')).toBe(text);
    expect(out[1]).toBeNull();
    expect(out[2]!.toString()).toBe('print(1)\n');
  });
});

describe('transfer progress', () => {
  it("relays git's byte counts while pushing and pulling large artifacts", async () => {
    const bare = makeBare();
    // A receive hook makes this a real `git push` (a plain local remote gets a direct pack
    // write, which reports objects: see local-remote.test.ts).
    const hook = join(bare, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\nexit 0\n');
    chmodSync(hook, 0o755);
    const dir = makeOrigin(bare);
    const updates: [string, number][] = [];
    const done: string[] = [];
    const progress = { update: (l: string, d: number) => updates.push([l, d]), done: (l: string) => done.push(l) };
    const tracker = openTracker({ dir, env: { ...env(), progress } });
    const { randomBytes } = await import('node:crypto');
    for (let i = 0; i < 3; i++) writeFileSync(join(dir, `w${i}.bin`), randomBytes(4 * 1024 * 1024));
    await tracker.log({ metrics: { f1: 1 }, artifacts: [0, 1, 2].map((i) => ({ path: `w${i}.bin` })) });
    await tracker.push({ remote: bare });
    const pushing = updates.filter(([l]) => l === `pushing to ${bare}`);
    expect(pushing.length).toBeGreaterThan(0);
    expect(Math.max(...pushing.map(([, d]) => d))).toBeGreaterThan(10 * 1024 * 1024);
    expect(done).toContain(`pushing to ${bare}`);
  });
});
