/**
 * Real remotes for sync tests: bare repositories, clones of them, and git's smart-HTTP server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, expect } from 'vitest';
import { cli, cliWith, git, tempDir } from './repo.js';

const servers: ChildProcess[] = [];
afterAll(() => {
  for (const s of servers.splice(0)) s.kill('SIGTERM');
});

/** A new empty bare repository. */
export function makeBare(): string {
  const dir = join(tempDir('gt-remote-'), 'remote.git');
  git(tempDir(), 'init', '-q', '--bare', '-b', 'main', dir);
  return dir;
}

/** A working repository with one commit on main whose origin is `url` (main pushed there). */
export function makeOrigin(url: string): string {
  const dir = tempDir('gt-clone-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Test Author');
  git(dir, 'config', 'user.email', 'test@example.com');
  writeFileSync(join(dir, 'train.py'), 'print(1)\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'initial');
  git(dir, 'remote', 'add', 'origin', url);
  return dir;
}

/** `git clone url` into a new temp dir with the test identity. */
export function cloneOf(url: string, extraConfig: [string, string][] = []): string {
  const dir = join(tempDir('gt-clone-'), 'work');
  const config = extraConfig.flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  git(tempDir(), 'clone', '-q', ...config, url, dir);
  git(dir, 'config', 'user.name', 'Test Author');
  git(dir, 'config', 'user.email', 'test@example.com');
  return dir;
}

/** Log a run with the CLI and return its id. */
export function logRun(dir: string, ...args: string[]): string {
  const r = cli(dir, 'log', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

/** The ids of every run on the local `runs` branch (duplicates kept, to be asserted on). */
export function runIds(dir: string): string[] {
  if (!git(dir, 'for-each-ref', 'refs/heads/runs')) return [];
  const out = git(dir, 'ls-tree', '-d', '-r', '--name-only', 'runs', 'runs/');
  return out
    .split('\n')
    .filter((p) => p.split('/').length === 3)
    .map((p) => p.split('/')[2]!)
    .sort();
}

/** The run ids on a bare remote's `runs`. */
export function remoteRunIds(bare: string): string[] {
  return runIds(bare);
}

/** Run the CLI and require success; returns stdout. */
export function ok(dir: string, env: Record<string, string>, ...args: string[]): string {
  const r = cliWith(dir, env, ...args);
  if (r.code !== 0) throw new Error(`git-track ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/**
 * `git fsck --strict` must be clean. A push into a local remote runs `git gc --auto` there, as
 * receive-pack does, and git detaches it: fsck waits until that gc (its `gc.pid`) is done,
 * or it would read packs while gc replaces them.
 */
export function expectFsckClean(dir: string): void {
  const gcPid = resolve(dir, git(dir, 'rev-parse', '--git-dir').trim(), 'gc.pid');
  const running = (): boolean => existsSync(gcPid) || existsSync(`${gcPid}.lock`);
  for (const deadline = Date.now() + 60_000; running() && Date.now() < deadline; ) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  expect(git(dir, 'fsck', '--strict', '--no-progress', '--no-dangling')).toBe('');
}

/**
 * Start git's smart-HTTP server over the bare repositories under `root`; with `auth`
 * ("user:password") every request needs HTTP basic authentication; with `protocolV0`, it
 * answers in git's protocol v0 whatever the client asks for.
 *
 * @example
 * const { url } = await startHttpServer(dirname(bare)); // url: 'http://127.0.0.1:41234'
 */
export async function startHttpServer(root: string, auth?: string, options: { protocolV0?: boolean } = {}): Promise<{ url: string }> {
  const script = resolve(import.meta.dirname, 'git-http-server.mjs');
  const env = options.protocolV0 ? { ...process.env, GIT_HTTP_PROTOCOL_V0: '1' } : process.env;
  const child = spawn(process.execPath, [script, root, ...(auth ? [auth] : [])], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  const port = await new Promise<string>((res, rej) => {
    child.stdout!.once('data', (d: Buffer) => res(d.toString().trim()));
    child.once('exit', (code) => rej(new Error(`http server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}` };
}

/**
 * A stand-in for `ssh`: git runs `$GIT_SSH_COMMAND host "git-upload-pack '/path'"`; this runs
 * the command locally and records each call in `log`, so tests see the ssh transport used.
 */
export function fakeSsh(): { command: string; log: string } {
  const dir = tempDir('gt-ssh-');
  const log = join(dir, 'calls.log');
  const script = join(dir, 'fake-ssh');
  writeFileSync(script, `#!/bin/sh\n# $1 is the host, $2 the remote command (GIT_SSH_VARIANT=simple: no options)\necho "$1 $2" >> '${log}'\nexec sh -c "$2"\n`);
  chmodSync(script, 0o755);
  return { command: script, log };
}
