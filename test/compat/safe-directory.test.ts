import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';
import { EVERY_COMMAND, fingerprint } from './compat.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** chown -R, as `chown -R uid:uid dir` would. */
function chownTree(dir: string, uid: number): void {
  expect(spawnSync('chown', ['-R', `${uid}:${uid}`, dir]).status).toBe(0);
}

/** A repository with one run, then handed to `nobody`. */
function foreignRepo(config: string[][] = []): string {
  const dir = makeRepo({ commit: true });
  expect(cli(dir, 'log', '-m', 'f1=0.1').code).toBe(0);
  for (const [key, value] of config) git(dir, 'config', key!, value!);
  chownTree(dir, NOBODY);
  return dir;
}

/** Run the binary with a HOME of our choosing (and, if given, as another user). */
function run(dir: string, home: string, args: string[], extra: Record<string, string> = {}, uid?: number) {
  const argv = uid === undefined ? [process.execPath, BIN, ...args] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, BIN, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: dir, env: testGitEnv({ HOME: home, ...extra }), encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function homeWith(config: string): string {
  const home = tempDir('gt-home-');
  chmodSync(home, 0o755);
  writeFileSync(join(home, '.gitconfig'), config);
  return home;
}

describe.runIf(asRoot)('safe.directory: a repository owned by another user', () => {
  it('refuses every command as git does, before anything is created', () => {
    const dir = foreignRepo();
    const home = homeWith('');
    const before = fingerprint(dir);
    expect(spawnSync('git', ['log', 'runs'], { cwd: dir, env: testGitEnv({ HOME: home }) }).status).not.toBe(0);
    for (const args of EVERY_COMMAND) {
      const r = run(dir, home, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^git-track: detected dubious ownership in repository at '.*'.*safe\.directory/);
    }
    // From a subdirectory too (the walk up must not find the repository on its own).
    const sub = join(dir, 'sub');
    spawnSync('mkdir', [sub]);
    chownSync(sub, NOBODY, NOBODY);
    const fromSub = fingerprint(dir);
    expect(run(sub, home, ['list']).code).toBe(1);
    expect(fingerprint(dir)).toBe(fromSub);
    expect(before.split('\n').every((line) => fromSub.includes(line.split(' ')[0]!))).toBe(true);
  });

  it('ignores safe.directory in the repository config, as git does', () => {
    const dir = foreignRepo([['safe.directory', '*']]);
    expect(run(dir, homeWith(''), ['list']).code).toBe(1);
  });

  it("follows safe.directory from the user's config, '*' included, and from the command line", () => {
    const dir = foreignRepo();
    expect(run(dir, homeWith(`[safe]\n\tdirectory = ${dir}\n`), ['list']).stdout).toContain('0.1');
    expect(run(dir, homeWith('[safe]\n\tdirectory = *\n'), ['list']).code).toBe(0);
    expect(run(dir, homeWith(''), ['list'], { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: dir }).code).toBe(0);
    expect(run(dir, homeWith('[safe]\n\tdirectory = *\n\tdirectory =\n'), ['list']).code).toBe(1);
  });

  it('trusts the repository of the user who ran sudo (SUDO_UID), as git does', () => {
    const dir = foreignRepo();
    expect(run(dir, homeWith(''), ['list'], { SUDO_UID: String(NOBODY) }).code).toBe(0);
  });

  it('refuses, for a user who does not own it, a repository owned by root', () => {
    const dir = makeRepo({ commit: true });
    expect(cli(dir, 'log', '-m', 'f1=0.1').code).toBe(0);
    chmodSync(join(dir, '..'), 0o755);
    spawnSync('chmod', ['-R', 'a+rwX', dir]);
    const home = homeWith('');
    const before = fingerprint(dir);
    for (const args of EVERY_COMMAND) {
      const r = run(dir, home, args, {}, NOBODY);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/^git-track: detected dubious ownership/);
    }
    expect(fingerprint(dir)).toBe(before);
  });
});
