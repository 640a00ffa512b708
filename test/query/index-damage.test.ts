import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedEnv } from '../../src/env.js';
import { parseFilter } from '../../src/query/parse.js';
import { INDEX_FILE, loadQueryIndex } from '../../src/query/query-index.js';
import { queryRuns } from '../../src/query/query-runs.js';
import { parseSort } from '../../src/query/sort.js';
import { openContext } from '../../src/tracker-context.js';
import { sealJson, unsealJson } from '../../src/cache-seal.js';
import { makeRuns } from '../helpers/runs.js';
import { cli } from '../helpers/repo.js';
import { rng } from '../manifest/random.js';

describe('a damaged query index is rebuilt, never read as data', () => {
  it('flipping one byte at any of 400 offsets never changes what a query answers', async () => {
    const { dir, ctx } = await makeRuns(8, (i) => ({
      name: `run-${i}`,
      params: { model: ['xgb', 'rf'][i % 2]!, depth: i },
      metrics: { f1: i / 16, loss: 0.5 },
      tags: { team: i % 3 ? 'growth' : 'risk' },
    }));
    const path = join(ctx.repo.stateDir, INDEX_FILE);
    loadQueryIndex(ctx);
    const good = readFileSync(path);
    const query = () => {
      const fresh = openContext({ dir, env: fixedEnv() });
      const { rows } = queryRuns(fresh, { filter: parseFilter("metrics.loss = 0.5 AND params.model LIKE '%'"), sort: parseSort('-metrics.f1') });
      return JSON.stringify(rows);
    };
    const want = query();
    expect(JSON.parse(want)).toHaveLength(8);
    const r = rng(4);
    // Every byte of the first 256 (magic, header), then random ones through the body and trailer.
    const offsets = [...Array.from({ length: Math.min(256, good.length) }, (_, i) => i), ...Array.from({ length: 144 }, () => Math.floor(r() * good.length))];
    offsets.push(good.length - 1, good.length - 5);
    for (const at of offsets) {
      const bad = Buffer.from(good);
      bad[at] ^= 1 << Math.floor(r() * 8);
      writeFileSync(path, bad);
      expect(query(), `byte ${at} of ${good.length}`).toBe(want);
    }
    // Through the binary too: same table, exit 0.
    const listed = cli(dir, 'list', '--format', 'json', '--columns', 'id,metrics.f1,metrics.loss');
    const bad = Buffer.from(good);
    bad[good.length >> 1] ^= 0x40;
    writeFileSync(path, bad);
    expect(cli(dir, 'list', '--format', 'json', '--columns', 'id,metrics.f1,metrics.loss')).toEqual(listed);
  });
});

describe('sealed JSON caches', () => {
  it('give back what was sealed, and nothing once any byte changed', () => {
    const value = { format: 'x@1', entries: { '/a/b': [1, 2.5, 3, 4, 'f'.repeat(64)], 'é\n': null } };
    const text = sealJson(value);
    expect(unsealJson(text)).toEqual(value);
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; at++) {
      for (const bit of [0, 3, 5]) {
        const bad = Buffer.from(bytes);
        bad[at] ^= 1 << bit;
        const read = unsealJson(bad.toString('utf8'));
        if (read !== undefined) expect(read, `byte ${at} bit ${bit}`).toEqual(value);
      }
    }
    expect(unsealJson('{"format":"x@1","entries":{}}')).toBeUndefined();
    expect(unsealJson('')).toBeUndefined();
  });
});

describe('the list of skipped runs beside the index', () => {
  it('is checksummed: a damaged file names no runs rather than wrong ones', async () => {
    const { readSkipped, writeSkipped, SKIPPED_FILE } = await import('../../src/query/skipped-runs.js');
    const { tempDir } = await import('../helpers/repo.js');
    const stateDir = tempDir();
    const runs = [{ id: '3f9a21c0b7d4', tree: 'a'.repeat(40), message: 'run.yaml is a symlink' }];
    writeSkipped(stateDir, 'b'.repeat(40), runs);
    expect(readSkipped(stateDir, 'b'.repeat(40))).toEqual(runs);
    const good = readFileSync(join(stateDir, SKIPPED_FILE));
    for (let at = 0; at < good.length; at++) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x04;
      writeFileSync(join(stateDir, SKIPPED_FILE), bad);
      const read = readSkipped(stateDir, 'b'.repeat(40));
      expect(read.length === 0 || JSON.stringify(read) === JSON.stringify(runs), `byte ${at}`).toBe(true);
    }
  });
});
