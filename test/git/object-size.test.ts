import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ObjectStore } from '../../src/git/objects.js';
import { git, makeRepo } from '../helpers/repo.js';
import { SHA1 } from '../../src/git/object-format.js';

function writeBlob(dir: string, content: string): string {
  return execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, input: content, encoding: 'utf8' }).trim();
}

describe('ObjectStore.size: from headers, agreeing with git', () => {
  it('reads the size of loose, packed and deltified objects without their content', () => {
    const dir = makeRepo({ commit: true });
    const base = Array.from({ length: 2000 }, (_, i) => `line ${i} of a manifest-like text\n`).join('');
    const contents = [
      '',
      'small\n',
      base,
      `${base}one more line\n`, // a delta of `base` once packed
      `changed head\n${base.slice(100)}`,
      'x'.repeat(3 * 1024 * 1024), // 512 compressed bytes of this inflate far past 64 KB
    ];
    const oids = contents.map((c) => writeBlob(dir, c));
    const check = () => {
      const store = new ObjectStore(join(dir, '.git', 'objects'), { format: SHA1 });
      try {
        for (const [i, oid] of oids.entries()) {
          expect(store.size(oid), `blob ${i}`).toBe(Number(git(dir, 'cat-file', '-s', oid).trim()));
          expect(store.size(oid)).toBe(Buffer.byteLength(contents[i]!));
        }
        const head = git(dir, 'rev-parse', 'HEAD^{tree}').trim();
        expect(store.size(head)).toBe(Number(git(dir, 'cat-file', '-s', head).trim()));
      } finally {
        store.close();
      }
    };
    check(); // loose
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'keep them reachable', '--allow-empty');
    git(dir, 'tag', 'keep', oids[3]!);
    git(dir, 'tag', 'keep2', oids[4]!);
    git(dir, 'tag', 'keep3', oids[2]!);
    git(dir, 'tag', 'keep4', oids[5]!);
    git(dir, 'tag', 'keep5', oids[1]!);
    git(dir, 'tag', 'keep6', oids[0]!);
    git(dir, 'repack', '-adfq', '--window=50', '--depth=50');
    const deltas = git(dir, 'verify-pack', '-v', ...[git(dir, 'rev-parse', '--git-path', 'objects/pack').trim()].map((p) => join(dir, p, execFileSync('ls', [join(dir, p)], { encoding: 'utf8' }).split('\n').find((f) => f.endsWith('.idx'))!)));
    expect(deltas.split('\n').some((l) => /^[0-9a-f]{40} blob +\d+ \d+ \d+ \d+ [0-9a-f]{40}/.test(l))).toBe(true); // some blob is a delta
    check(); // packed
  });
});
