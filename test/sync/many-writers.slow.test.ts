import { pathToFileURL } from 'node:url';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliAsync, git } from '../helpers/repo.js';
import { cloneOf, expectFsckClean, logRun, makeBare, makeOrigin, ok, remoteRunIds, runIds, startHttpServer } from '../helpers/remotes.js';

const WRITERS = 50;
const RUNS = 5;

for (const transport of ['file', 'http'] as const) {
  describe(`${WRITERS} writers pushing at the same moment (${transport})`, () => {
    it(`all ${WRITERS * RUNS} runs arrive exactly once, in one push by each writer`, async () => {
      const bare = makeBare();
      let url = bare;
      if (transport === 'http') {
        git(bare, 'config', 'http.receivepack', 'true');
        url = `${(await startHttpServer(dirname(bare))).url}/${basename(bare)}`;
      }
      const seed = makeOrigin(url);
      const first = logRun(seed, '-m', 'f1=0');
      ok(seed, {}, 'push');
      git(seed, 'push', '-q', 'origin', 'main');
      const expected = [first];
      const clones: string[] = [];
      for (let w = 0; w < WRITERS; w++) {
        // Clone the remote file-wise (fast), then talk to it over the transport under test.
        const dir = cloneOf(bare);
        git(dir, 'remote', 'set-url', 'origin', url);
        git(dir, 'branch', 'runs', 'origin/runs');
        for (let r = 0; r < RUNS; r++) expected.push(logRun(dir, '-m', `f1=0.${w}${r}`, '-t', `writer=${w}`));
        clones.push(dir);
      }
      const results = await Promise.all(clones.map((dir) => cliAsync(dir, 'push', '--json')));
      for (const r of results) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
      const pushed = results.map((r) => JSON.parse(r.stdout) as { attempts: number; runsSent: number });
      // No retry storm: one push by each writer (to runs where it fast-forwards, else to its own ref).
      expect(pushed.map((p) => p.attempts)).toEqual(clones.map(() => 1));
      expect(pushed.reduce((n, p) => n + p.runsSent, 0)).toBe(WRITERS * RUNS);
      // A newcomer: plain git clone, then git-track pull, sees every run once.
      // Over file:// rather than a path: a path clone copies the pack files one by one, and the
      // remote's `gc --auto` (detached, started by the last pushes) may still be replacing them.
      const newcomer = cloneOf(url.startsWith('/') ? pathToFileURL(url).href : url);
      ok(newcomer, {}, 'pull');
      expect(runIds(newcomer)).toEqual([...expected].sort());
      const listed = JSON.parse(ok(newcomer, {}, 'list', '--json', '--limit', '1000')) as { id: string }[];
      expect(listed.map((r) => r.id).sort()).toEqual([...expected].sort());
      // That pull folded what was still queued: the remote's runs holds everything, and its
      // first-parent history is not a merge per writer.
      expect(git(bare, 'for-each-ref', 'refs/git-track/incoming/')).toBe('');
      expect(remoteRunIds(bare)).toEqual([...expected].sort());
      expect(Number(git(bare, 'rev-list', '--count', '--merges', '--first-parent', 'runs').trim())).toBeLessThan(WRITERS / 2);
      expectFsckClean(bare);
      expect(cli(newcomer, 'verify').code).toBe(0);
    }, 900_000);
  });
}
