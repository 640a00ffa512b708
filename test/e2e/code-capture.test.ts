import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';

function logRun(dir: string, ...args: string[]): string {
  const r = cli(dir, 'log', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

/** A file of the run's directory on `runs`, as bytes. */
function runFile(dir: string, id: string, name: string): Buffer {
  return execFileSync('git', ['show', `runs:runs/${id.slice(0, 2)}/${id}/${name}`], { cwd: dir, env: testGitEnv() });
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('code capture keeps bytes as bytes', () => {
  it('stores the patch of a Latin-1 file as bytes, and git apply reproduces the file exactly', () => {
    const dir = makeRepo({ commit: true });
    const before = Buffer.from('caf\xe9 au lait\nna\xefve\n', 'latin1');
    const after = Buffer.from('caf\xe9 cr\xe8me\nna\xefve\n\xff\xfe end\n', 'latin1');
    writeFileSync(join(dir, 'notes.txt'), before);
    git(dir, 'add', 'notes.txt');
    git(dir, 'commit', '-q', '-m', 'latin-1 notes');
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    // Settings that would make a patch that does not apply, if they were obeyed.
    git(dir, 'config', 'diff.noprefix', 'true');
    git(dir, 'config', 'diff.submodule', 'log');
    writeFileSync(join(dir, 'notes.txt'), after);

    const id = logRun(dir, '-m', 'f1=0.5');
    const patch = runFile(dir, id, 'code.patch');
    expect(patch.includes(Buffer.from('\ufffd'))).toBe(false);
    expect(patch.includes(Buffer.from('caf\xe9 cr\xe8me', 'latin1'))).toBe(true);

    const copy = join(tempDir(), 'copy');
    git(tempDir(), 'clone', '-q', dir, copy);
    git(copy, 'checkout', '-q', base);
    writeFileSync(join(copy, '..', 'run.patch'), patch);
    git(copy, 'apply', join(copy, '..', 'run.patch'));
    expect(readFileSync(join(copy, 'notes.txt')).equals(after)).toBe(true);
  });

  it('hashes a data directory holding a file whose name is not UTF-8, the name kept as bytes', () => {
    const dir = makeRepo({ commit: true });
    const data = join(dir, 'data');
    mkdirSync(data);
    const latin1Name = Buffer.from('caf\xe9.csv', 'latin1');
    writeFileSync(Buffer.concat([Buffer.from(`${data}/`), latin1Name]), 'a,b\n');
    writeFileSync(join(data, 'z.csv'), 'z\n');

    const id = logRun(dir, '-d', 'data');
    const manifest = runFile(dir, id, 'run.yaml').toString('utf8');
    // The listing: one line per file, the Latin-1 name as its raw bytes, sorted as bytes.
    const listing = Buffer.concat([
      Buffer.from(`${sha256('a,b\n')} 4 `),
      latin1Name,
      Buffer.from(`\n${sha256('z\n')} 2 z.csv\n`),
    ]);
    expect(manifest).toContain(`sha256: ${sha256(listing)}`);
    expect(manifest).toContain('files: 2');

    // As an artifact its bytes and listing are cached, and verify re-reads the listing as bytes.
    // 0xF8 is never UTF-8; as bytes it sorts after the emoji's 0xF0, decoded (U+FFFD, 0xEF…) before it.
    const names = [Buffer.from('caf\xf8.csv', 'latin1'), Buffer.from('caf\u{1F600}.csv')];
    const models = join(dir, 'models');
    mkdirSync(models);
    for (const n of names) writeFileSync(Buffer.concat([Buffer.from(`${models}/`), n]), n);
    logRun(dir, '-a', 'models');
    const verify = cli(dir, 'verify', '--json');
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, problems: [] });

    // The same directory with the file renamed to UTF-8 'café.csv' hashes differently.
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'café.csv'), 'a,b\n');
    writeFileSync(join(other, 'z.csv'), 'z\n');
    const id2 = logRun(dir, '-d', 'other');
    expect(runFile(dir, id2, 'run.yaml').toString()).not.toContain(`sha256: ${sha256(listing)}`);
  });
});

describe('submodules', () => {
  function withSubmodule(): { dir: string; sub: string } {
    const lib = makeRepo({ commit: true });
    const dir = makeRepo({ commit: true });
    git(dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'vendor/lib');
    git(dir, 'commit', '-q', '-m', 'add lib');
    return { dir, sub: join(dir, 'vendor/lib') };
  }

  it('records each submodule with its commit; a clean one is clean', () => {
    const { dir, sub } = withSubmodule();
    const head = git(sub, 'rev-parse', 'HEAD').trim();
    const id = logRun(dir, '-m', 'f1=0.5');
    const yaml = runFile(dir, id, 'run.yaml').toString();
    expect(yaml).toContain(`submodules:\n  - path: vendor/lib\n    commit: ${head}\n    dirty: false\n`);
    expect(yaml).toContain('  dirty: false\n');
  });

  it('says when a dirty submodule\'s changes are not in the snapshot', () => {
    const { dir, sub } = withSubmodule();
    writeFileSync(join(sub, 'train.py'), 'print("edited inside the submodule")\n');
    const head = git(sub, 'rev-parse', 'HEAD').trim();
    const id = logRun(dir, '-m', 'f1=0.5');
    const yaml = runFile(dir, id, 'run.yaml').toString();
    expect(yaml).toContain(`submodules:\n  - path: vendor/lib\n    commit: ${head}\n    dirty: true\n    changes_in_snapshot: false\n`);
    const show = cli(dir, 'show', id, '--json');
    expect(JSON.parse(show.stdout).submodules).toEqual([{ path: 'vendor/lib', commit: head, dirty: true, changes_in_snapshot: false }]);
  });

  it('records the submodule commit checked out, which the snapshot holds', () => {
    const { dir, sub } = withSubmodule();
    git(sub, 'commit', '-q', '--allow-empty', '-m', 'moved on');
    const moved = git(sub, 'rev-parse', 'HEAD').trim();
    const id = logRun(dir, '-m', 'f1=0.5');
    const yaml = runFile(dir, id, 'run.yaml').toString();
    expect(yaml).toContain(`  - path: vendor/lib\n    commit: ${moved}\n    dirty: false\n`);
    const snapshot = /snapshot: ([0-9a-f]{40})/.exec(yaml)![1]!;
    expect(git(dir, 'ls-tree', snapshot, 'vendor/lib')).toContain(`160000 commit ${moved}\tvendor/lib`);
    git(dir, 'fsck', '--strict');
  });

  it('checkout and get write code files and artifact files with names that are not UTF-8 under their exact bytes', () => {
    const dir = makeRepo({ commit: true });
    const codeName = Buffer.from('caf\xe9.txt', 'latin1');
    // A committed file whose name git holds as Latin-1 bytes, added through the index by name.
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, env: testGitEnv(), input: 'code\n' }).toString().trim();
    execFileSync('sh', ['-c', 'git update-index --add --cacheinfo "100644,$0,$(printf \'caf\\351.txt\')"', blob], { cwd: dir, env: testGitEnv() });
    git(dir, 'commit', '-q', '-m', 'latin-1 name');
    expect(execFileSync('git', ['ls-tree', '-z', '--name-only', 'HEAD'], { cwd: dir, env: testGitEnv() }).includes(codeName)).toBe(true);
    execFileSync('git', ['checkout', '-q', '--', '.'], { cwd: dir, env: testGitEnv() });
    const models = join(dir, 'models');
    const sub = Buffer.concat([Buffer.from(`${models}/`), Buffer.from('r\xe9s\xff', 'latin1')]);
    mkdirSync(sub, { recursive: true });
    writeFileSync(Buffer.concat([sub, Buffer.from('/'), Buffer.from('w\xe9.bin', 'latin1')]), 'weights');
    writeFileSync(join(models, 'plain.bin'), 'plain');
    const id = logRun(dir, '-m', 'f1=0.5', '-a', 'models');
    const listing = (p: string) =>
      execFileSync('sh', ['-c', 'cd "$0" && find . -print0 | LC_ALL=C sort -z', p], { env: testGitEnv() }).toString('latin1').split('\0').filter(Boolean);
    const original = listing(dir).filter((p) => p !== './.git' && !p.startsWith('./.git/'));
    const out = join(tempDir(), 'out');
    const r = cli(dir, 'checkout', id, out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(listing(out)).toEqual(original);
    expect(original).toContain('./caf\xe9.txt');
    expect(original).toContain('./models/r\xe9s\xff/w\xe9.bin');
    expect(readFileSync(Buffer.concat([Buffer.from(`${out}/models/`), Buffer.from('r\xe9s\xff/w\xe9.bin', 'latin1')]), 'utf8')).toBe('weights');
    execFileSync('rm', ['-rf', models]);
    const got = cli(dir, 'get', id);
    expect(got.code, got.stderr).toBe(0);
    expect(listing(dir).filter((p) => p.startsWith('./models'))).toEqual(original.filter((p) => p.startsWith('./models')));
  });
});
