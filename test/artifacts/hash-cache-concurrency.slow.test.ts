import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import { expect, it } from 'vitest';
import { CACHE_MIN_SIZE, forgetHashCaches, RACY_SLACK_MS } from '../../src/artifacts/hash-cache.js';
import { hashPath } from '../../src/artifacts/hash.js';
import { fixedEnv } from '../../src/env.js';
import { findRepo } from '../../src/git/repo.js';
import { makeRepo, tempDir } from '../helpers/repo.js';
import { unsealJson } from '../../src/cache-seal.js';

const PROCESSES = 6;
const FILES = 40;

it('keeps every shard valid while processes write the cache concurrently', async () => {
  const work = tempDir();
  const stateDir = findRepo(makeRepo()).stateDir;
  const old = new Date(Date.now() - 3600_000);
  const files = Array.from({ length: FILES }, (_, i) => join(work, `f${i}.bin`));
  for (const file of files) {
    writeFileSync(file, randomBytes(CACHE_MIN_SIZE));
    utimesSync(file, old, old);
  }
  // A real child process needs JavaScript: bundle the module under test.
  const script = join(work, 'child.mjs');
  writeFileSync(
    join(work, 'entry.ts'),
    `import { hashPath } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/artifacts/hash.ts'))};
     import { defaultEnv } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/env.ts'))};
     const [stateDir, ...files] = process.argv.slice(2);
     for (const f of files) await hashPath(f, { stateDir, env: defaultEnv() });`,
  );
  buildSync({ entryPoints: [join(work, 'entry.ts')], bundle: true, platform: 'node', format: 'esm', outfile: script, logLevel: 'error' });
  await new Promise((r) => setTimeout(r, RACY_SLACK_MS + 200)); // ctimes out of the racy window

  const run = promisify(execFile);
  await Promise.all(
    Array.from({ length: PROCESSES }, (_, p) => run(process.execPath, [script, stateDir, ...files.slice(p).concat(files.slice(0, p))])),
  );

  const shardDir = join(stateDir, 'hash-cache');
  const names = readdirSync(shardDir);
  expect(names.filter((n) => !/^[0-9a-f]{2}\.json$/.test(n))).toEqual([]); // no temp files left
  const truth = new Map(files.map((f) => [f, execFileSync('sha256sum', [f], { encoding: 'utf8' }).slice(0, 64)]));
  let entries = 0;
  for (const name of names) {
    // Every shard a writer left is whole: its checksum holds.
    const shard = unsealJson(readFileSync(join(shardDir, name), 'utf8')) as { entries: Record<string, unknown[]> } | undefined;
    expect(shard, name).toBeDefined();
    if (!shard) continue;
    for (const [path, entry] of Object.entries(shard.entries)) {
      expect(entry[4]).toBe(truth.get(path));
      entries++;
    }
  }
  expect(entries).toBeGreaterThan(0);
  forgetHashCaches();
  for (const file of files) expect((await hashPath(file, { stateDir, env: fixedEnv() })).sha256).toBe(truth.get(file));
}, 60_000);
