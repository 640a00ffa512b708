import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  decodeCommit,
  decodeTree,
  encodeCommit,
  encodeTree,
  hashObject,
  type CommitData,
  type Person,
  type TreeEntry,
} from '../../src/git/encode.js';
import { isGitTrackError } from '../../src/errors.js';
import { git, makeRepo, testGitEnv } from '../helpers/repo.js';
import { SHA1 } from '../../src/git/object-format.js';

/** git with binary stdin/stdout and extra environment. */
function gitRaw(dir: string, args: string[], input?: Buffer | string, env: Record<string, string> = {}): Buffer {
  return execFileSync('git', args, { cwd: dir, env: testGitEnv(env), input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isGitTrackError(err) ? err.code : `not a GitTrackError: ${String(err)}`;
  }
  return undefined;
}

const ZERO = '0'.repeat(40);
const ADA: Person = { name: 'Ada Lovelace', email: 'ada@example.com', timestamp: 1767225600, tzOffset: 120 };

describe('hashObject', () => {
  it('matches git hash-object for empty and non-empty blobs', () => {
    const dir = makeRepo();
    for (const text of ['', 'hi\n', 'x'.repeat(10_000)]) {
      const expected = gitRaw(dir, ['hash-object', '--stdin'], text).toString().trim();
      expect(hashObject('blob', Buffer.from(text), SHA1)).toBe(expected);
    }
  });
});

describe('encodeTree', () => {
  it('orders odd names exactly like git mktree and passes fsck --strict', () => {
    const dir = makeRepo();
    const blob = gitRaw(dir, ['hash-object', '-w', '--stdin'], 'content\n').toString().trim();
    const other = gitRaw(dir, ['hash-object', '-w', '--stdin'], 'other\n').toString().trim();
    const sub = gitRaw(dir, ['mktree'], `100644 blob ${blob}\tinner\n`).toString().trim();
    const entries: TreeEntry[] = [
      { mode: '040000', name: 'a', oid: sub },
      { mode: '100644', name: 'a.txt', oid: blob },
      { mode: '100755', name: 'a-b', oid: other },
      { mode: '100644', name: 'a.b', oid: blob },
      { mode: '100644', name: 'a0', oid: blob },
      { mode: '040000', name: 'b', oid: sub },
      { mode: '100644', name: 'b.', oid: other },
      { mode: '120000', name: 'B', oid: blob },
      { mode: '100644', name: 'é', oid: blob },
      { mode: '100644', name: '~', oid: other },
      { mode: '160000', name: 'sub', oid: '1'.repeat(40) },
    ];
    const mktreeInput = entries
      .map((e) => `${e.mode} ${e.mode === '040000' ? 'tree' : e.mode === '160000' ? 'commit' : 'blob'} ${e.oid}\t${e.name}\n`)
      .join('');
    const expected = gitRaw(dir, ['mktree'], mktreeInput).toString().trim();
    const body = encodeTree(entries, SHA1);
    expect(hashObject('tree', body, SHA1)).toBe(expected);
    expect(gitRaw(dir, ['cat-file', 'tree', expected]).equals(body)).toBe(true);
    // Same tree from the reversed input: order comes from the encoder, not the caller.
    expect(encodeTree([...entries].reverse(), SHA1).equals(body)).toBe(true);
    const written = gitRaw(dir, ['hash-object', '-w', '-t', 'tree', '--stdin'], body).toString().trim();
    expect(written).toBe(expected);
    git(dir, 'fsck', '--strict', '--no-dangling');
  });

  it('encodes the empty tree', () => {
    expect(hashObject('tree', encodeTree([], SHA1), SHA1)).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });

  it('rejects duplicates, path-like and reserved names, bad modes and bad ids', () => {
    const f = (name: string, mode: TreeEntry['mode'] = '100644'): TreeEntry => ({ mode, name, oid: ZERO });
    const bad: TreeEntry[][] = [
      [f('x'), f('x')],
      [f('a'), f('a', '040000')],
      [f('a/b')],
      [f('a\0b')],
      [f('')],
      [f('.')],
      [f('..')],
      [f('.git', '040000')],
      [f('.GIT')],
      [f('git~1')],
      [f('.git. ')],
      [f('.gitmodules', '120000')],
      [{ mode: '100664' as TreeEntry['mode'], name: 'x', oid: ZERO }],
      [{ mode: '100644', name: 'x', oid: 'abc' }],
      [{ mode: '100644', name: 'x', oid: ZERO.toUpperCase().replace(/0/g, 'A') }],
    ];
    for (const entries of bad) expect(codeOf(() => encodeTree(entries, SHA1)), JSON.stringify(entries)).toBe('BAD_INPUT');
  });
});

describe('decodeTree', () => {
  it('round-trips, normalising the tree mode to 040000', () => {
    const entries: TreeEntry[] = [
      { mode: '040000', name: 'dir', oid: '2'.repeat(40) },
      { mode: '100644', name: 'file.txt', oid: '3'.repeat(40) },
      { mode: '100755', name: 'run.sh', oid: '4'.repeat(40) },
    ];
    const body = encodeTree(entries, SHA1);
    expect(body.includes(Buffer.from('40000 dir\0'))).toBe(true);
    expect(body.includes(Buffer.from('040000'))).toBe(false);
    expect(decodeTree(body, SHA1)).toEqual(entries);
  });

  it('canonicalises legacy modes and rejects truncated data', () => {
    const legacy = Buffer.concat([Buffer.from('100664 old\0'), Buffer.alloc(20, 0xab)]);
    expect(decodeTree(legacy, SHA1)).toEqual([{ mode: '100644', name: 'old', oid: 'ab'.repeat(20) }]);
    expect(codeOf(() => decodeTree(legacy.subarray(0, legacy.length - 1), SHA1))).toBe('CORRUPT_OBJECT');
    expect(codeOf(() => decodeTree(Buffer.from('777777 x\0' + 'a'.repeat(20)), SHA1))).toBe('CORRUPT_OBJECT');
  });
});

describe('encodeCommit', () => {
  it('matches git commit-tree byte for byte', () => {
    const dir = makeRepo();
    const tree = gitRaw(dir, ['mktree'], '').toString().trim();
    const env = (who: Person, role: 'AUTHOR' | 'COMMITTER', zone: string): Record<string, string> => ({
      [`GIT_${role}_NAME`]: who.name,
      [`GIT_${role}_EMAIL`]: who.email,
      [`GIT_${role}_DATE`]: `@${who.timestamp} ${zone}`,
    });
    const committer: Person = { name: 'CI Bot', email: 'ci@example.com', timestamp: 1767229200, tzOffset: -330 };
    const ids = { ...env(ADA, 'AUTHOR', '+0200'), ...env(committer, 'COMMITTER', '-0530') };
    const root: CommitData = { tree, parents: [], author: ADA, committer, message: 'root' };
    const rootId = gitRaw(dir, ['commit-tree', tree], 'root\n', ids).toString().trim();
    expect(hashObject('commit', encodeCommit(root, SHA1), SHA1)).toBe(rootId);

    const second = gitRaw(dir, ['commit-tree', tree, '-p', rootId], 'second\n', ids).toString().trim();
    const message = 'run 3f9a: f1=0.84\n\nparams: depth=8\nünïcode body\n';
    const merge: CommitData = { tree, parents: [rootId, second], author: ADA, committer, message };
    const expected = gitRaw(dir, ['commit-tree', tree, '-p', rootId, '-p', second], message, ids).toString().trim();
    const body = encodeCommit(merge, SHA1);
    expect(gitRaw(dir, ['cat-file', 'commit', expected]).equals(body)).toBe(true);
    expect(hashObject('commit', body, SHA1)).toBe(expected);
  });

  it('ends the message with exactly one newline and formats zones', () => {
    const base: CommitData = { tree: ZERO, parents: [], author: ADA, committer: ADA, message: 'x\n\n\n' };
    expect(encodeCommit(base, SHA1).toString().endsWith('\n\nx\n')).toBe(true);
    expect(encodeCommit({ ...base, message: 'x' }, SHA1).equals(encodeCommit(base, SHA1))).toBe(true);
    const utc = encodeCommit({ ...base, author: { ...ADA, tzOffset: 0 }, committer: { ...ADA, tzOffset: -0 } }, SHA1).toString();
    expect(utc).toContain('author Ada Lovelace <ada@example.com> 1767225600 +0000\n');
    expect(utc).toContain('committer Ada Lovelace <ada@example.com> 1767225600 -0000\n');
  });

  it('rejects identities git would misparse and malformed ids', () => {
    const base: CommitData = { tree: ZERO, parents: [], author: ADA, committer: ADA, message: 'm' };
    const cases: CommitData[] = [
      { ...base, author: { ...ADA, name: 'Ada <evil>' } },
      { ...base, author: { ...ADA, name: 'Ada\nLovelace' } },
      { ...base, committer: { ...ADA, name: 'a>b' } },
      { ...base, committer: { ...ADA, email: 'a>b@example.com' } },
      { ...base, author: { ...ADA, timestamp: -1 } },
      { ...base, author: { ...ADA, timestamp: 1.5 } },
      { ...base, author: { ...ADA, tzOffset: 6000 } },
      { ...base, tree: 'HEAD' },
      { ...base, parents: ['abc'] },
    ];
    for (const c of cases) expect(codeOf(() => encodeCommit(c, SHA1))).toBe('BAD_INPUT');
  });
});

describe('decodeCommit', () => {
  it('round-trips what encodeCommit writes', () => {
    const c: CommitData = {
      tree: '1'.repeat(40),
      parents: ['2'.repeat(40), '3'.repeat(40)],
      author: ADA,
      committer: { name: 'CI', email: 'ci@example.com', timestamp: 5, tzOffset: -330 },
      message: 'subject\n\nbody\n',
    };
    expect(decodeCommit(encodeCommit(c, SHA1), SHA1)).toEqual(c);
  });

  it('skips gpgsig, encoding and mergetag headers and keeps the message intact', () => {
    const raw = [
      `tree ${'1'.repeat(40)}`,
      `parent ${'2'.repeat(40)}`,
      'author Ada Lovelace <ada@example.com> 1767225600 +0200',
      'committer Ada Lovelace <ada@example.com> 1767225600 -0100',
      'encoding ISO-8859-1',
      `mergetag object ${'4'.repeat(40)}`,
      ' type commit',
      ' tag v1',
      'gpgsig -----BEGIN PGP SIGNATURE-----',
      ' ',
      ' iQEzBAABCAAdFiEE',
      ' -----END PGP SIGNATURE-----',
      '',
      'signed message',
      '',
      'tree inside the body is not a header',
      '',
    ].join('\n');
    const c = decodeCommit(Buffer.from(raw), SHA1);
    expect(c.tree).toBe('1'.repeat(40));
    expect(c.parents).toEqual(['2'.repeat(40)]);
    expect(c.committer.tzOffset).toBe(-60);
    expect(c.message).toBe('signed message\n\ntree inside the body is not a header\n');
    expect(codeOf(() => decodeCommit(Buffer.from('author A <a> 1 +0000\n\nm\n'), SHA1))).toBe('CORRUPT_OBJECT');
  });

  it('decodes a commit made by git', () => {
    const dir = makeRepo({ commit: true });
    const id = git(dir, 'rev-parse', 'HEAD').trim();
    const c = decodeCommit(gitRaw(dir, ['cat-file', 'commit', id]), SHA1);
    expect(c.tree).toBe(git(dir, 'rev-parse', 'HEAD^{tree}').trim());
    expect(c.parents).toEqual([]);
    expect(c.author.name).toBe('Test Author');
    expect(c.message).toBe('initial\n');
  });
});
