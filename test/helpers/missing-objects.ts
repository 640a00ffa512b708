/**
 * Objects really missing from a test repository's object store, as a lost pack or a prune
 * leaves them, and put back as a copy from another clone would.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { git, tempDir, testGitEnv } from './repo.js';

/**
 * Make `oid` really missing: every pack is exploded into loose objects (git's own
 * unpack-objects), then that one loose object is deleted. Returns its bytes, to restore it.
 *
 * @example
 * const bytes = loseObject(dir, git(dir, 'rev-parse', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`).trim());
 */
export function loseObject(dir: string, oid: string, type: 'blob' | 'tree' = 'blob'): Buffer {
  const bytes = execFileSync('git', ['cat-file', type, oid], { cwd: dir, env: testGitEnv() });
  const objects = join(dir, '.git', 'objects');
  const aside = tempDir('gt-packs-');
  for (const name of readdirSync(join(objects, 'pack'))) renameSync(join(objects, 'pack', name), join(aside, name));
  for (const name of readdirSync(aside).filter((n) => n.endsWith('.pack'))) {
    execFileSync('sh', ['-c', `git unpack-objects -q < "${join(aside, name)}"`], { cwd: dir, env: testGitEnv() });
  }
  rmSync(join(objects, oid.slice(0, 2), oid.slice(2)));
  expect(() => git(dir, 'cat-file', '-e', oid)).toThrow();
  return bytes;
}

/** Put the object back, as copying it from a clone that has it would. */
export function restoreObject(dir: string, oid: string, bytes: Buffer, type: 'blob' | 'tree' = 'blob'): void {
  const back = execFileSync('git', ['hash-object', '-t', type, '-w', '--stdin'], { cwd: dir, env: testGitEnv(), input: bytes, encoding: 'utf8' }).trim();
  expect(back).toBe(oid);
}

/** As on a fresh clone: no query index yet. */
export function dropIndex(dir: string): void {
  for (const name of readdirSync(join(dir, '.git', 'git-track'))) if (name.startsWith('query-index')) rmSync(join(dir, '.git', 'git-track', name));
}
