import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommit, encodeTree, hashObject, type ObjectType, type Person } from '../../src/git/encode.js';
import { ObjectStore } from '../../src/git/objects.js';
import { isGitTrackError } from '../../src/errors.js';
import { git, makeRepo, testGitEnv } from '../helpers/repo.js';
import { SHA1 } from '../../src/git/object-format.js';

function gitRaw(dir: string, args: string[], input?: Buffer | string, env: Record<string, string> = {}): Buffer {
  return execFileSync('git', args, {
    cwd: dir,
    env: testGitEnv(env),
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
  });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isGitTrackError(err) ? err.code : `not a GitTrackError: ${String(err)}`;
  }
  return undefined;
}

function packFiles(dir: string): string[] {
  return readdirSync(join(dir, '.git', 'objects', 'pack')).sort();
}

/** Every object of the repo as `git cat-file --batch` prints it. */
function catAll(dir: string): Map<string, { type: string; content: Buffer }> {
  const ids = gitRaw(dir, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)']).toString().split('\n');
  const oids = ids.filter(Boolean);
  const out = gitRaw(dir, ['cat-file', '--batch'], oids.join('\n') + '\n');
  const objects = new Map<string, { type: string; content: Buffer }>();
  let pos = 0;
  while (pos < out.length) {
    const eol = out.indexOf(0x0a, pos);
    const [oid, type, size] = out.toString('latin1', pos, eol).split(' ');
    const start = eol + 1;
    objects.set(oid as string, { type: type as string, content: out.subarray(start, start + Number(size)) });
    pos = start + Number(size) + 1;
  }
  expect(objects.size).toBe(oids.length);
  return objects;
}

/** A repo whose one file is edited over `n` commits, so a repack produces delta chains. */
function repoWithHistory(n: number, extra?: (dir: string, i: number) => void): string {
  const dir = makeRepo();
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i}: ${'lorem ipsum '.repeat(i % 7)}`);
  for (let i = 0; i < n; i++) {
    lines[(i * 37) % lines.length] = `edited in commit ${i}`;
    writeFileSync(join(dir, 'params.yaml'), lines.join('\n') + '\n');
    extra?.(dir, i);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `commit ${i}`);
  }
  return dir;
}

/** Pack entries that `git verify-pack -v` reports as deltas: oid → pack offset. */
function deltaEntries(dir: string): Map<string, number> {
  const packDir = join(dir, '.git', 'objects', 'pack');
  const idx = readdirSync(packDir).filter((f) => f.endsWith('.idx'));
  const deltas = new Map<string, number>();
  for (const file of idx) {
    for (const line of git(dir, 'verify-pack', '-v', join(packDir, file)).split('\n')) {
      const cols = line.trim().split(/\s+/);
      if (cols.length === 7 && /^[0-9a-f]{40}$/.test(cols[6] as string)) deltas.set(cols[0] as string, Number(cols[4]));
    }
  }
  return deltas;
}

function expectSameObjects(dir: string, store: ObjectStore): number {
  const objects = catAll(dir);
  for (const [oid, expected] of objects) {
    const got = store.read(oid);
    expect(got.type, oid).toBe(expected.type);
    expect(got.content.equals(expected.content), oid).toBe(true);
  }
  return objects.size;
}

const stores: ObjectStore[] = [];
function open(dir: string): ObjectStore {
  const store = new ObjectStore(join(dir, '.git', 'objects'), { format: SHA1 });
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

const ADA: Person = { name: 'Ada Lovelace', email: 'ada@example.com', timestamp: 1767225600, tzOffset: 60 };

describe('ObjectStore.write', () => {
  it('writes blobs, trees and commits that git reads and fsck --strict accepts', () => {
    const dir = makeRepo();
    const store = open(dir);
    const blob = store.write('blob', Buffer.from('metrics: {f1: 0.84}\n'));
    const exe = store.write('blob', Buffer.from('#!/bin/sh\necho hi\n'));
    const sub = store.write('tree', encodeTree([{ mode: '100644', name: 'run.yaml', oid: blob }], SHA1));
    const tree = store.write(
      'tree',
      encodeTree([
        { mode: '100755', name: 'run.sh', oid: exe },
        { mode: '040000', name: 'run', oid: sub },
        { mode: '100644', name: 'run.txt', oid: blob },
      ], SHA1),
    );
    const commit = store.write('commit', encodeCommit({ tree, parents: [], author: ADA, committer: ADA, message: 'run 1' }, SHA1));
    // Readable through the store before anything is on disk.
    expect(store.readBlob(blob).toString()).toBe('metrics: {f1: 0.84}\n');
    expect(store.has(commit)).toBe(true);
    expect(packFiles(dir)).toEqual([]);
    store.sync();
    expect(git(dir, 'cat-file', '-t', commit).trim()).toBe('commit');
    expect(git(dir, 'cat-file', '-t', tree).trim()).toBe('tree');
    expect(git(dir, 'cat-file', '-p', blob)).toBe('metrics: {f1: 0.84}\n');
    expect(git(dir, 'ls-tree', '-r', '--name-only', commit).split('\n').filter(Boolean)).toEqual([
      'run.sh',
      'run.txt',
      'run/run.yaml',
    ]);
    git(dir, 'update-ref', 'refs/heads/runs', commit);
    store.release();
    git(dir, 'fsck', '--strict', '--no-dangling');
    // One pack and its index, nothing loose, no temp file left.
    const files = packFiles(dir);
    expect(files.filter((f) => f.endsWith('.pack'))).toHaveLength(1);
    expect(files.filter((f) => !/^pack-[0-9a-f]{40}\.(pack|idx)$/.test(f))).toEqual([]);
    git(dir, 'verify-pack', join(dir, '.git', 'objects', 'pack', files.find((f) => f.endsWith('.idx'))!));
    expect(git(dir, 'count-objects', '-v')).toMatch(/^count: 0$/m);
  });

  it('puts back the index of a guarded pack that git gc removed as garbage (listed without its .pack)', () => {
    const dir = repoWithHistory(1);
    const store = open(dir);
    const blob = store.write('blob', Buffer.from('indexed again\n'));
    store.sync();
    const idx = packFiles(dir).find((f) => f.endsWith('.idx') && packFiles(dir).includes(f.replace(/\.idx$/, '.keep')))!;
    const idxPath = join(dir, '.git', 'objects', 'pack', idx);
    const bytes = readFileSync(idxPath);
    // What gc's clean_pack_garbage does when its directory listing caught the .idx but not the .pack.
    rmSync(idxPath);
    store.sync();
    expect(readFileSync(idxPath).equals(bytes)).toBe(true);
    rmSync(idxPath);
    store.release();
    expect(readFileSync(idxPath).equals(bytes)).toBe(true);
    git(dir, 'cat-file', '-e', blob);
    git(dir, 'fsck', '--strict', '--no-dangling');
  });

  it('puts back the .keep that gc removed with the index, before the index, so the pack is never visible unguarded', () => {
    const dir = repoWithHistory(1);
    const store = open(dir);
    const blob = store.write('blob', Buffer.from('guarded again\n'));
    store.sync();
    const keep = packFiles(dir).find((f) => f.endsWith('.keep'))!;
    const packDir = join(dir, '.git', 'objects', 'pack');
    // clean_pack_garbage removes every file of the group it listed without a .pack.
    rmSync(join(packDir, keep.replace(/\.keep$/, '.idx')));
    rmSync(join(packDir, keep));
    store.sync();
    expect(packFiles(dir).filter((f) => f.startsWith(keep.slice(0, -'.keep'.length)))).toHaveLength(3);
    git(dir, 'gc', '-q', '--prune=now');
    git(dir, 'cat-file', '-e', blob);
    store.release();
    expect(packFiles(dir).filter((f) => f.endsWith('.keep'))).toEqual([]);
  });

  it('a writer that syncs again before its ref moves (a retry) guards one pack holding all its objects, not one per attempt', () => {
    const dir = repoWithHistory(1);
    const before = packFiles(dir).filter((f) => f.endsWith('.pack')).length;
    const store = open(dir);
    const oids: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      oids.push(store.write('blob', Buffer.from(`attempt ${attempt}\n`)));
      store.sync();
      expect(packFiles(dir).filter((f) => f.endsWith('.keep'))).toHaveLength(1);
      for (const oid of oids) expect(store.readBlob(oid).toString()).toMatch(/^attempt/);
    }
    expect(packFiles(dir).filter((f) => f.endsWith('.pack'))).toHaveLength(before + 1);
    git(dir, 'prune', '--expire=now');
    git(dir, 'repack', '-a', '-d', '-q');
    for (const oid of oids) git(dir, 'cat-file', '-e', oid);
    store.release();
    expect(packFiles(dir).filter((f) => f.endsWith('.keep'))).toEqual([]);
    git(dir, 'fsck', '--strict', '--no-dangling');
  });

  it('a synced write outlives git gc --prune=now, repack -ad and prune until released; then gc decides', () => {
    const dir = repoWithHistory(1);
    const store = open(dir);
    const blob = store.write('blob', Buffer.from('written just before the ref moves\n'));
    const tree = store.write('tree', encodeTree([{ mode: '100644', name: 'run.yaml', oid: blob }], SHA1));
    const commit = store.write('commit', encodeCommit({ tree, parents: [], author: ADA, committer: ADA, message: 'run' }, SHA1));
    // The same blob already exists, unreachable, in the repository: our copy must not rely on it.
    const dangling = gitRaw(dir, ['hash-object', '-w', '--stdin'], 'written just before the ref moves\n').toString().trim();
    expect(dangling).toBe(blob);
    store.sync();
    expect(packFiles(dir).filter((f) => f.endsWith('.keep'))).toHaveLength(1);
    git(dir, 'gc', '-q', '--prune=now');
    git(dir, 'repack', '-a', '-d', '-q');
    git(dir, 'prune', '--expire=now');
    for (const oid of [blob, tree, commit]) git(dir, 'cat-file', '-e', oid);
    store.release();
    expect(packFiles(dir).filter((f) => f.endsWith('.keep'))).toEqual([]);
    // Unguarded and unreachable, gc may now drop them: the guard was what kept them.
    git(dir, 'gc', '-q', '--prune=now');
    expect(() => git(dir, 'cat-file', '-e', commit)).toThrow();
  });

  it('writes an object once per store, and again into its own pack even when git already has it', () => {
    const dir = repoWithHistory(1);
    const store = open(dir);
    const existing = git(dir, 'rev-parse', 'HEAD:params.yaml').trim();
    expect(store.write('blob', Buffer.from(git(dir, 'cat-file', 'blob', existing)))).toBe(existing);
    expect(store.write('blob', Buffer.from(git(dir, 'cat-file', 'blob', existing)))).toBe(existing);
    store.sync();
    const idx = packFiles(dir).find((f) => f.endsWith('.idx'))!;
    const listed = gitRaw(dir, ['show-index'], readFileSync(join(dir, '.git', 'objects', 'pack', idx))).toString().trim().split('\n');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toContain(existing);
    store.release();
  });

  it('two writers syncing the same objects at once each hold a guard of their own', () => {
    const dir = makeRepo();
    const [a, b] = [open(dir), open(dir)];
    const blob = a.write('blob', Buffer.from('same\n'));
    b.write('blob', Buffer.from('same\n'));
    a.sync();
    b.sync();
    expect(packFiles(dir).filter((f) => f.endsWith('.keep'))).toHaveLength(2);
    a.release();
    git(dir, 'prune', '--expire=now');
    git(dir, 'repack', '-a', '-d', '-q');
    git(dir, 'cat-file', '-e', blob);
    b.release();
    expect(packFiles(dir).filter((f) => f.endsWith('.keep'))).toEqual([]);
  });

  it('merges small packs once enough have piled up, keeping every object and leaving guarded packs alone', () => {
    const dir = makeRepo();
    const guarded = open(dir);
    guarded.write('blob', Buffer.from('in flight\n'));
    guarded.sync();
    const store = open(dir);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(store.write('blob', Buffer.from(`run ${i}\n`)));
      store.sync();
      store.release();
    }
    const packs = packFiles(dir).filter((f) => f.endsWith('.pack'));
    expect(packs.length).toBeLessThan(10);
    expect(packFiles(dir).filter((f) => f.endsWith('.keep'))).toHaveLength(1);
    for (const oid of ids) {
      git(dir, 'cat-file', '-e', oid);
      expect(store.readBlob(oid).toString()).toMatch(/^run \d+\n$/);
    }
    for (const f of packFiles(dir).filter((n) => n.endsWith('.idx'))) git(dir, 'verify-pack', join(dir, '.git', 'objects', 'pack', f));
    guarded.release();
    expect(readdirSync(join(dir, '.git', 'objects', 'pack')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('rejects an unknown type', () => {
    const store = open(makeRepo());
    expect(codeOf(() => store.write('note' as ObjectType, Buffer.alloc(0)))).toBe('BAD_INPUT');
  });

  it('sync() twice writes one pack, and nothing when nothing is new', () => {
    const dir = makeRepo();
    const store = open(dir);
    for (let i = 0; i < 20; i++) store.write('blob', Buffer.from(`blob ${i}\n`));
    store.sync();
    store.sync();
    expect(store.has(hashObject('blob', Buffer.from('blob 7\n'), SHA1))).toBe(true);
    expect(packFiles(dir).filter((f) => f.endsWith('.pack'))).toHaveLength(1);
    store.release();
    git(dir, 'cat-file', '-e', hashObject('blob', Buffer.from('blob 7\n'), SHA1));
  });
});

describe('ObjectStore.read', () => {
  it('reads loose objects written by git', () => {
    const dir = makeRepo({ commit: true });
    const store = open(dir);
    expect(expectSameObjects(dir, store)).toBeGreaterThan(3);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const commit = store.readCommit(head);
    expect(commit.message).toBe('initial\n');
    expect(store.readTree(commit.tree).map((e) => e.name)).toEqual(['data.csv', 'train.py']);
    expect(store.readBlob(git(dir, 'rev-parse', 'HEAD:train.py').trim()).toString()).toBe('print(1)\n');
  });

  it('reads every object of an aggressively gc-ed repo (OFS_DELTA chains) like git cat-file --batch', () => {
    const dir = repoWithHistory(30);
    const store = open(dir);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    expect(store.readCommit(head).message).toBe('commit 29\n'); // loose; packs scanned already
    git(dir, 'gc', '-q', '--aggressive', '--prune=now');
    expect(readdirSync(join(dir, '.git', 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d))).toEqual([]);
    expect(deltaEntries(dir).size).toBeGreaterThan(10);
    // The same store notices the pack that replaced the loose objects it read before.
    expect(expectSameObjects(dir, store)).toBe(90); // 30 × (commit, tree, blob)
    expect(store.readCommit(head).message).toBe('commit 29\n');
    // A second gc replaces that pack with a new one; the store follows again.
    writeFileSync(join(dir, 'later.txt'), 'later\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'later');
    git(dir, 'gc', '-q', '--prune=now');
    expect(expectSameObjects(dir, store)).toBe(93);
  });

  it('reads REF_DELTA entries', () => {
    const dir = repoWithHistory(12);
    git(dir, '-c', 'repack.useDeltaBaseOffset=false', 'repack', '-q', '-a', '-d', '-f');
    const deltas = deltaEntries(dir);
    expect(deltas.size).toBeGreaterThan(3);
    const packDir = join(dir, '.git', 'objects', 'pack');
    const pack = readFileSync(join(packDir, readdirSync(packDir).find((f) => f.endsWith('.pack')) as string));
    for (const offset of deltas.values()) expect(((pack[offset] as number) >> 4) & 7).toBe(7);
    expectSameObjects(dir, open(dir));
  });

  it('reads large incompressible blobs and their deltas from a pack', () => {
    const dir = makeRepo();
    let seed = 7;
    const noise = Buffer.alloc(3 << 20);
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      noise[i] = seed >>> 24;
    }
    for (let i = 0; i < 3; i++) {
      noise.write(`version ${i}`, 1000 + i * 100_000);
      writeFileSync(join(dir, 'model.bin'), noise);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', `model ${i}`);
    }
    git(dir, 'gc', '-q', '--prune=now');
    expect(deltaEntries(dir).size).toBeGreaterThan(0);
    const store = open(dir);
    expectSameObjects(dir, store);
    expect(store.readBlob(git(dir, 'rev-parse', 'HEAD:model.bin').trim()).equals(noise)).toBe(true);
  });

  it('reads through objects/info/alternates and does not duplicate their objects', () => {
    const origin = repoWithHistory(3);
    git(origin, 'gc', '-q');
    const dir = makeRepo();
    mkdirSync(join(dir, '.git', 'objects', 'info'), { recursive: true });
    writeFileSync(join(dir, '.git', 'objects', 'info', 'alternates'), `# shared\n${join(origin, '.git', 'objects')}\n`);
    const store = open(dir);
    const blob = git(origin, 'rev-parse', 'HEAD:params.yaml').trim();
    const content = store.readBlob(blob);
    expect(content.toString()).toContain('edited in commit 2');
    expect(store.write('blob', content)).toBe(blob);
    expect(readdirSync(join(dir, '.git', 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d))).toEqual([]);
    expect(store.resolvePrefix(blob.slice(0, 6))).toContain(blob);
  });

  it('throws OBJECT_NOT_FOUND for a missing id and BAD_INPUT for a malformed one', () => {
    const store = open(makeRepo({ commit: true }));
    const missing = 'de'.repeat(20);
    try {
      store.read(missing);
      expect.unreachable();
    } catch (err) {
      expect(isGitTrackError(err, 'OBJECT_NOT_FOUND')).toBe(true);
      expect((err as { data: { oid: string } }).data.oid).toBe(missing);
    }
    expect(store.has(missing)).toBe(false);
    expect(codeOf(() => store.read('HEAD'))).toBe('BAD_INPUT');
  });

  it('reports CORRUPT_OBJECT for bad zlib, a header mismatch, a bad pack entry and a wrong type', () => {
    const dir = makeRepo({ commit: true });
    const store = open(dir);
    git(dir, 'gc', '-q');
    const blob = git(dir, 'rev-parse', 'HEAD:data.csv').trim();
    const packDir = join(dir, '.git', 'objects', 'pack');
    const packFile = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.pack')) as string);
    const line = git(dir, 'verify-pack', '-v', packFile)
      .split('\n')
      .find((l) => l.startsWith(blob));
    const offset = Number(line?.trim().split(/\s+/)[4]);
    expect(offset).toBeGreaterThan(0);
    const bytes = readFileSync(packFile);
    bytes[offset + 4] = (bytes[offset + 4] as number) ^ 0xff; // inside the zlib stream
    chmodSync(packFile, 0o644);
    writeFileSync(packFile, bytes);
    expect(codeOf(() => open(dir).read(blob))).toBe('CORRUPT_OBJECT');

    const put = (oid: string, data: Buffer): void => {
      mkdirSync(join(dir, '.git', 'objects', oid.slice(0, 2)), { recursive: true });
      writeFileSync(join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2)), data);
    };
    put('ab'.repeat(20), Buffer.from('not zlib at all'));
    put('cd'.repeat(20), deflateSync(Buffer.from('blob 5\0abc')));
    expect(codeOf(() => store.read('ab'.repeat(20)))).toBe('CORRUPT_OBJECT');
    expect(codeOf(() => store.read('cd'.repeat(20)))).toBe('CORRUPT_OBJECT');
    expect(codeOf(() => store.readTree(git(dir, 'rev-parse', 'HEAD:train.py').trim()))).toBe('CORRUPT_OBJECT');
  });
});

describe('ObjectStore.resolvePrefix', () => {
  it('finds loose and packed objects sharing a prefix, and ignores temp files', () => {
    const dir = repoWithHistory(2);
    git(dir, 'gc', '-q', '--prune=now');
    const packed = git(dir, 'rev-parse', 'HEAD').trim();
    const prefix = packed.slice(0, 4);
    // Deterministically find a blob whose id shares the packed commit's first 4 digits.
    let content = Buffer.alloc(0);
    for (let i = 0; !hashObject('blob', content, SHA1).startsWith(prefix); i++) content = Buffer.from(`candidate ${i}\n`);
    const store = open(dir);
    const loose = gitRaw(dir, ['hash-object', '-w', '--stdin'], content).toString().trim();
    writeFileSync(join(dir, '.git', 'objects', prefix.slice(0, 2), `tmp_obj_${prefix.slice(2)}abc`), 'partial');
    expect(store.resolvePrefix(prefix)).toEqual([loose, packed].sort());
    expect(store.resolvePrefix(prefix.toUpperCase())).toEqual([loose, packed].sort());
    expect(store.resolvePrefix(packed.slice(0, 20))).toEqual([packed]);
    expect(store.resolvePrefix(loose)).toEqual([loose]);
    expect(store.resolvePrefix('0000000000')).toEqual([]);
    expect(codeOf(() => store.resolvePrefix('abc'))).toBe('BAD_INPUT');
    expect(codeOf(() => store.resolvePrefix('xyz1'))).toBe('BAD_INPUT');
    git(dir, 'fsck', '--strict', '--no-dangling');
    // An object written but not yet synced is found too.
    let other = Buffer.alloc(0);
    for (let i = 0; !hashObject('blob', other, SHA1).startsWith(prefix); i++) other = Buffer.from(`other ${i}\n`);
    const pending = store.write('blob', other);
    expect(store.resolvePrefix(prefix)).toContain(pending);
  });
});

describe('ObjectStore.close', () => {
  it('closes packs and reopens them on the next read', () => {
    const dir = repoWithHistory(2);
    git(dir, 'gc', '-q');
    const store = open(dir);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    expect(store.readCommit(head).message).toBe('commit 1\n');
    store.close();
    expect(store.readCommit(head).message).toBe('commit 1\n');
  });
});
