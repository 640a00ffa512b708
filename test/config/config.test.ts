import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStore, readProjectConfig } from '../../src/config/load-store.js';
import { configJsonSchema, parseSize } from '../../src/config/schema.js';
import { fixedEnv } from '../../src/env.js';
import { isGitTrackError } from '../../src/errors.js';
import { findRepo } from '../../src/git/repo.js';
import { git, makeRepo } from '../helpers/repo.js';

describe('.git-track.yaml', () => {
  it('matches the committed schema/config.schema.json (regenerate: node scripts/generate-schema.mjs)', () => {
    const committed = readFileSync(resolve(import.meta.dirname, '..', '..', 'schema', 'config.schema.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });

  it('parses sizes with units (powers of 1024)', () => {
    expect(parseSize('5MB')).toBe(5 * 1024 * 1024);
    expect(parseSize('512kb')).toBe(512 * 1024);
    expect(parseSize('1.5 GB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize(100)).toBe(100);
    expect(parseSize('lots')).toBeNaN();
  });

  it('defaults to the git store with a 5 MB cap; git config overrides the committed file', async () => {
    const dir = makeRepo();
    const repo = findRepo(dir);
    const env = { ...fixedEnv(), vars: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } };
    expect(await resolveStore(repo, env)).toEqual({ type: 'git', maxBytes: 5 * 1024 * 1024 });
    writeFileSync(join(dir, '.git-track.yaml'), 'store:\n  type: dir\n  path: shared/artifacts\n');
    expect(await resolveStore(repo, env)).toEqual({ type: 'dir', dir: join(dir, 'shared/artifacts') });
    git(dir, 'config', 'gittrack.store.dir', '/mnt/share');
    expect(await resolveStore(repo, env)).toEqual({ type: 'dir', dir: '/mnt/share' });
    git(dir, 'config', 'gittrack.store.type', 'git');
    git(dir, 'config', 'gittrack.store.maxFileSize', '1KB');
    expect(await resolveStore(repo, env)).toEqual({ type: 'git', maxBytes: 1024 });
  });

  it('rejects unknown store keys and types with the path of the problem', async () => {
    const dir = makeRepo();
    for (const [text, where] of [
      ['store:\n  type: git\n  max_size: 5MB\n', 'store'],
      ['store:\n  type: dir\n', 'store.path'],
      ['store:\n  type: git\n  max_file_size: huge\n', 'store.max_file_size'],
    ] as const) {
      writeFileSync(join(dir, '.git-track.yaml'), text);
      try {
        await readProjectConfig(dir);
        expect.unreachable();
      } catch (err) {
        expect(isGitTrackError(err, 'BAD_INPUT')).toBe(true);
        expect((err as Error).message).toContain(`.git-track.yaml: ${where}`);
      }
    }
    writeFileSync(join(dir, '.git-track.yaml'), 'policy:\n  required: [f1]\n');
    expect(await readProjectConfig(dir)).toEqual({ policy: { required: ['f1'] } });
  });
});
