import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPath, PROGRESS_MIN_BYTES } from '../../src/artifacts/hash.js';
import { fixedEnv } from '../../src/env.js';
import { findRepo } from '../../src/git/repo.js';
import { makeRepo, tempDir } from '../helpers/repo.js';

const SIZE = 80 * 1024 * 1024;

function recordingEnv() {
  const calls: { kind: 'update' | 'done'; label: string; done?: number; total?: number }[] = [];
  const env = fixedEnv();
  env.progress = {
    update: (label, done, total) => calls.push({ kind: 'update', label, done, total }),
    done: (label) => calls.push({ kind: 'done', label }),
  };
  return { env, calls };
}

function checkProgress(calls: ReturnType<typeof recordingEnv>['calls'], label: string, total: number): void {
  const updates = calls.filter((c) => c.kind === 'update');
  expect(updates.length).toBeGreaterThanOrEqual(2);
  expect(updates.every((u) => u.label === label && u.total === total)).toBe(true);
  expect(updates[0]!.done).toBe(0);
  expect(updates.at(-1)!.done).toBe(total);
  const done = updates.map((u) => u.done!);
  expect(done).toEqual([...done].sort((a, b) => a - b));
  expect(calls.at(-1)).toEqual({ kind: 'done', label });
  expect(calls.filter((c) => c.kind === 'done')).toHaveLength(1);
}

describe('hashing large files', () => {
  it('hashes 80 MB of bytes exactly like sha256sum, with progress', async () => {
    expect(SIZE).toBeGreaterThan(PROGRESS_MIN_BYTES);
    const stateDir = findRepo(makeRepo()).stateDir;
    const dir = tempDir();
    const file = join(dir, 'weights.bin');
    writeFileSync(file, randomBytes(SIZE));
    const { env, calls } = recordingEnv();
    const hash = await hashPath(file, { stateDir, env, label: 'weights' });
    expect(hash).toEqual({ kind: 'file', sha256: execFileSync('sha256sum', [file], { encoding: 'utf8' }).slice(0, 64), size: SIZE });
    checkProgress(calls, 'weights', SIZE);
  });

  it('reports progress for a directory whose files add up past the threshold, labelled by path', async () => {
    const stateDir = findRepo(makeRepo()).stateDir;
    const dir = tempDir();
    mkdirSync(join(dir, 'shards'));
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'shards', `part-${i}.bin`), randomBytes(14 * 1024 * 1024));
    const { env, calls } = recordingEnv();
    const hash = await hashPath(dir, { stateDir, env });
    expect(hash.size).toBe(70 * 1024 * 1024);
    checkProgress(calls, dir, 70 * 1024 * 1024);
  });
});
