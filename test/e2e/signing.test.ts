import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embedSignature } from '../../src/git/signing.js';
import { cli, cliWith, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';
import { cloneOf, makeBare } from '../helpers/remotes.js';

/** Throwaway GnuPG homes whose agents are stopped after the tests. */
const gnupgHomes: string[] = [];
afterAll(() => {
  for (const home of gnupgHomes) spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' });
});

const has = (program: string) => spawnSync(program, ['--version'], { stdio: 'ignore' }).error === undefined;

/** A fresh ed25519 key pair: returns the private key's path (the public one is `${path}.pub`). */
function sshKey(comment: string): string {
  const path = join(tempDir('gt-key-'), 'id');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return path;
}

/** An allowed-signers file trusting `keys` for test@example.com. */
function allowedSigners(...keys: string[]): string {
  const path = join(tempDir('gt-allowed-'), 'allowed_signers');
  writeFileSync(path, keys.map((k) => `test@example.com ${readFileSync(`${k}.pub`, 'utf8').trim()}\n`).join(''));
  return path;
}

function sshSigningRepo(key: string, allowed: string): string {
  const dir = makeRepo({ commit: true });
  git(dir, 'config', 'gpg.format', 'ssh');
  git(dir, 'config', 'user.signingKey', key);
  git(dir, 'config', 'commit.gpgSign', 'true');
  git(dir, 'config', 'gpg.ssh.allowedSignersFile', allowed);
  return dir;
}

function ok(dir: string, ...args: string[]): string {
  const r = cli(dir, ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

/** `%G?` of every commit of the runs history git-track wrote (first parents), newest first. */
function statuses(dir: string, env: Record<string, string> = {}): string[] {
  return execFileSync('git', ['log', '--first-parent', '--format=%G?', 'runs'], { cwd: dir, env: testGitEnv(env), encoding: 'utf8' }).trim().split('\n');
}

describe('signed runs', () => {
  it('signs run, tag and promotion commits with an ssh key the way git does', () => {
    const key = sshKey('ada');
    const dir = sshSigningRepo(key, allowedSigners(key));
    const a = ok(dir, 'log', '-m', 'f1=0.8');
    writeFileSync(join(dir, 'train.py'), 'print(2)\n'); // dirty: a snapshot commit too
    ok(dir, 'log', '-m', 'f1=0.9');
    ok(dir, 'tag', a, 'team=growth');
    ok(dir, 'promote', a, '--stage', 'production', '--reason', 'baseline');

    expect(statuses(dir)).toEqual(['G', 'G', 'G', 'G', 'G']); // init, 2 runs, tag, promotion
    for (const commit of git(dir, 'rev-list', '--first-parent', 'runs').trim().split('\n')) git(dir, 'verify-commit', commit);
    const snapshot = git(dir, 'rev-parse', 'runs~2^2').trim();
    git(dir, 'verify-commit', snapshot);
    expect(git(dir, 'log', '--show-signature', '-1', 'runs')).toContain('Good "git" signature for test@example.com with ED25519 key');
    git(dir, 'fsck', '--strict');
    expect(ok(dir, 'verify', '--signatures')).toMatch(/^OK: .*signatures of 5 commit\(s\) checked/);
  });

  it('stores the signature exactly where git puts it (gpgsig header before the message)', () => {
    const key = sshKey('ada');
    const dir = sshSigningRepo(key, allowedSigners(key));
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'signed by git\n\nwith a body');
    const raw = execFileSync('git', ['cat-file', 'commit', 'HEAD'], { cwd: dir });
    const text = raw.toString('utf8');
    const start = text.indexOf('gpgsig ');
    const end = text.indexOf('-----END SSH SIGNATURE-----\n') + '-----END SSH SIGNATURE-----\n'.length;
    const signature = text.slice(start + 7, end).replace(/\n /g, '\n');
    const payload = Buffer.from(text.slice(0, start) + text.slice(end));
    expect(embedSignature(payload, signature).equals(raw)).toBe(true);
  });

  it('names each unsigned, untrusted or rewritten commit, even in a fresh clone', () => {
    const ada = sshKey('ada');
    const eve = sshKey('eve');
    const allowed = allowedSigners(ada);
    const remote = makeBare();
    const dir = sshSigningRepo(ada, allowed);
    git(dir, 'remote', 'add', 'origin', remote);
    git(dir, 'push', '-q', 'origin', 'main');
    const run = ok(dir, 'log', '-m', 'f1=0.8');
    ok(dir, 'push');

    // Someone without Ada's key rewrites the run's metric and force-pushes the history.
    const attacker = cloneOf(remote);
    git(attacker, 'fetch', '-q', 'origin', 'runs:runs');
    const path = `runs/${run.slice(0, 2)}/${run}/run.yaml`;
    const yaml = git(attacker, 'show', `runs:${path}`).replace('f1: 0.8', 'f1: 0.99');
    const env = testGitEnv({ GIT_INDEX_FILE: join(tempDir(), 'index') });
    const sh = (args: string[], input?: string) => execFileSync('git', args, { cwd: attacker, env, input, encoding: 'utf8' }).trim();
    sh(['read-tree', 'runs']);
    sh(['update-index', '--add', '--cacheinfo', `100644,${sh(['hash-object', '-w', '--stdin'], yaml)},${path}`]);
    const forged = sh(['commit-tree', sh(['write-tree']), '-p', 'runs~1', '-p', 'runs^2', '-m', `run ${run}: f1=0.99`]);
    sh(['push', '-q', '--force', 'origin', `${forged}:refs/heads/runs`]);

    const fresh = cloneOf(remote);
    git(fresh, 'fetch', '-q', 'origin', 'runs:runs');
    git(fresh, 'config', 'gpg.ssh.allowedSignersFile', allowed);
    expect(cli(fresh, 'verify').code).toBe(0); // the history alone looks consistent
    const r = cli(fresh, 'verify', '--signatures');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`[signature] commit ${forged.slice(0, 12)} (run ${run}: f1=0.99) is not signed`);
    expect(r.stdout).toContain('1 problem(s)');

    // A commit signed by a key that is not in the allowed signers is named as untrusted.
    git(fresh, 'config', 'gpg.format', 'ssh');
    git(fresh, 'config', 'user.signingKey', eve);
    git(fresh, 'config', 'commit.gpgSign', 'true');
    ok(fresh, 'log', '-m', 'f1=0.1');
    const json = JSON.parse(cli(fresh, 'verify', '--signatures', '--json').stdout);
    expect(json.problems).toEqual([
      { kind: 'signature', message: `commit ${forged.slice(0, 12)} (run ${run}: f1=0.99) is not signed` },
      { kind: 'signature', message: expect.stringMatching(/: f1=0.1\) is signed by a key that is not trusted .*\[key SHA256:/) },
    ]);

    // Without an allowed-signers file git cannot check ssh signatures: said, not passed.
    git(fresh, 'config', '--unset', 'gpg.ssh.allowedSignersFile');
    expect(cli(fresh, 'verify', '--signatures').stdout).toContain('has a signature git cannot check');
  });

  it('checks the runs histories merged by pull, not the code commits runs point at', () => {
    const ada = sshKey('ada');
    const bob = sshKey('bob');
    const allowed = allowedSigners(ada, bob);
    const remote = makeBare();
    const a = sshSigningRepo(ada, allowed);
    git(a, 'remote', 'add', 'origin', remote);
    git(a, 'push', '-q', 'origin', 'main');
    ok(a, 'log', '-m', 'f1=0.8');
    ok(a, 'push');
    const b = cloneOf(remote);
    for (const [k, v] of [['gpg.format', 'ssh'], ['user.signingKey', bob], ['commit.gpgSign', 'true'], ['gpg.ssh.allowedSignersFile', allowed]]) git(b, 'config', k!, v!);
    git(b, 'commit', '-q', '--no-gpg-sign', '--allow-empty', '-m', 'unsigned code commit');
    ok(b, 'log', '-m', 'f1=0.7');
    ok(b, 'pull');
    // b's init and run, a's init and run, the merge: the unsigned code commits are not counted.
    expect(ok(b, 'verify', '--signatures')).toContain('signatures of 5 commit(s) checked');
    // check finds a pulled run's own commit (Ada's), not the merge that brought it (Bob's).
    writeFileSync(join(b, '.git-track.yaml'), 'policy:\n  signed: true\n');
    const pulled = JSON.parse(ok(a, 'show', 'latest', '--json')).id as string;
    const aCommit = git(a, 'rev-parse', 'runs').trim();
    expect(ok(b, 'check', pulled)).toContain(`ok    signed: commit ${aCommit.slice(0, 12)} signed by test@example.com`);

    const unsigned = cliWith(a, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'commit.gpgSign', GIT_CONFIG_VALUE_0: 'false' }, 'log', '-m', 'f1=0.1').stdout.trim();
    ok(a, 'push');
    ok(b, 'pull');
    const r = cli(b, 'verify', '--signatures');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`(run ${unsigned}: f1=0.1) is not signed`);
    expect(r.stdout).toContain('1 problem(s)');
  });

  it('enforces policy signed: true in check and verify --stages', () => {
    const key = sshKey('ada');
    const dir = sshSigningRepo(key, allowedSigners(key));
    // The allowed signers committed with the code, named relative to the work tree as a team would.
    mkdirSync(join(dir, '.git-track'));
    writeFileSync(join(dir, '.git-track/allowed_signers'), readFileSync(allowedSigners(key)));
    git(dir, 'config', 'gpg.ssh.allowedSignersFile', '.git-track/allowed_signers');
    writeFileSync(join(dir, '.git-track.yaml'), 'policy:\n  signed: true\n');
    const signed = ok(dir, 'log', '-m', 'f1=0.8');
    const unsigned = cliWith(dir, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'commit.gpgSign', GIT_CONFIG_VALUE_0: 'false' }, 'log', '-m', 'f1=0.7').stdout.trim();
    expect(statuses(dir).slice(0, 2)).toEqual(['N', 'G']);

    const good = cli(dir, 'check', signed);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/ok +signed: commit \w{12} signed by test@example.com/);
    const bad = cli(dir, 'check', unsigned);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL +signed: commit \w{12} is not signed/);

    ok(dir, 'promote', signed, '--stage', 'production', '--reason', 'signed baseline');
    const stages = cli(dir, 'verify', '--stages');
    expect(stages.code).toBe(1);
    expect(stages.stdout).toContain(`(run ${unsigned}: f1=0.7) is not signed (the policy of .git-track.yaml requires signed runs)`);
    expect(cli(dir, 'verify').code).toBe(0); // without --stages the policy is not applied
  });

  it('signs through ssh-agent with a literal key or gpg.ssh.defaultKeyCommand, as git does (-U)', async () => {
    const key = sshKey('ada');
    const sock = join(tempDir('gt-agent-'), 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      const env = { SSH_AUTH_SOCK: sock };
      execFileSync('ssh-add', ['-q', key], { env: { ...process.env, ...env }, stdio: 'ignore' });
      const dir = sshSigningRepo(key, allowedSigners(key));
      git(dir, 'config', 'user.signingKey', `key::${readFileSync(`${key}.pub`, 'utf8').trim()}`);
      expect(cliWith(dir, env, 'log', '-m', 'f1=0.8').code).toBe(0);
      git(dir, 'config', '--unset', 'user.signingKey');
      git(dir, 'config', 'gpg.ssh.defaultKeyCommand', 'ssh-add -L');
      expect(cliWith(dir, env, 'log', '-m', 'f1=0.9').code).toBe(0);
      expect(statuses(dir)).toEqual(['G', 'G', 'G']);
      // Without the agent there is no key to ask for: the log fails, as git commit would.
      expect(cliWith(dir, { SSH_AUTH_SOCK: join(tempDir(), 'none') }, 'log', '-m', 'f1=1').code).toBe(1);
    } finally {
      agent.kill();
    }
  });

  it('fails with one line and writes nothing when the signer refuses', () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'config', 'gpg.format', 'ssh');
    git(dir, 'config', 'user.signingKey', join(tempDir(), 'no-such-key'));
    git(dir, 'config', 'commit.gpgSign', 'true');
    const r = cli(dir, 'log', '-m', 'f1=0.8');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: ssh signing with 'ssh-keygen' failed: .*nothing was written\)\n$/);
    expect(spawnSync('git', ['rev-parse', '--verify', '-q', 'runs'], { cwd: dir }).status).not.toBe(0);
  });

  it.runIf(has('gpg'))('signs with openpgp (gpg, a throwaway keyring)', () => {
    const home = tempDir('gt-gnupg-');
    gnupgHomes.push(home);
    const env = { GNUPGHOME: home };
    execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Test Author <test@example.com>', 'ed25519', 'sign', 'never'], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const dir = makeRepo({ commit: true });
    git(dir, 'config', 'commit.gpgSign', 'true'); // gpg.format defaults to openpgp, the key to the committer
    // gpg.program is honoured: a wrapper that notes each call, then runs gpg.
    const wrapper = join(home, 'gpg-wrapper');
    writeFileSync(wrapper, `#!/bin/sh\necho "$@" >> ${home}/calls\nexec gpg "$@"\n`, { mode: 0o755 });
    git(dir, 'config', 'gpg.program', wrapper);
    const r = cliWith(dir, env, 'log', '-m', 'f1=0.8');
    expect(r.stderr).toBe('');
    expect(readFileSync(join(home, 'calls'), 'utf8')).toBe('--status-fd=2 -bsau Test Author <test@example.com>\n'.repeat(2));
    expect(statuses(dir, env)).toEqual(['G', 'G']);
    execFileSync('git', ['verify-commit', 'runs'], { cwd: dir, env: testGitEnv(env), stdio: 'ignore' });
    expect(execFileSync('git', ['log', '--show-signature', '-1', 'runs'], { cwd: dir, env: testGitEnv(env), encoding: 'utf8' })).toContain(
      'Good signature from "Test Author <test@example.com>"',
    );
    expect(cliWith(dir, env, 'verify', '--signatures').code).toBe(0);
  });

  it.runIf(has('gpgsm'))('signs with x509 (gpgsm, a self-signed certificate)', () => {
    const home = tempDir('gt-gpgsm-');
    gnupgHomes.push(home);
    const env = { GNUPGHOME: home };
    const run = (args: string[]) => execFileSync('gpgsm', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
    writeFileSync(join(home, 'gpgsm.conf'), 'disable-crl-checks\n');
    writeFileSync(join(home, 'gpg-agent.conf'), 'allow-loopback-pinentry\n');
    const params = 'Key-Type: RSA\nKey-Length: 2048\nKey-Usage: sign\nSerial: random\nName-DN: CN=Test Author\nName-Email: test@example.com\n';
    writeFileSync(join(home, 'params'), params);
    const cert = run(['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--gen-key', join(home, 'params')]);
    writeFileSync(join(home, 'cert.pem'), cert);
    run(['--batch', '--import', join(home, 'cert.pem')]);
    const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(run(['--list-keys', '--with-colons']).toString())![1]!;
    writeFileSync(join(home, 'trustlist.txt'), `${fpr} S relax\n`);
    const dir = makeRepo({ commit: true });
    git(dir, 'config', 'gpg.format', 'x509');
    git(dir, 'config', 'user.signingKey', `0x${fpr.slice(-8)}`);
    git(dir, 'config', 'commit.gpgSign', 'true');
    const r = cliWith(dir, env, 'log', '-m', 'f1=0.8');
    expect(r.stderr).toBe('');
    expect(statuses(dir, env)).toEqual(['G', 'G']);
    execFileSync('git', ['verify-commit', 'runs'], { cwd: dir, env: testGitEnv(env), stdio: 'ignore' });
    expect(cliWith(dir, env, 'verify', '--signatures').code).toBe(0);
  });
});
