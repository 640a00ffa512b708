import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePackTemp, removeStalePackTemps } from '../../src/sync/pack-temp.js';
import { expectFsckClean, logRun, makeBare, makeOrigin, remoteRunIds } from '../helpers/remotes.js';
import { cli, tempDir } from '../helpers/repo.js';

/** A pid that ran and is gone. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

describe('temporary pack files written straight into a local repository', () => {
  it('a push leaves none, and removes what a killed push left, never git\'s own', () => {
    const bare = makeBare();
    const dir = makeOrigin(bare);
    const id = logRun(dir, '-p', 'a=1');
    const objects = join(bare, 'objects');
    // What `git-track push` killed with -9 leaves: its private object directory, half a pack in it.
    const host = hostname().replace(/[^A-Za-z0-9.]/g, '_');
    const killed = join(objects, `git-track-tmp-${host}-${deadPid()}-0badf00d`);
    mkdirSync(join(killed, 'pack'), { recursive: true });
    writeFileSync(join(killed, 'pack', 'tmp_pack_Ab12Cd'), Buffer.alloc(3 * 1024 * 1024));
    // A push from another machine a week ago, and git's own temporary file: not ours to judge by pid.
    const foreign = join(objects, 'git-track-tmp-otherhost-12345-01234567');
    mkdirSync(join(foreign, 'pack'), { recursive: true });
    const week = new Date(Date.now() - 7 * 24 * 3600_000);
    utimesSync(join(foreign, 'pack'), week, week);
    utimesSync(foreign, week, week);
    const recent = join(objects, 'git-track-tmp-otherhost-12346-01234567');
    mkdirSync(join(recent, 'pack'), { recursive: true });
    writeFileSync(join(objects, 'pack', 'tmp_pack_gitown'), 'x');

    const r = cli(dir, 'push');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(remoteRunIds(bare)).toContain(id);
    expect(existsSync(killed)).toBe(false);
    expect(existsSync(foreign)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(join(objects, 'pack', 'tmp_pack_gitown'))).toBe(true);
    expect(readdirSync(objects).filter((n) => n.startsWith('git-track-tmp-'))).toEqual([recent.slice(objects.length + 1)]);
    expect(readdirSync(join(objects, 'pack')).filter((n) => n.endsWith('.pack')).length).toBeGreaterThan(0);
    expectFsckClean(bare);
  });

  it('a live writer\'s directory is left alone', () => {
    const objects = tempDir();
    const mine = makePackTemp(objects);
    expect(removeStalePackTemps(objects)).toEqual([]);
    expect(existsSync(join(mine, 'pack'))).toBe(true);
  });
});
