import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, cli, makeRepo, testGitEnv } from '../helpers/repo.js';

/** Run the binary with its stdout read end closed at once, as `| head -1` does after a line. */
function intoClosedPipe(dir: string, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: testGitEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('output into a closed pipe', () => {
  it('show, list and log end quietly, as git does', async () => {
    const dir = makeRepo({ commit: true });
    for (let i = 0; i < 3; i++) expect(cli(dir, 'log', '--name', `r${i}`, '-m', `f1=0.${i}`).code).toBe(0);
    for (const args of [['show', 'latest'], ['list'], ['list', '--json'], ['--help']]) {
      const r = await intoClosedPipe(dir, ...args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code === 0 || r.code === 141, args.join(' ')).toBe(true);
    }
  });

  it('run still records its run when its output pipe closes', async () => {
    const dir = makeRepo({ commit: true });
    const r = await intoClosedPipe(dir, 'run', '--name', 'piped', '--', 'sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.05; done');
    expect(r.stderr).toMatch(/^git-track: recorded run [0-9a-f]+ \(finished/);
    expect(r.code).toBe(0);
    expect(cli(dir, 'show', 'piped').code).toBe(0);
  });
});
