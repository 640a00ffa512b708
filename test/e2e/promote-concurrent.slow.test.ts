import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, cli, git, makeRepo, testGitEnv } from '../helpers/repo.js';

function promoteAsync(dir: string, run: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'promote', run, '--stage', 'production', '--reason', `race ${run}`], { cwd: dir, env: testGitEnv(), stdio: 'ignore' });
    child.on('close', (code) => resolve(code ?? -1));
  });
}

describe('concurrent promotions', () => {
  it('are all kept and chain in the order they landed', async () => {
    const dir = makeRepo({ commit: true });
    const runs = Array.from({ length: 6 }, (_, i) => cli(dir, 'log', '-m', `f1=0.${i + 1}`).stdout.trim());
    const codes = await Promise.all(runs.map((r) => promoteAsync(dir, r)));
    expect(codes).toEqual(runs.map(() => 0));
    const history = JSON.parse(cli(dir, 'stage', 'production', '--history', '--json').stdout) as { run: string; previous: string | null }[];
    expect(history.map((p) => p.run).sort()).toEqual([...runs].sort());
    // Each promotion names the one before it in time order: one unbroken chain.
    expect(history[0]!.previous).toBeNull();
    for (let i = 1; i < history.length; i++) expect(history[i]!.previous).toBe(history[i - 1]!.run);
    expect(JSON.parse(cli(dir, 'show', 'stage:production', '--json').stdout).id).toBe(history.at(-1)!.run);
    expect(cli(dir, 'verify').code).toBe(0);
    git(dir, 'fsck', '--strict');
  });
});
