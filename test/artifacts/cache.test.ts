import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedPath, cacheFile, cachePath, cacheTree, restoreFile, restorePath, restoreTree } from '../../src/artifacts/cache.js';
import { hashDirectory, hashPath } from '../../src/artifacts/hash.js';
import { formatListing } from '../../src/artifacts/listing.js';
import { fixedEnv } from '../../src/env.js';
import { isGitTrackError } from '../../src/errors.js';
import { findRepo } from '../../src/git/repo.js';
import { makeRepo, tempDir } from '../helpers/repo.js';

const env = fixedEnv();

function setup(): string {
  return findRepo(makeRepo()).stateDir;
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => !d.isDirectory())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return isGitTrackError(err) ? err.code : `not a GitTrackError: ${String(err)}`;
  }
  return undefined;
}

async function cached(stateDir: string, content: string | Buffer): Promise<{ file: string; sha256: string; size: number }> {
  const file = join(tempDir(), 'artifact.bin');
  writeFileSync(file, content);
  const hash = await hashPath(file, { stateDir, env });
  await cacheFile(stateDir, file, hash);
  return { file, ...hash };
}

describe('cacheFile', () => {
  it('stores the bytes read-only under objects/sha256/<2>/<62>', async () => {
    const stateDir = setup();
    const { sha256 } = await cached(stateDir, 'model bytes');
    const path = cachedPath(stateDir, sha256);
    expect(path).toBe(join(stateDir, 'objects', 'sha256', sha256.slice(0, 2), sha256.slice(2)));
    expect(readFileSync(path!, 'utf8')).toBe('model bytes');
    expect(execFileSync('sha256sum', [path!], { encoding: 'utf8' }).slice(0, 64)).toBe(sha256);
    expect(statSync(path!).mode & 0o777).toBe(0o444);
    expect(listFiles(join(stateDir, 'objects'))).toHaveLength(1); // no temp file left beside it
  });

  it('dedupes identical content: two files, one object, not rewritten', async () => {
    const stateDir = setup();
    const first = await cached(stateDir, 'same');
    const inode = statSync(cachedPath(stateDir, first.sha256)!).ino;
    const second = await cached(stateDir, 'same');
    expect(second.sha256).toBe(first.sha256);
    expect(listFiles(join(stateDir, 'objects'))).toHaveLength(1);
    expect(statSync(cachedPath(stateDir, first.sha256)!).ino).toBe(inode);
  });

  it('refuses a source whose size no longer matches its hash, leaving nothing behind', async () => {
    const stateDir = setup();
    const file = join(tempDir(), 'a.bin');
    writeFileSync(file, 'abc');
    const hash = await hashPath(file, { stateDir, env });
    writeFileSync(file, 'abcd');
    expect(await codeOf(cacheFile(stateDir, file, hash))).toBe('HASH_MISMATCH');
    expect(listFiles(join(stateDir, 'objects'))).toEqual([]);
  });

  it('rejects a malformed sha256 and reports a missing object as null', () => {
    const stateDir = setup();
    expect(() => cachedPath(stateDir, '../../etc/passwd')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(cachedPath(stateDir, 'a'.repeat(64))).toBeNull();
  });
});

describe('restoreFile', () => {
  it('copies the bytes out, writable, creating parent directories', async () => {
    const stateDir = setup();
    const { sha256 } = await cached(stateDir, Buffer.alloc(300_000, 3));
    const dest = join(tempDir(), 'models', 'deep', 'churn.pkl');
    await restoreFile(stateDir, sha256, dest);
    expect(readFileSync(dest).equals(Buffer.alloc(300_000, 3))).toBe(true);
    expect(statSync(dest).mode & 0o200).toBe(0o200);
    expect(listFiles(join(dest, '..'))).toEqual(['churn.pkl']);
  });

  it('rejects a tampered cache object, removes the partial copy, keeps an existing file', async () => {
    const stateDir = setup();
    const { sha256 } = await cached(stateDir, 'good bytes');
    const object = cachedPath(stateDir, sha256)!;
    chmodSync(object, 0o644);
    writeFileSync(object, 'evil bytes'); // same size
    const dir = tempDir();
    const fresh = join(dir, 'fresh.bin');
    expect(await codeOf(restoreFile(stateDir, sha256, fresh))).toBe('HASH_MISMATCH');
    const existing = join(dir, 'existing.bin');
    writeFileSync(existing, 'mine');
    expect(await codeOf(restoreFile(stateDir, sha256, existing))).toBe('HASH_MISMATCH');
    expect(listFiles(dir)).toEqual(['existing.bin']);
    expect(readFileSync(existing, 'utf8')).toBe('mine');
  });

  it('throws OBJECT_NOT_FOUND for content that was never cached', async () => {
    expect(await codeOf(restoreFile(setup(), 'b'.repeat(64), join(tempDir(), 'x')))).toBe('OBJECT_NOT_FOUND');
  });
});

describe('cacheTree / restoreTree', () => {
  function makeTree(): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'ckpt', 'epoch-1'), { recursive: true });
    writeFileSync(join(dir, 'config.json'), '{"lr": 0.1}');
    writeFileSync(join(dir, 'ckpt', 'epoch-1', 'weights.bin'), Buffer.alloc(100_000, 1));
    writeFileSync(join(dir, 'ckpt', 'copy.bin'), Buffer.alloc(100_000, 1)); // same content
    symlinkSync('ckpt/copy.bin', join(dir, 'latest'));
    return dir;
  }

  it('round-trips a directory to the same hash, one object per distinct content plus the listing', async () => {
    const stateDir = setup();
    const dir = makeTree();
    const { hash, entries } = await hashDirectory(dir, { stateDir, env });
    await cacheTree(stateDir, dir, entries);
    // config, weights (= copy), the link's target string, the listing
    expect(listFiles(join(stateDir, 'objects'))).toHaveLength(4);
    expect(readFileSync(cachedPath(stateDir, hash.sha256)!, 'utf8')).toBe(formatListing(entries));

    const dest = join(tempDir(), 'restored');
    await restoreTree(stateDir, hash.sha256, dest);
    expect(listFiles(dest)).toEqual(['ckpt/copy.bin', 'ckpt/epoch-1/weights.bin', 'config.json', 'latest']);
    expect(readFileSync(join(dest, 'latest'), 'utf8')).toBe('ckpt/copy.bin'); // a link comes back as its target path
    expect(await hashPath(dest, { stateDir, env })).toEqual(hash);
  });

  it('rejects a tampered listing', async () => {
    const stateDir = setup();
    const dir = makeTree();
    const { hash, entries } = await hashDirectory(dir, { stateDir, env });
    await cacheTree(stateDir, dir, entries);
    const listing = cachedPath(stateDir, hash.sha256)!;
    chmodSync(listing, 0o644);
    writeFileSync(listing, readFileSync(listing, 'utf8').replace('config.json', 'config.jsoN'));
    const dest = join(tempDir(), 'out');
    expect(await codeOf(restoreTree(stateDir, hash.sha256, dest))).toBe('HASH_MISMATCH');
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses listings that would write outside the directory or into .git', async () => {
    const stateDir = setup();
    const { sha256 } = await cached(stateDir, 'payload');
    for (const path of ['../escape', 'a/../../escape', '.git/hooks/post-checkout', 'sub/.GIT/config']) {
      const listingFile = join(tempDir(), 'listing');
      writeFileSync(listingFile, `${sha256} 7 ${path}\n`);
      const listing = await hashPath(listingFile, { stateDir, env });
      await cacheFile(stateDir, listingFile, listing);
      const parent = tempDir();
      expect(await codeOf(restoreTree(stateDir, listing.sha256, join(parent, 'out')))).toBe('CORRUPT_OBJECT');
      expect(listFiles(parent)).toEqual([]);
    }
  });
});

describe('restoreTree and names that are not UTF-8', () => {
  const latin1 = (text: string) => Buffer.from(text, 'latin1');

  async function cachedListing(stateDir: string, lines: Buffer[]): Promise<string> {
    const listingFile = join(tempDir(), 'listing');
    writeFileSync(listingFile, Buffer.concat(lines));
    const listing = await hashPath(listingFile, { stateDir, env });
    await cacheFile(stateDir, listingFile, listing);
    return listing.sha256;
  }

  it('refuses such a path out of the directory or into .git, checked as before', async () => {
    const stateDir = setup();
    const { sha256 } = await cached(stateDir, 'payload');
    for (const path of ['../\xffescape', 'a\xe9/../../escape', '.git/hooks/post-checkout\xff', 'sub\xff/.GIT/config', 'git~1/\xe9']) {
      const listing = await cachedListing(stateDir, [latin1(`${sha256} 7 `), latin1(path), latin1('\n')]);
      const parent = tempDir();
      expect(await codeOf(restoreTree(stateDir, listing, join(parent, 'out'), parent)), path).toBe('CORRUPT_OBJECT');
      expect(listFiles(parent)).toEqual([]);
    }
  });

  it('never writes through a symlink whose name is not UTF-8', async () => {
    const stateDir = setup();
    const { sha256 } = await cached(stateDir, 'payload');
    const root = tempDir();
    const outside = tempDir();
    mkdirSync(join(root, 'out'));
    symlinkSync(outside, Buffer.concat([Buffer.from(join(root, 'out') + '/'), latin1('l\xe9')]));
    const listing = await cachedListing(stateDir, [latin1(`${sha256} 7 l\xe9/x.bin\n`)]);
    expect(await codeOf(restoreTree(stateDir, listing, join(root, 'out'), root))).toBe('BAD_INPUT');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('writes such a name, in a directory of such a name, by its bytes', async () => {
    const stateDir = setup();
    const { sha256 } = await cached(stateDir, 'payload');
    const listing = await cachedListing(stateDir, [latin1(`${sha256} 7 d\xff/w\xe9.bin\n`)]);
    const root = tempDir();
    await restoreTree(stateDir, listing, join(root, 'out'), root);
    const file = Buffer.concat([Buffer.from(join(root, 'out') + '/'), latin1('d\xff/w\xe9.bin')]);
    expect(readFileSync(file, 'utf8')).toBe('payload');
    expect(readdirSync(join(root, 'out'), { encoding: 'buffer' })).toEqual([latin1('d\xff')]);
  });
});

describe('cachePath / restorePath', () => {
  it('caches and restores whatever hashPath hashed, file or directory', async () => {
    const stateDir = setup();
    const dir = tempDir();
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', 'a.bin'), 'a');
    writeFileSync(join(dir, 'm', 'b.bin'), 'b');
    const tree = await hashPath(join(dir, 'm'), { stateDir, env });
    const file = await hashPath(join(dir, 'm', 'a.bin'), { stateDir, env });
    await cachePath(stateDir, join(dir, 'm'), tree);
    await cachePath(stateDir, join(dir, 'm', 'a.bin'), file);
    const out = tempDir();
    await restorePath(stateDir, tree, join(out, 'tree'));
    await restorePath(stateDir, file, join(out, 'file.bin'));
    expect(listFiles(out)).toEqual(['file.bin', 'tree/a.bin', 'tree/b.bin']);
    expect(await hashPath(join(out, 'tree'), { stateDir, env })).toEqual(tree);
  });

  it('re-walks a directory it does not remember, and refuses one that changed since hashing', async () => {
    const stateDir = setup();
    const dir = tempDir();
    writeFileSync(join(dir, 'a.bin'), 'a');
    const before = await hashPath(dir, { stateDir, env });
    for (let i = 0; i < 5; i++) await hashPath(tempDir(), { stateDir, env }); // pushes it out of memory
    await cachePath(stateDir, dir, before);
    expect(cachedPath(stateDir, before.sha256)).not.toBeNull();
    writeFileSync(join(dir, 'b.bin'), 'b');
    const stale = { ...before, sha256: 'c'.repeat(64) };
    expect(await codeOf(cachePath(stateDir, dir, stale))).toBe('HASH_MISMATCH');
  });
});
