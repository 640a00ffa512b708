import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliAsync, makeRepo } from '../helpers/repo.js';


describe('query index under concurrent processes', () => {
  it('readers and writers racing on a missing index all answer correctly and leave a valid index', async () => {
    const dir = makeRepo({ commit: true });
    for (let i = 0; i < 3; i++) expect(cli(dir, 'log', '-m', `f1=0.${i}`).code).toBe(0);
    rmSync(join(dir, '.git', 'git-track', 'query-index.bin'), { force: true });
    const jobs = [];
    for (let i = 0; i < 6; i++) {
      jobs.push(cliAsync(dir, 'list', '--format', 'json', '--columns', 'id'));
      jobs.push(cliAsync(dir, 'log', '-m', `f1=0.5${i}`, '--name', `w${i}`));
    }
    const results = await Promise.all(jobs);
    for (const r of results) expect(r.stderr).toBe('');
    for (const r of results) expect(r.code).toBe(0);
    // Every reader saw at least the three runs logged before the race.
    for (const r of results.filter((_, i) => i % 2 === 0)) expect(JSON.parse(r.stdout).length).toBeGreaterThanOrEqual(3);
    const after = JSON.parse(cli(dir, 'list', '--format', 'json', '--columns', 'id,name').stdout);
    expect(after).toHaveLength(9);
    expect(cli(dir, 'show', 'w5').code).toBe(0);
    expect(cli(dir, 'list', '--filter', "name LIKE 'w%'", '--format', 'csv', '--columns', 'name', '--sort', 'name').stdout).toBe('name\nw0\nw1\nw2\nw3\nw4\nw5\n');
  });
});
