import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliWith, git, tempDir } from '../helpers/repo.js';
import { cloneOf, logRun, makeBare, makeOrigin, ok } from '../helpers/remotes.js';
import { createHash } from 'node:crypto';

const none = {};
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function withArtifacts(dir: string): { id: string; model: Buffer } {
  const model = Buffer.from('model weights '.repeat(100));
  mkdirSync(join(dir, 'out', 'plots'), { recursive: true });
  writeFileSync(join(dir, 'model.bin'), model);
  writeFileSync(join(dir, 'out', 'plots', 'loss.svg'), '<svg/>');
  writeFileSync(join(dir, 'out', 'report.txt'), 'report\n');
  const id = logRun(dir, '-m', 'f1=0.5', '-a', 'model.bin:model', '-a', 'out');
  return { id, model };
}

describe('artifact bytes travel with push and pull', () => {
  it('default git store: a fresh clone restores files and directories, verified', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    const { id, model } = withArtifacts(a);
    // model.bin, the listing of out/ and its two files
    expect(ok(a, none, 'push')).toMatch(/pushed 1 run\(s\) to origin, 4 artifact object\(s\)/);
    expect(git(bare, 'for-each-ref', '--format=%(refname)')).toContain('refs/git-track/artifacts');
    expect(git(bare, 'show', `refs/git-track/artifacts:sha256/${sha(model).slice(0, 2)}/${sha(model).slice(2)}`)).toBe(model.toString());

    const b = cloneOf(bare);
    ok(b, none, 'pull');
    expect(existsSync(join(b, '.git', 'git-track', 'objects'))).toBe(false);
    const out = ok(b, none, 'get', id);
    expect(out).toContain(`restored  ${join(b, 'model.bin')}`);
    expect(readFileSync(join(b, 'model.bin'))).toEqual(model);
    expect(readFileSync(join(b, 'out', 'plots', 'loss.svg'), 'utf8')).toBe('<svg/>');
    expect(readFileSync(join(b, 'out', 'report.txt'), 'utf8')).toBe('report\n');
    // Again: identical files are left alone.
    expect(ok(b, none, 'get', id, 'model.bin')).toContain('unchanged');
    // -o writes elsewhere; PATH selects.
    const elsewhere = tempDir();
    ok(b, none, 'get', id, 'out', '-o', elsewhere);
    expect(readdirSync(elsewhere)).toEqual(['out']);
    git(b, 'fsck', '--strict');
  });

  it('never overwrites a different file unless --force', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    const { id, model } = withArtifacts(a);
    writeFileSync(join(a, 'model.bin'), 'changed');
    const r = cli(a, 'get', id, 'model.bin');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exists and differs');
    expect(readFileSync(join(a, 'model.bin'), 'utf8')).toBe('changed');
    ok(a, none, 'get', id, 'model.bin', '--force');
    expect(readFileSync(join(a, 'model.bin'))).toEqual(model);
  });

  it('refuses at push an artifact over the git store cap, saying how to configure a store', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    logRun(a, '-m', 'f1=0.1');
    ok(a, none, 'push');
    const tip = git(bare, 'rev-parse', 'runs');
    withArtifacts(a);
    git(a, 'config', 'gittrack.store.maxFileSize', '1KB');
    const r = cli(a, 'push');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('model.bin');
    expect(r.stderr).toContain('1.0 KB cap');
    expect(r.stderr).toContain('git config gittrack.store.dir');
    expect(git(bare, 'rev-parse', 'runs')).toBe(tip); // nothing left behind silently, nothing sent
    // The committed config can raise it.
    git(a, 'config', '--unset', 'gittrack.store.maxFileSize');
    writeFileSync(join(a, '.git-track.yaml'), 'store:\n  type: git\n  max_file_size: 2KB\n');
    ok(a, none, 'push');
    expect(git(bare, 'rev-parse', 'runs')).not.toBe(tip);
  });

  it('dir store from .git-track.yaml or git config: content-addressed files, verified on the way back', () => {
    const bare = makeBare();
    const shared = tempDir('gt-share-');
    const a = makeOrigin(bare);
    writeFileSync(join(a, '.git-track.yaml'), `store:\n  type: dir\n  path: ${shared}\n`);
    const { id, model } = withArtifacts(a);
    ok(a, none, 'push');
    const object = join(shared, 'sha256', sha(model).slice(0, 2), sha(model).slice(2));
    expect(readFileSync(object)).toEqual(model);
    expect(git(bare, 'for-each-ref', '--format=%(refname)')).not.toContain('refs/git-track/artifacts');

    // Another user, with the store only in their own git config (mounted elsewhere).
    const b = cloneOf(bare);
    git(b, 'config', 'gittrack.store.dir', shared);
    ok(b, none, 'pull');
    ok(b, none, 'get', id, 'model.bin');
    expect(readFileSync(join(b, 'model.bin'))).toEqual(model);

    // A corrupt object in the share is an error, never a silent copy.
    const c = cloneOf(bare);
    git(c, 'config', 'gittrack.store.dir', shared);
    ok(c, none, 'pull');
    chmodSync(object, 0o644);
    writeFileSync(object, 'tampered');
    const r = cli(c, 'get', id, 'model.bin');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('corrupt');
    expect(existsSync(join(c, 'model.bin'))).toBe(false);
    expect(existsSync(join(c, '.git', 'git-track', 'objects', 'sha256', sha(model).slice(0, 2), sha(model).slice(2)))).toBe(false);
  });

  it('a missing object is one clear line naming the artifact', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    const { id } = withArtifacts(a);
    ok(a, none, 'push');
    const b = cloneOf(bare);
    git(b, 'fetch', '-q', 'origin', 'runs:runs'); // runs without the artifacts ref
    const r = cli(b, 'get', id, 'model.bin');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: the bytes of model\.bin .* neither in the local cache nor in refs\/git-track\/artifacts/);
  });

  it('an invalid .git-track.yaml is one line naming the key', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    logRun(a, '-m', 'f1=0.1');
    writeFileSync(join(a, '.git-track.yaml'), 'store:\n  type: nfs\n');
    const r = cliWith(a, {}, 'push');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: \.git-track\.yaml: store\.type: .*\n$/);
    expect(git(bare, 'for-each-ref')).toBe('');
    // An s3 store needs its bucket.
    writeFileSync(join(a, '.git-track.yaml'), 'store:\n  type: s3\n');
    const s3 = cliWith(a, {}, 'push');
    expect(s3.code).toBe(1);
    expect(s3.stderr).toMatch(/^git-track: \.git-track\.yaml: store\.bucket: .*\n$/);
    expect(git(bare, 'for-each-ref')).toBe('');
    rmSync(join(a, '.git-track.yaml'));
  });
});
