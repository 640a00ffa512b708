import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectFsckClean, logRun, makeBare, makeOrigin, remoteRunIds } from '../helpers/remotes.js';
import { BIN, cli, testGitEnv } from '../helpers/repo.js';

const ours = (objects: string) => (existsSync(objects) ? readdirSync(objects).filter((n) => n.startsWith('git-track-tmp-')) : []);

/** Starts `git-track push` in its own process group and kills the group with -9 once git writes into the remote. */
async function killedPush(dir: string, objects: string): Promise<boolean> {
  const child = spawn(process.execPath, [BIN, 'push'], { cwd: dir, env: testGitEnv(), detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  let killed = false;
  for (let i = 0; i < 4000 && child.exitCode === null; i++) {
    const temp = ours(objects)[0];
    if (temp && existsSync(join(objects, temp, 'pack')) && readdirSync(join(objects, temp, 'pack')).some((n) => n.startsWith('tmp_'))) {
      process.kill(-child.pid!, 'SIGKILL');
      killed = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await exited;
  return killed;
}

describe('a push killed with -9 while writing into a local bare remote', () => {
  it('leaves its temporary files in a directory of ours, which the next push removes', async () => {
    const bare = makeBare();
    const dir = makeOrigin(bare);
    const objects = join(bare, 'objects');
    let killed = false;
    for (let attempt = 0; attempt < 5 && !killed; attempt++) {
      // Incompressible bytes in the git store make pack-objects write for a while.
      writeFileSync(join(dir, `model-${attempt}.bin`), randomBytes(4 * 1024 * 1024));
      logRun(dir, '-a', `model-${attempt}.bin`, '-p', `attempt=${attempt}`);
      killed = await killedPush(dir, objects);
    }
    expect(killed).toBe(true);
    const left = ours(objects);
    expect(left.length).toBeGreaterThan(0);
    // git's own temporary files never appeared in its pack directory: they were in ours.
    expect(readdirSync(join(objects, 'pack')).filter((n) => n.startsWith('tmp_'))).toEqual([]);

    const r = cli(dir, 'push');
    expect(r.code, r.stderr).toBe(0);
    expect(ours(objects)).toEqual([]);
    expect(remoteRunIds(bare).length).toBeGreaterThan(0);
    expectFsckClean(bare);
  });
});
