import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheFile, cachedPath } from '../../src/artifacts/cache.js';
import { fixedEnv, type Env } from '../../src/env.js';
import { isGitTrackError } from '../../src/errors.js';
import { ObjectStore } from '../../src/git/objects.js';
import { editTree } from '../../src/git/tree-edit.js';
import { downloadObject, storePath, uploadToDir } from '../../src/sync/artifact-objects.js';
import { makeRepo, tempDir } from '../helpers/repo.js';
import { SHA1 } from '../../src/git/object-format.js';

function recordingEnv(): { env: Env; updates: [string, number, number | undefined][]; done: string[] } {
  const updates: [string, number, number | undefined][] = [];
  const done: string[] = [];
  return { env: { ...fixedEnv(), progress: { update: (l, d, t) => updates.push([l, d, t]), done: (l) => done.push(l) } }, updates, done };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('shared stores', () => {
  it('uploads a large file to a dir store with progress, once, and brings it back verified', async () => {
    const state = tempDir();
    const shared = tempDir();
    const bytes = randomBytes(9 * 1024 * 1024);
    const file = join(tempDir(), 'big.bin');
    writeFileSync(file, bytes);
    const hash = { sha256: sha(bytes), size: bytes.length };
    await cacheFile(state, file, hash);
    const { env, updates, done } = recordingEnv();
    const object = { ...hash, origin: 'run aa0000000001: big.bin' };
    expect(await uploadToDir(state, shared, object, env)).toBe(true);
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.at(-1)).toEqual(['uploading run aa0000000001: big.bin', bytes.length, bytes.length]);
    expect(done).toContain('uploading run aa0000000001: big.bin');
    expect(readFileSync(join(shared, storePath(hash.sha256))).equals(bytes)).toBe(true);
    expect(await uploadToDir(state, shared, object, env)).toBe(false); // already there

    const other = tempDir();
    expect(await downloadObject({ type: 'dir', dir: shared }, other, hash.sha256, 'big.bin', env)).toBe(true);
    expect(readFileSync(cachedPath(other, hash.sha256)!).equals(bytes)).toBe(true);
    expect(await downloadObject({ type: 'dir', dir: tempDir() }, tempDir(), hash.sha256, 'big.bin', env)).toBe(false);
  });

  it('refuses a git-store blob whose bytes do not match its name, caching nothing', async () => {
    const dir = makeRepo();
    const store = new ObjectStore(join(dir, '.git', 'objects'), { format: SHA1 });
    const claimed = sha(Buffer.from('the real model'));
    const blob = store.write('blob', Buffer.from('something else'));
    const root = editTree(store, null, [{ path: storePath(claimed), entry: { mode: '100644', oid: blob } }]);
    const state = tempDir();
    mkdirSync(state, { recursive: true });
    const err = await downloadObject({ type: 'git', store, roots: [root] }, state, claimed, 'model.bin', fixedEnv()).catch((e: unknown) => e);
    expect(isGitTrackError(err, 'HASH_MISMATCH')).toBe(true);
    expect(cachedPath(state, claimed)).toBeNull();
    expect(existsSync(join(state, 'objects', 'sha256', claimed.slice(0, 2)))).toBe(true); // only the (empty) dir
  });
});
