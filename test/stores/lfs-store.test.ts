/**
 * The Git LFS artifact store against the git-lfs project's reference `lfs-test-server` (built
 * from its Go module by tools.ts), end to end through the built binary, and cross-checked
 * with Debian's `git-lfs` client fetching the objects we uploaded.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliWith, git, tempDir, testGitEnv } from '../helpers/repo.js';
import { cloneOf, logRun, makeBare, makeOrigin, ok } from '../helpers/remotes.js';
import { credentialHelper, startLfs, type LfsServer } from './tools.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
let lfs: LfsServer;
let work: string;

beforeAll(async () => {
  work = tempDir('gt-lfs-');
  lfs = await startLfs(work);
}, 600_000);

/** A repository pushing to a bare remote, with the lfs store at the test server and git's credentials from a helper. */
function setup(password = lfs.password): { a: string; bare: string; helperLog: string; url: string } {
  const bare = makeBare();
  const a = makeOrigin(bare);
  const url = `${lfs.url}/ada/models`;
  writeFileSync(join(a, '.git-track.yaml'), `store:\n  type: lfs\n  url: ${url}\n`);
  git(a, 'add', '.git-track.yaml');
  git(a, 'commit', '-q', '-m', 'artifact store');
  git(a, 'push', '-q', 'origin', 'main');
  const helperLog = join(tempDir(), 'helper.log');
  git(a, 'config', 'credential.helper', credentialHelper(tempDir(), lfs.user, password, helperLog));
  return { a, bare, helperLog, url };
}

function objectOnServer(oid: string): string {
  return join(lfs.contentDir, oid.slice(0, 2), oid.slice(2, 4), oid.slice(4));
}

describe('lfs artifact store', () => {
  it('push uploads through the batch API with git credentials; a fresh clone gets verified bytes; nothing is sent twice', () => {
    const { a, bare, helperLog } = setup();
    const model = Buffer.from('lfs model weights '.repeat(5000));
    writeFileSync(join(a, 'model.bin'), model);
    mkdirSync(join(a, 'out'));
    writeFileSync(join(a, 'out', 'report.txt'), 'report\n');
    const id = logRun(a, '-m', 'f1=0.5', '-a', 'model.bin', '-a', 'out');
    // model.bin, the listing of out/ and report.txt
    expect(ok(a, {}, 'push')).toMatch(/pushed 1 run\(s\) to origin, 3 artifact object\(s\)/);
    expect(readFileSync(objectOnServer(sha(model)))).toEqual(model);
    // The git store was not used: no artifacts ref on the remote.
    expect(git(bare, 'for-each-ref', '--format=%(refname)')).not.toContain('refs/git-track/artifacts');
    // git's helper was asked once and told the credentials worked.
    expect(readFileSync(helperLog, 'utf8').split('\n').filter(Boolean)).toEqual(['get', 'store']);

    // A second run with the same model: the server has it, nothing is uploaded.
    logRun(a, '-m', 'f1=0.6', '-a', 'model.bin');
    expect(ok(a, {}, 'push')).not.toMatch(/artifact object/);

    const b = cloneOf(bare);
    git(b, 'config', 'credential.helper', credentialHelper(tempDir(), lfs.user, lfs.password, join(tempDir(), 'b.log')));
    ok(b, {}, 'pull');
    ok(b, {}, 'get', id);
    expect(readFileSync(join(b, 'model.bin'))).toEqual(model);
    expect(readFileSync(join(b, 'out', 'report.txt'), 'utf8')).toBe('report\n');
  });

  it('git lfs itself fetches the objects we uploaded (our pointers are LFS pointers)', () => {
    const { a, bare, url } = setup();
    const model = Buffer.from('weights fetched by git-lfs '.repeat(3000));
    writeFileSync(join(a, 'model.bin'), model);
    logRun(a, '-m', 'f1=0.5', '-a', 'model.bin');
    ok(a, {}, 'push');
    // A branch holding an LFS pointer file for the same object, written by hand as the spec says.
    git(a, 'checkout', '-q', '-b', 'lfs-check');
    writeFileSync(join(a, '.gitattributes'), 'weights.bin filter=lfs diff=lfs merge=lfs -text\n');
    writeFileSync(join(a, '.lfsconfig'), `[lfs]\n\turl = ${url}\n`);
    writeFileSync(join(a, 'weights.bin'), `version https://git-lfs.github.com/spec/v1\noid sha256:${sha(model)}\nsize ${model.length}\n`);
    spawnSync('git', ['add', '.gitattributes', '.lfsconfig'], { cwd: a });
    // Added as the blob it is (no clean filter installed in this repository).
    git(a, 'add', 'weights.bin');
    git(a, 'commit', '-q', '-m', 'pointer');
    git(a, 'push', '-q', 'origin', 'lfs-check');

    const c = join(tempDir(), 'c');
    const env = testGitEnv({ GIT_LFS_SKIP_SMUDGE: '1', GIT_TERMINAL_PROMPT: '0' });
    const helper = credentialHelper(tempDir(), lfs.user, lfs.password, join(tempDir(), 'c.log'));
    const run = (cwd: string, ...args: string[]) => {
      const r = spawnSync('git', ['-c', `credential.helper=${helper}`, '-c', 'filter.lfs.process=git-lfs filter-process', '-c', 'filter.lfs.smudge=git-lfs smudge -- %f', '-c', 'filter.lfs.clean=git-lfs clean -- %f', '-c', 'filter.lfs.required=true', ...args], { cwd, env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    run(tempDir(), 'clone', '-q', '-b', 'lfs-check', bare, c);
    expect(readFileSync(join(c, 'weights.bin'), 'utf8')).toMatch(/^version https:\/\/git-lfs/);
    run(c, 'lfs', 'pull');
    expect(readFileSync(join(c, 'weights.bin'))).toEqual(model);
  });

  it('wrong credentials: one clear line, the helper is told to forget them, the runs did not move', () => {
    const { a, bare, helperLog } = setup('not-the-password');
    writeFileSync(join(a, 'model.bin'), 'some weights');
    logRun(a, '-m', 'f1=0.5', '-a', 'model.bin');
    const r = cliWith(a, {}, 'push');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^git-track: the LFS server http:\/\/127\.0\.0\.1:\d+ refused the credentials git gave for it/);
    expect(r.stderr).not.toContain('not-the-password');
    expect(git(bare, 'for-each-ref', 'refs/heads/runs')).toBe('');
    expect(readFileSync(helperLog, 'utf8').split('\n').filter(Boolean)).toEqual(['get', 'erase']);
  });

  it('a corrupt object on the server: get refuses and writes nothing', () => {
    const { a, bare } = setup();
    const model = Buffer.from('good bytes '.repeat(1000));
    writeFileSync(join(a, 'model.bin'), model);
    const id = logRun(a, '-m', 'f1=0.5', '-a', 'model.bin');
    ok(a, {}, 'push');
    const path = objectOnServer(sha(model));
    chmodSync(path, 0o644);
    writeFileSync(path, Buffer.from('evil bytes '.repeat(1000)));
    const b = cloneOf(bare);
    git(b, 'config', 'credential.helper', credentialHelper(tempDir(), lfs.user, lfs.password, join(tempDir(), 'b.log')));
    ok(b, {}, 'pull');
    const r = cliWith(b, {}, 'get', id);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: object [0-9a-f]{64} in the LFS server .* is corrupt/);
    expect(existsSync(join(b, 'model.bin'))).toBe(false);
    const cache = join(b, '.git', 'git-track', 'objects');
    expect(existsSync(cache) ? readdirSync(join(cache, 'sha256', sha(model).slice(0, 2))).filter((f) => !f.startsWith('.')) : []).toEqual([]);
  });

  it('an ssh remote authenticates with git-lfs-authenticate, as git-lfs does', () => {
    const { a } = setup();
    // The store URL comes from the remote now: drop the configured one.
    writeFileSync(join(a, '.git-track.yaml'), 'store:\n  type: lfs\n');
    git(a, 'commit', '-q', '-am', 'lfs store of the remote');
    const fake = join(tempDir(), 'fake-ssh.sh');
    const argsLog = join(tempDir(), 'ssh-args.log');
    const host = tempDir('gt-sshhost-');
    git(host, 'init', '-q', '--bare', '-b', 'main', join(host, 'team', 'models.git'));
    const auth = `Basic ${Buffer.from(`${lfs.user}:${lfs.password}`).toString('base64')}`;
    // Stands in for ssh to a forge: git-lfs-authenticate answers the JSON a forge gives (a URL
    // and a token); git's own commands run in a directory standing for the host.
    writeFileSync(
      fake,
      `#!/bin/sh\necho "$@" >> '${argsLog}'\nfor last; do :; done\ncase "$*" in *git-lfs-authenticate*) printf '{"href":"${lfs.url}/ada/ssh-models","header":{"Authorization":"${auth}"},"expires_in":3600}'; exit 0;; esac\ncd '${host}' && exec sh -c "$last"\n`,
    );
    chmodSync(fake, 0o755);
    git(a, 'remote', 'add', 'forge', 'git@forge.example:team/models.git');
    git(a, 'config', 'core.sshCommand', fake);
    writeFileSync(join(a, 'model.bin'), 'ssh weights');
    logRun(a, '-m', 'f1=0.5', '-a', 'model.bin');
    expect(ok(a, {}, 'push', 'forge')).toMatch(/1 artifact object/);
    expect(readFileSync(argsLog, 'utf8')).toContain('git@forge.example git-lfs-authenticate team/models.git upload');
    expect(readFileSync(objectOnServer(sha('ssh weights')), 'utf8')).toBe('ssh weights');
    expect(git(join(host, 'team', 'models.git'), 'for-each-ref', '--format=%(refname)', 'refs/heads/runs')).toBe('refs/heads/runs\n');
  });
});
