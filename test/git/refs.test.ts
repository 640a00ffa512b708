import { spawn } from 'node:child_process';
import { existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRef, updateRef } from '../../src/git/refs.js';
import { errorOf } from '../helpers/errors.js';
import { BIN, cli, git, makeRepo, testGitEnv } from '../helpers/repo.js';

describe('updateRef', () => {
  it('moves a ref only from the expected value, like git update-ref', () => {
    const dir = makeRepo({ commit: true });
    const gitDir = join(dir, '.git');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    updateRef(gitDir, { name: 'refs/heads/copy', oid: head, expected: null });
    expect(git(dir, 'rev-parse', 'refs/heads/copy').trim()).toBe(head);
    expect(errorOf(() => updateRef(gitDir, { name: 'refs/heads/copy', oid: head, expected: null })).code).toBe('REF_MOVED');
    expect(existsSync(join(gitDir, 'refs/heads/copy.lock'))).toBe(false);
  });

  it('reads refs that live only in packed-refs', () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'branch', 'packed');
    git(dir, 'pack-refs', '--all');
    expect(existsSync(join(dir, '.git/refs/heads/packed'))).toBe(false);
    expect(readRef(join(dir, '.git'), 'refs/heads/packed')).toBe(git(dir, 'rev-parse', 'packed').trim());
  });

  it('is excluded by a lock that canonical git holds', () => {
    const dir = makeRepo({ commit: true });
    const gitDir = join(dir, '.git');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    writeFileSync(join(gitDir, 'refs/heads/main.lock'), '');
    expect(errorOf(() => updateRef(gitDir, { name: 'refs/heads/main', oid: head, expected: head })).code).toBe('LOCK_TIMEOUT');
    expect(existsSync(join(gitDir, 'refs/heads/main.lock'))).toBe(true);
  });
});

describe('log under a held lock', () => {
  it('removes a stale lock left by a killed process', () => {
    const dir = makeRepo({ commit: true });
    cli(dir, 'init');
    const lock = join(dir, '.git/refs/heads/runs.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(lock, old, old);
    const r = cli(dir, 'log', '-m', 'f1=0.5');
    expect(r.code).toBe(0);
    expect(existsSync(lock)).toBe(false);
    expect(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()).toBe('2');
  });

  it('waits for a fresh lock to be released, then writes', async () => {
    const dir = makeRepo({ commit: true });
    cli(dir, 'init');
    const lock = join(dir, '.git/refs/heads/runs.lock');
    writeFileSync(lock, '');
    const child = spawn(process.execPath, [BIN, 'log', '-m', 'f1=0.5'], { cwd: dir, env: testGitEnv() });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    await new Promise((r) => setTimeout(r, 1500));
    expect(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()).toBe('1');
    rmSync(lock);
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^[0-9a-f]{12}$/);
    expect(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()).toBe('2');
  });
});
