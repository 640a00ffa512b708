/**
 * Real repositories for tests: `git init` in a temp dir, a fixed identity, and helpers to run
 * git and the built git-track binary in it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'git-track.js');

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Environment for child processes: a fixed identity and no user-level git config. */
export function testGitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    ...extra,
  };
}

/** A fresh empty directory that is removed after the test file. */
export function tempDir(prefix = 'gt-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/**
 * A new repository (`git init -b main`), optionally with one commit.
 *
 * @example
 * const dir = makeRepo({ commit: true });
 */
export function makeRepo(options: { commit?: boolean } = {}): string {
  const dir = tempDir('gt-repo-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Test Author');
  git(dir, 'config', 'user.email', 'test@example.com');
  if (options.commit) {
    execFileSync('sh', ['-c', 'echo "print(1)" > train.py && echo "x,y" > data.csv'], { cwd: dir });
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'initial');
  }
  return dir;
}

/** Run git in `dir`, return stdout (throws on failure). */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: testGitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the real git-track binary in `dir`.
 *
 * @example
 * const { code, stdout } = cli(dir, 'log', '-m', 'f1=0.8');
 */
export function cli(dir: string, ...args: string[]): CliResult {
  return cliWith(dir, {}, ...args);
}

/** {@link cli} with extra environment variables. */
export function cliWith(dir: string, env: Record<string, string>, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env: testGitEnv(env), encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Run a program without blocking the event loop, so that many run at once.
 *
 * @example
 * const results = await Promise.all([runAsync(dir, 'git', ['gc']), cliAsync(dir, 'log', '-m', 'f1=1')]);
 */
export function runAsync(dir: string, command: string, args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: dir, env: testGitEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** The real git-track binary as a child process that does not block the event loop. */
export function cliAsync(dir: string, ...args: string[]): Promise<CliResult> {
  return runAsync(dir, process.execPath, [BIN, ...args]);
}

/** Everything about a repository that logging must not change: HEAD, index, status, branches. */
export function repoState(dir: string): string {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).stdout;
  const symbolic = spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: dir, encoding: 'utf8' }).stdout;
  const index = spawnSync('sh', ['-c', 'sha1sum .git/index 2>/dev/null || true'], { cwd: dir, encoding: 'utf8' }).stdout;
  const status = git(dir, '--no-optional-locks', 'status', '--porcelain', '--untracked-files=all');
  const branches = git(dir, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/', 'refs/tags/').split('\n').filter((l) => !l.startsWith('refs/heads/runs ')).join('\n');
  return [head, symbolic, index, status, branches].join('\n---\n');
}
