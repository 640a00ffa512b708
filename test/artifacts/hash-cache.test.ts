import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CACHE_MIN_SIZE, forgetHashCaches, hashCacheStats, RACY_SLACK_MS } from '../../src/artifacts/hash-cache.js';
import { hashPath } from '../../src/artifacts/hash.js';
import { sealJson, unsealJson } from '../../src/cache-seal.js';
import { fixedEnv } from '../../src/env.js';
import { findRepo } from '../../src/git/repo.js';
import { makeRepo, tempDir } from '../helpers/repo.js';

const env = fixedEnv();
const HOUR_AGO = new Date(Date.now() - 3600_000);
const sha256sum = (path: string) => execFileSync('sha256sum', [path], { encoding: 'utf8' }).slice(0, 64);

/** Stats delta of one call. */
async function counted(stateDir: string, path: string) {
  const before = hashCacheStats(stateDir);
  const hash = await hashPath(path, { stateDir, env });
  const after = hashCacheStats(stateDir);
  return { hash, hits: after.hits - before.hits, misses: after.misses - before.misses, stored: after.stored - before.stored };
}

function shardFiles(stateDir: string): string[] {
  const dir = join(stateDir, 'hash-cache');
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
}

// Files old enough to be cacheable: mtime set an hour back, then a wait so that the ctime
// utimes just bumped is older than the racy window too (ctime cannot be set back).
const files: string[] = [];
beforeAll(async () => {
  const dir = tempDir();
  for (let i = 0; i < 4; i++) {
    const file = join(dir, `data-${i}.bin`);
    writeFileSync(file, randomBytes(CACHE_MIN_SIZE * 4));
    utimesSync(file, HOUR_AGO, HOUR_AGO);
    files.push(file);
  }
  await new Promise((r) => setTimeout(r, RACY_SLACK_MS + 200));
}, 10_000);

describe('hash cache', () => {
  it('serves an unchanged file from the cache without reading it', async () => {
    const stateDir = findRepo(makeRepo()).stateDir;
    const file = files[0]!;
    const first = await counted(stateDir, file);
    expect(first).toMatchObject({ hits: 0, misses: 1, stored: 1 });
    expect(first.hash.sha256).toBe(sha256sum(file));
    const second = await counted(stateDir, file);
    expect(second).toMatchObject({ hits: 1, misses: 0, stored: 0, hash: first.hash });

    // Proof the bytes are not read: in a "new process", plant a wrong hash in the shard on
    // disk; with all four stat fields matching, it is what comes back.
    forgetHashCaches();
    const fake = 'f'.repeat(64);
    const [shard] = shardFiles(stateDir);
    const text = readFileSync(shard!, 'utf8');
    expect(text).toContain(first.hash.sha256);
    // Sealed again with a valid checksum: a forged cache, not a damaged one.
    writeFileSync(shard!, sealJson(JSON.parse(JSON.stringify(unsealJson(text)).replace(first.hash.sha256, fake))));
    const third = await counted(stateDir, file);
    expect(third).toMatchObject({ hits: 1, misses: 0 });
    expect(third.hash.sha256).toBe(fake);
  });

  it('re-hashes a file whose bytes changed even with size and mtime restored (ctime differs)', async () => {
    const stateDir = findRepo(makeRepo()).stateDir;
    const file = files[1]!;
    const first = await counted(stateDir, file);
    const before = statSync(file);
    const bytes = readFileSync(file);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(file, bytes);
    utimesSync(file, before.atime, before.mtime);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(file).size).toBe(before.size);
    const second = await counted(stateDir, file);
    expect(second).toMatchObject({ hits: 0, misses: 1, stored: 0 }); // ctime is now recent: racy, not stored
    expect(second.hash.sha256).toBe(sha256sum(file));
    expect(second.hash.sha256).not.toBe(first.hash.sha256);
    expect(readFileSync(shardFiles(stateDir)[0]!, 'utf8')).not.toContain(first.hash.sha256); // stale entry dropped
  });

  it('hashes but does not remember a file modified within the racy window', async () => {
    const stateDir = findRepo(makeRepo()).stateDir;
    const file = join(tempDir(), 'fresh.bin');
    writeFileSync(file, randomBytes(CACHE_MIN_SIZE * 2));
    expect(await counted(stateDir, file)).toMatchObject({ hits: 0, misses: 1, stored: 0 });
    expect(await counted(stateDir, file)).toMatchObject({ hits: 0, misses: 1, stored: 0 });
    expect(shardFiles(stateDir)).toEqual([]);
  });

  it('does not cache files below CACHE_MIN_SIZE', async () => {
    const stateDir = findRepo(makeRepo()).stateDir;
    const file = join(tempDir(), 'small.txt');
    writeFileSync(file, Buffer.alloc(CACHE_MIN_SIZE - 1));
    utimesSync(file, HOUR_AGO, HOUR_AGO);
    expect(await counted(stateDir, file)).toMatchObject({ hits: 0, misses: 0, stored: 0 });
    expect(shardFiles(stateDir)).toEqual([]);
  });

  it('ignores a corrupt cache and rebuilds it', async () => {
    const stateDir = findRepo(makeRepo()).stateDir;
    const file = files[2]!;
    await counted(stateDir, file);
    const [shard] = shardFiles(stateDir);
    writeFileSync(shard!, '{"format": "git-track/hash-cache@1", "entries": {tru');
    forgetHashCaches();
    const again = await counted(stateDir, file);
    expect(again).toMatchObject({ hits: 0, misses: 1, stored: 1 });
    expect(again.hash.sha256).toBe(sha256sum(file));
    expect((unsealJson(readFileSync(shard!, 'utf8')) as { entries: Record<string, string[]> }).entries[file]![4]).toBe(again.hash.sha256);
  });

  it('caches the files of a directory: a second hash of the tree reads nothing', async () => {
    const stateDir = findRepo(makeRepo()).stateDir;
    const dir = join(files[3]!, '..');
    const first = await counted(stateDir, dir);
    expect(first).toMatchObject({ misses: 4, stored: 3 }); // files[1] was rewritten: racy
    forgetHashCaches();
    const second = await counted(stateDir, dir);
    expect(second).toMatchObject({ hits: 3, misses: 1, hash: first.hash });
  });
});
