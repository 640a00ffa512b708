import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCommit, decodeTree, encodeCommit, encodeTree, hashObject, type Person } from '../../src/git/encode.js';
import { formatOfOid, objectFormatNamed, SHA1, SHA256 } from '../../src/git/object-format.js';
import { ObjectStore } from '../../src/git/objects.js';
import { errorOf } from '../helpers/errors.js';
import { git, tempDir, testGitEnv } from '../helpers/repo.js';

const ADA: Person = { name: 'Ada Lovelace', email: 'ada@example.com', timestamp: 1767225600, tzOffset: 60 };

function sha256Repo(): string {
  const dir = join(tempDir('gt-sha256-'), 'repo');
  git(tempDir(), 'init', '-q', '--object-format=sha256', dir);
  return dir;
}

function hashWithGit(dir: string, type: string, content: string | Buffer): string {
  return execFileSync('git', ['hash-object', '-t', type, '--stdin'], { cwd: dir, env: testGitEnv(), input: content }).toString().trim();
}

const stores: ObjectStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

describe('object formats', () => {
  it('name objects as git does in a repository of each format, empty tree included', () => {
    const sha1 = join(tempDir('gt-sha1-'), 'repo');
    git(tempDir(), 'init', '-q', sha1);
    const sha256 = sha256Repo();
    for (const [dir, format] of [[sha1, SHA1], [sha256, SHA256]] as const) {
      expect(hashObject('blob', Buffer.from('hi\n'), format)).toBe(hashWithGit(dir, 'blob', 'hi\n'));
      expect(format.emptyTree).toBe(hashWithGit(dir, 'tree', ''));
      expect(format.zero).toBe('0'.repeat(format.hexLength));
    }
    expect(objectFormatNamed('SHA256')).toBe(SHA256);
    expect(objectFormatNamed('sha512')).toBeUndefined();
    expect(formatOfOid(SHA256.emptyTree)).toBe(SHA256);
    expect(formatOfOid(SHA1.emptyTree)).toBe(SHA1);
    expect(formatOfOid('ab'.repeat(25))).toBeUndefined();
  });

  it('encode and decode sha256 trees and commits byte for byte as git writes them', () => {
    const dir = sha256Repo();
    const blob = hashWithGit(dir, 'blob', 'x\n');
    const entries = [
      { mode: '100644' as const, name: 'run.yaml', oid: blob },
      { mode: '040000' as const, name: 'runs', oid: SHA256.emptyTree },
    ];
    const body = encodeTree(entries, SHA256);
    const mktree = execFileSync('git', ['mktree', '--missing'], {
      cwd: dir,
      env: testGitEnv(),
      input: `100644 blob ${blob}\trun.yaml\n040000 tree ${SHA256.emptyTree}\truns\n`,
    }).toString().trim();
    expect(hashObject('tree', body, SHA256)).toBe(mktree);
    expect(decodeTree(body, SHA256)).toEqual(entries);
    const commit = { tree: mktree, parents: [], author: ADA, committer: ADA, message: 'run 1\n' };
    expect(decodeCommit(encodeCommit(commit, SHA256), SHA256)).toEqual(commit);
    // An id of the other format is refused, not written into the object.
    expect(errorOf(() => encodeTree([{ mode: '100644', name: 'a', oid: 'ab'.repeat(20) }], SHA256)).code).toBe('BAD_INPUT');
    expect(errorOf(() => encodeCommit({ ...commit, tree: SHA1.emptyTree }, SHA256)).code).toBe('BAD_INPUT');
    expect(errorOf(() => decodeCommit(encodeCommit(commit, SHA256), SHA1)).code).toBe('CORRUPT_OBJECT');
  });

  it('a sha256 store writes packs git reads and fsck accepts, and reads what git wrote, loose and packed', () => {
    const dir = sha256Repo();
    const store = new ObjectStore(join(dir, '.git', 'objects'), { format: SHA256 });
    stores.push(store);
    const blob = store.write('blob', Buffer.from('metrics: {f1: 0.84}\n'));
    const tree = store.write('tree', encodeTree([{ mode: '100644', name: 'run.yaml', oid: blob }], SHA256));
    const commit = store.write('commit', encodeCommit({ tree, parents: [], author: ADA, committer: ADA, message: 'run 1' }, SHA256));
    store.sync();
    store.release();
    expect(commit).toMatch(/^[0-9a-f]{64}$/);
    expect(git(dir, 'cat-file', '-p', `${commit}:run.yaml`)).toBe('metrics: {f1: 0.84}\n');
    git(dir, 'update-ref', 'refs/heads/runs', commit);
    git(dir, 'fsck', '--strict', '--no-dangling');

    const loose = hashWithGit(dir, 'blob', 'from git\n');
    execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, env: testGitEnv(), input: 'from git\n' });
    expect(store.readBlob(loose).toString()).toBe('from git\n');
    expect(store.resolvePrefix(loose.slice(0, 10))).toEqual([loose]);
    git(dir, 'gc', '-q', '--prune=now');
    const fresh = new ObjectStore(join(dir, '.git', 'objects'), { format: SHA256 });
    stores.push(fresh);
    expect(fresh.readCommit(commit).tree).toBe(tree);
    expect(fresh.readTree(tree)).toEqual([{ mode: '100644', name: 'run.yaml', oid: blob }]);
    expect(fresh.resolvePrefix(commit.slice(0, 8))).toEqual([commit]);
    expect(errorOf(() => fresh.read(SHA1.emptyTree)).code).toBe('BAD_INPUT');
  });
});
