import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashDirectory, hashPath } from '../../src/artifacts/hash.js';
import { formatListing, listingBytes, parseListing } from '../../src/artifacts/listing.js';
import { fixedEnv, type Env } from '../../src/env.js';
import { isGitTrackError } from '../../src/errors.js';
import { findRepo } from '../../src/git/repo.js';
import { makeRepo, tempDir } from '../helpers/repo.js';

const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function setup(): { stateDir: string; env: Env; warnings: string[]; calls: string[] } {
  const warnings: string[] = [];
  const calls: string[] = [];
  const env = fixedEnv({ warnings });
  env.progress = { update: (label) => calls.push(`update ${label}`), done: (label) => calls.push(`done ${label}`) };
  return { stateDir: findRepo(makeRepo()).stateDir, env, warnings, calls };
}

function writeTree(root: string, files: Record<string, string | Buffer>, order: string[] = Object.keys(files)): string {
  for (const rel of order) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), files[rel]!);
  }
  return root;
}

function sha256sum(path: string): string {
  return execFileSync('sha256sum', [path], { encoding: 'utf8' }).slice(0, 64);
}

/** The directory hash computed by an independent shell pipeline: the format promise. */
function shellDirHash(dir: string): string {
  const script =
    "find . -path '*/.git' -prune -o \\( -type f -o -type l \\) -printf '%P\\n' | LC_ALL=C sort | " +
    'while IFS= read -r f; do if [ -L "$f" ]; then t=$(readlink "$f"); h=$(printf %s "$t" | sha256sum | cut -c1-64); s=$(printf %s "$t" | wc -c); ' +
    'else h=$(sha256sum < "$f" | cut -c1-64); s=$(stat -c %s "$f"); fi; printf "%s %s %s\\n" "$h" "$s" "$f"; done | sha256sum | cut -c1-64';
  return execFileSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8' }).trim();
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return isGitTrackError(err) ? err.code : `not a GitTrackError: ${String(err)}`;
  }
  return undefined;
}

describe('hashPath on files', () => {
  it('matches sha256sum and reports the size', async () => {
    const { stateDir, env } = setup();
    const file = join(tempDir(), 'train.csv');
    writeFileSync(file, 'x,y\n1,2\n');
    const hash = await hashPath(file, { stateDir, env });
    expect(hash).toEqual({ kind: 'file', sha256: sha256sum(file), size: 8 });
  });

  it('streams a file above the small-file size (300 KiB) to the same answer as sha256sum', async () => {
    const { stateDir, env } = setup();
    const file = join(tempDir(), 'model.bin');
    writeFileSync(file, Buffer.alloc(300 * 1024, 7));
    expect(await hashPath(file, { stateDir, env })).toEqual({ kind: 'file', sha256: sha256sum(file), size: 300 * 1024 });
  });

  it('throws FILE_NOT_FOUND for a missing path, with the path in data', async () => {
    const { stateDir, env } = setup();
    const missing = join(tempDir(), 'nope.csv');
    const err = await hashPath(missing, { stateDir, env }).catch((e: unknown) => e);
    expect(isGitTrackError(err, 'FILE_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toBe(`no such file or directory: ${missing}`);
    expect((err as { data: unknown }).data).toEqual({ path: missing });
  });

  it('does not report progress for small work', async () => {
    const { stateDir, env, calls } = setup();
    const dir = writeTree(tempDir(), { 'a.txt': 'a', 'b/c.bin': Buffer.alloc(200_000) });
    await hashPath(dir, { stateDir, env });
    await hashPath(join(dir, 'a.txt'), { stateDir, env });
    expect(calls).toEqual([]);
  });
});

describe('hashPath on directories', () => {
  const files = { 'b.txt': 'bee', 'a/z.csv': 'zed', 'a/b/c.txt': 'deep', 'é.txt': 'accent', '\uff61.txt': 'halfwidth', '😀.txt': 'emoji', 'a.txt': 'A' };

  it('is stable across creation order and equals an independent shell computation', async () => {
    const { stateDir, env } = setup();
    const one = writeTree(tempDir(), files);
    const two = writeTree(tempDir(), files, Object.keys(files).reverse());
    const h1 = await hashPath(one, { stateDir, env });
    const h2 = await hashPath(two, { stateDir, env });
    expect(h1).toEqual(h2);
    expect(h1.kind).toBe('dir');
    expect(h1.files).toBe(7);
    expect(h1.size).toBe(Object.values(files).reduce((n, s) => n + Buffer.byteLength(s), 0));
    expect(h1.sha256).toBe(shellDirHash(one));
  });

  it('lists paths in code point (UTF-8 byte) order, not UTF-16 order', async () => {
    const { stateDir, env } = setup();
    const { entries } = await hashDirectory(writeTree(tempDir(), files), { stateDir, env });
    // U+FF61 < U+1F600 by code point; JavaScript's default sort puts the emoji (D83D) first.
    expect(entries.map((e) => e.path)).toEqual(['a.txt', 'a/b/c.txt', 'a/z.csv', 'b.txt', 'é.txt', '\uff61.txt', '😀.txt']);
  });

  it('hashes to the sha256 of its listing text, with the documented line format', async () => {
    const { stateDir, env } = setup();
    const dir = writeTree(tempDir(), { 'x/y.txt': 'hello\n' });
    const { hash, entries } = await hashDirectory(dir, { stateDir, env });
    const listing = `${sha256sum(join(dir, 'x/y.txt'))} 6 x/y.txt\n`;
    expect(formatListing(entries)).toBe(listing);
    expect(hash.sha256).toBe(createHash('sha256').update(listing).digest('hex'));
    expect(parseListing(listing)).toEqual(entries);
  });

  it('changes when a file content or name changes', async () => {
    const { stateDir, env } = setup();
    const dir = writeTree(tempDir(), files);
    const before = (await hashPath(dir, { stateDir, env })).sha256;
    writeFileSync(join(dir, 'a/z.csv'), 'zee'); // same size, new content
    const afterContent = (await hashPath(dir, { stateDir, env })).sha256;
    renameSync(join(dir, 'b.txt'), join(dir, 'c.txt'));
    const afterName = (await hashPath(dir, { stateDir, env })).sha256;
    expect(new Set([before, afterContent, afterName]).size).toBe(3);
  });

  it('skips .git directories, lists symlinks by target without following, warns on FIFOs', async () => {
    const { stateDir, env, warnings } = setup();
    const outside = join(tempDir(), 'secret.bin');
    writeFileSync(outside, 'outside bytes');
    const dir = writeTree(tempDir(), { 'keep.txt': 'k', '.git/HEAD': 'ref: x', 'sub/.git/config': 'c' });
    symlinkSync(outside, join(dir, 'link'));
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const { hash, entries } = await hashDirectory(dir, { stateDir, env });
    expect(entries.map((e) => e.path)).toEqual(['keep.txt', 'link']);
    expect(entries[1]).toEqual({ path: 'link', sha256: createHash('sha256').update(outside).digest('hex'), size: Buffer.byteLength(outside) });
    expect(hash.sha256).toBe(shellDirHash(dir));
    expect(warnings).toEqual([`skipped ${join(dir, 'pipe')}: not a regular file, directory or symlink`]);
  });

  it('hashes an empty directory to the sha256 of the empty string', async () => {
    const { stateDir, env } = setup();
    expect(await hashPath(tempDir(), { stateDir, env })).toEqual({ kind: 'dir', sha256: EMPTY_SHA, size: 0, files: 0 });
  });

  it('refuses a file name with a newline (BAD_INPUT)', async () => {
    const { stateDir, env } = setup();
    const dir = writeTree(tempDir(), { 'bad\nname': 'x' });
    expect(await codeOf(hashPath(dir, { stateDir, env }))).toBe('BAD_INPUT');
  });
});

describe('parseListing', () => {
  it('rejects unsorted, repeated or malformed listings', () => {
    const line = (path: string) => `${EMPTY_SHA} 0 ${path}\n`;
    expect(parseListing('')).toEqual([]);
    for (const bad of [line('b') + line('a'), line('a') + line('a'), `${EMPTY_SHA} 01 a\n`, line('a').trimEnd(), 'nonsense\n']) {
      expect(() => parseListing(bad)).toThrow(expect.objectContaining({ code: 'CORRUPT_OBJECT' }));
    }
  });

  it('keeps a path that is not UTF-8 as bytes through a listing and back', () => {
    const sha = 'a'.repeat(64);
    const raw = Buffer.from('caf\xe9.csv', 'latin1');
    const entries = [{ path: raw.toString('utf8'), raw, sha256: sha, size: 3 }, { path: 'b.csv', sha256: sha, size: 1 }];
    const bytes = listingBytes(entries);
    expect(bytes.equals(Buffer.concat([Buffer.from(`${sha} 1 b.csv\n${sha} 3 `), raw, Buffer.from('\n')]))).toBe(true);
    expect(parseListing(bytes)).toEqual([entries[1], entries[0]]);
    expect(listingBytes([entries[1]!]).toString()).toBe(formatListing([entries[1]!]));
  });
});
