/**
 * Passwords and tokens in remote URLs never reach a manifest (which is pushed) or a message,
 * whatever their source: the user's own config, git's output, or a manifest pulled from
 * someone else.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addRun, manifestText } from '../helpers/hostile.js';
import { cloneOf, logRun, makeBare, makeOrigin } from '../helpers/remotes.js';
import { cli, cliWith, git, makeRepo } from '../helpers/repo.js';

const TOKEN = 'S3CRETtok';

function recordedRemote(dir: string, id: string): string | undefined {
  const show = cli(dir, 'show', id, '--json');
  expect(show.stderr).toBe('');
  return (JSON.parse(show.stdout) as { code?: { remote?: string } }).code?.remote;
}

describe('credentials in remote URLs', () => {
  it.each([
    [`https://ada:${TOKEN}@git.example.com/team/x.git`, 'https://git.example.com/team/x.git'],
    [`https://${TOKEN}@github.com/team/x.git`, 'https://github.com/team/x.git'],
    [`https://ada:p@ss${TOKEN}@git.example.com:8443/x.git`, 'https://git.example.com:8443/x.git'],
    [`https://git.example.com/x.git?access_token=${TOKEN}`, 'https://git.example.com/x.git'],
    [`https://git.example.com/x.git?private_token=${TOKEN}&ref=1`, 'https://git.example.com/x.git?ref=1'],
    [`ssh://git:${TOKEN}@[::1]:2222/x.git`, 'ssh://git@[::1]:2222/x.git'],
    [`ada:${TOKEN}@git.example.com:team/x.git`, 'ada@git.example.com:team/x.git'],
    ['git@github.com:team/x.git', 'git@github.com:team/x.git'],
  ])('%s is recorded as %s, and log keeps working', (url, clean) => {
    const dir = makeRepo({ commit: true });
    git(dir, 'remote', 'add', 'origin', url);
    const first = logRun(dir, '-m', 'f1=0.5');
    expect(recordedRemote(dir, first)).toBe(clean);
    const second = logRun(dir, '-m', 'f1=0.6');
    expect(recordedRemote(dir, second)).toBe(clean);
    expect(git(dir, 'log', '-p', 'runs')).not.toContain(TOKEN);
  });

  it('never appear in push or pull errors', () => {
    const dir = makeRepo({ commit: true });
    logRun(dir, '-m', 'f1=0.5');
    for (const url of [`https://ada:${TOKEN}@127.0.0.1:9/x.git`, `https://127.0.0.1:9/x.git?access_token=${TOKEN}`, `ada:${TOKEN}@127.0.0.1:x.git`]) {
      for (const command of ['push', 'pull']) {
        const r = cliWith(dir, { GIT_SSH_COMMAND: 'false', GIT_TERMINAL_PROMPT: '0' }, command, url);
        expect(r.code, `${command} ${url}`).not.toBe(0);
        expect(r.stderr, `${command} ${url}`).not.toContain(TOKEN);
        expect(r.stdout).not.toContain(TOKEN);
      }
    }
  });

  it('in a pulled manifest cost a warning that does not show them, and later logs still work', () => {
    const bare = makeBare();
    const honest = makeOrigin(bare);
    git(honest, 'push', '-q', 'origin', 'main');
    const good = logRun(honest, '-m', 'f1=0.8');
    expect(cli(honest, 'push').code).toBe(0);
    const victim = cloneOf(bare);
    const id = 'aaaaaaaaaaab';
    addRun(bare, id, { 'run.yaml': { blob: manifestText({ id, commit: null, remote: `https://ada:${TOKEN}@host/x.git?access_token=${TOKEN}` }) } });
    const pulled = cli(victim, 'pull');
    expect(pulled.code).toBe(0);
    expect(pulled.stderr).not.toContain(TOKEN);
    const list = cli(victim, 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(good);
    expect(list.stderr).toContain(id);
    expect(list.stderr).not.toContain(TOKEN);
    const show = cli(victim, 'show', id);
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('credentials');
    expect(show.stderr).not.toContain(TOKEN);
    const verify = cli(victim, 'verify');
    expect(verify.stdout + verify.stderr).toContain(id);
    expect(verify.stdout + verify.stderr).not.toContain(TOKEN);
    logRun(victim, '-m', 'f1=0.9');
    logRun(victim, '-m', 'f1=0.95');
  });

  it.each([
    ['git_remote', `https://ada:${TOKEN}@git.example.com/team/x.git`, 'https://git.example.com/team/x.git'],
    ['remote', `https://git.example.com/x.git?access_token=${TOKEN}&ref=1`, 'https://git.example.com/x.git?ref=1'],
    ['code', `ada:${TOKEN}@git.example.com:team/x.git`, 'ada@git.example.com:team/x.git'],
  ])('in an imported record (%s) are dropped from the run, never refused nor shown', (field, url, clean) => {
    const dir = makeRepo({ commit: true });
    const commit = git(dir, 'rev-parse', 'HEAD').trim();
    const record = field === 'code' ? { code: { commit, remote: url } } : { git_commit: commit, [field]: url };
    writeFileSync(join(dir, 'record.json'), JSON.stringify({ ...record, metrics: { f1: 0.8 }, repo_url: url, tags: { origin: url } }));
    const r = cli(dir, 'log', '--from', 'record.json');
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const show = JSON.parse(cli(dir, 'show', id, '--json').stdout) as { code: { commit: string; remote?: string }; tags: Record<string, string> };
    expect(show.code).toMatchObject({ commit, remote: clean });
    expect(show.tags).toMatchObject({ 'record.repo_url': clean, origin: clean });
    const manifest = git(dir, 'ls-tree', '-r', 'runs').split('\n').find((l) => l.endsWith(`/${id}/run.yaml`))!.split(/\s+/)[2]!;
    const text = git(dir, 'cat-file', '-p', manifest);
    expect(text).toContain(`remote: ${clean}`);
    expect(text).not.toContain(TOKEN);
    expect(git(dir, 'log', '-p', 'runs')).not.toContain(TOKEN);
    expect(git(dir, 'fsck', '--strict')).not.toContain('error');
  });
});
