import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_MIN_SIZE, forgetHashCaches, hashCacheStats, RACY_SLACK_MS } from '../../src/artifacts/hash-cache.js';
import { hashPath } from '../../src/artifacts/hash.js';
import { fixedEnv } from '../../src/env.js';
import { findRepo } from '../../src/git/repo.js';
import { makeRepo, tempDir } from '../helpers/repo.js';

describe('a damaged hash cache is re-hashed, never trusted', () => {
  it('flipping any byte of a shard never gives a wrong hash', async () => {
    const env = fixedEnv();
    const { stateDir } = findRepo(makeRepo());
    const file = join(tempDir(), 'data.bin');
    writeFileSync(file, randomBytes(CACHE_MIN_SIZE * 2));
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(file, hourAgo, hourAgo);
    await new Promise((r) => setTimeout(r, RACY_SLACK_MS + 100));
    const want = execFileSync('sha256sum', [file], { encoding: 'utf8' }).slice(0, 64);
    expect((await hashPath(file, { stateDir, env })).sha256).toBe(want);
    const shardDir = join(stateDir, 'hash-cache');
    const [name] = readdirSync(shardDir);
    const shard = join(shardDir, name!);
    const good = readFileSync(shard);
    forgetHashCaches();
    const before = hashCacheStats(stateDir).hits;
    expect((await hashPath(file, { stateDir, env })).sha256).toBe(want);
    expect(hashCacheStats(stateDir).hits).toBe(before + 1); // the sealed shard is used
    for (let at = 0; at < good.length; at++) {
      const bad = Buffer.from(good);
      bad[at] ^= 1 << (at % 8);
      writeFileSync(shard, bad);
      forgetHashCaches();
      expect((await hashPath(file, { stateDir, env })).sha256, `byte ${at}`).toBe(want);
    }
  });
});
