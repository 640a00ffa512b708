import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliWith, git, tempDir } from '../helpers/repo.js';
import { cloneOf, expectFsckClean, fakeSsh, logRun, makeBare, makeOrigin, ok, remoteRunIds, runIds, startHttpServer } from '../helpers/remotes.js';

const PASSWORD = 's3cret-Pa55-word';

/** Every file under `dir` (recursively) whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else if (readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

describe('network transports go through the system git', () => {
  it("git's smart HTTP (http-backend): push, clone, pull", async () => {
    const bare = makeBare();
    git(bare, 'config', 'http.receivepack', 'true');
    const { url } = await startHttpServer(dirname(bare));
    const remote = `${url}/${basename(bare)}`;
    const a = makeOrigin(remote);
    const id1 = logRun(a, '-m', 'f1=0.1');
    writeFileSync(join(a, 'model.bin'), 'weights');
    const id2 = logRun(a, '-m', 'f1=0.2', '-a', 'model.bin');
    expect(ok(a, {}, 'push')).toContain('pushed 2 run(s) to origin');
    expect(remoteRunIds(bare)).toEqual([id1, id2].sort());
    const b = cloneOf(remote);
    expect(ok(b, {}, 'pull')).toContain('pulled 2 run(s)');
    const id3 = logRun(b, '-m', 'f1=0.3');
    ok(b, {}, 'push');
    ok(a, {}, 'pull');
    expect(runIds(a)).toEqual([id1, id2, id3].sort());
    ok(b, {}, 'get', id2);
    expect(readFileSync(join(b, 'model.bin'), 'utf8')).toBe('weights');
    expectFsckClean(bare);
  });

  it('https-style basic auth through a credential helper; the secret appears nowhere', async () => {
    const bare = makeBare();
    git(bare, 'config', 'http.receivepack', 'true');
    const { url } = await startHttpServer(dirname(bare), `alice:${PASSWORD}`);
    const remote = `${url}/${basename(bare)}`;
    const store = join(tempDir('gt-cred-'), 'credentials');
    writeFileSync(store, `${url.replace('http://', `http://alice:${PASSWORD}@`)}\n`, { mode: 0o600 });
    const a = makeOrigin(remote);
    git(a, 'config', 'credential.helper', `store --file=${store}`);
    const id = logRun(a, '-m', 'f1=0.1');
    const outputs: string[] = [];
    const run = (dir: string, ...args: string[]) => {
      const r = cli(dir, ...args);
      outputs.push(r.stdout, r.stderr);
      expect(r.code).toBe(0);
    };
    run(a, 'push');
    const b = cloneOf(remote, [['credential.helper', `store --file=${store}`]]);
    git(b, 'config', 'credential.helper', `store --file=${store}`);
    run(b, 'pull');
    const id2 = logRun(b, '-m', 'f1=0.2');
    run(b, 'push');
    run(a, 'pull');
    run(a, 'show', id2);
    expect(runIds(a)).toEqual([id, id2].sort());
    // Not in any output, manifest, commit, reflog or other file of either clone or the remote.
    for (const text of outputs) expect(text).not.toContain(PASSWORD);
    for (const dir of [a, b]) {
      expect(git(dir, 'log', '-p', 'runs')).not.toContain(PASSWORD);
      expect(filesContaining(join(dir, '.git'), PASSWORD)).toEqual([]);
    }
    expect(filesContaining(bare, PASSWORD)).toEqual([]);
    expect(git(a, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`)).toContain(`remote: ${remote}`);

    // Wrong credentials: a clear failure that does not echo them.
    const wrong = join(tempDir('gt-cred-'), 'credentials');
    writeFileSync(wrong, `${url.replace('http://', 'http://alice:not-the-password@')}\n`);
    git(a, 'config', 'credential.helper', `store --file=${wrong}`);
    logRun(a, '-m', 'f1=0.3');
    const denied = cli(a, 'push');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('origin');
    expect(denied.stderr).not.toContain('not-the-password');
    // Credentials typed into a URL are scrubbed from messages too.
    const inline = cliWith(a, {}, 'push', `${url.replace('http://', `http://alice:${PASSWORD}@`)}/missing.git`);
    expect(inline.code).toBe(1);
    expect(inline.stderr).not.toContain(PASSWORD);
    expect(inline.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('ssh: the system git runs GIT_SSH_COMMAND (a local stand-in for sshd)', () => {
    const bare = makeBare();
    const ssh = fakeSsh();
    const env = { GIT_SSH_COMMAND: ssh.command, GIT_SSH_VARIANT: 'simple' };
    const remote = `ssh://build-host${bare}`;
    const a = makeOrigin(remote);
    const id = logRun(a, '-m', 'f1=0.1');
    expect(ok(a, env, 'push')).toContain('pushed 1 run(s)');
    const b = makeOrigin(`build-host:${bare}`); // scp-like syntax
    expect(ok(b, env, 'pull')).toContain('pulled 1 run(s)');
    expect(runIds(b)).toEqual([id]);
    const calls = readFileSync(ssh.log, 'utf8');
    expect(calls).toContain(`build-host git-receive-pack '${bare}'`);
    expect(calls).toContain(`build-host git-upload-pack '${bare}'`);
  });

  it('fetches runs by its exact name: a runs-old branch on the remote stays there', () => {
    const bare = makeBare();
    const ssh = fakeSsh();
    const env = { GIT_SSH_COMMAND: ssh.command, GIT_SSH_VARIANT: 'simple' };
    const a = makeOrigin(`ssh://build-host${bare}`);
    logRun(a, '-m', 'f1=0.1');
    ok(a, env, 'push');
    // Someone keeps an unrelated branch whose name starts with "runs".
    writeFileSync(join(a, 'big.txt'), 'not runs\n');
    git(a, 'checkout', '-q', '-b', 'runs-old');
    git(a, 'add', 'big.txt');
    git(a, 'commit', '-q', '-m', 'old');
    git(a, 'push', '-q', bare, 'runs-old');
    const old = git(a, 'rev-parse', 'runs-old').trim();
    const b = makeOrigin(`ssh://build-host${bare}`);
    expect(ok(b, env, 'pull')).toContain('pulled 1 run(s)');
    expect(git(b, 'for-each-ref', '--format=%(refname)')).not.toContain('runs-old');
    expect(() => git(b, 'cat-file', '-e', old)).toThrow();
  });
});
