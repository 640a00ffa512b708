/**
 * `log --remote` against every kind of server a remote can be: git's smart HTTP
 * (`git http-backend`) answering in protocol v2 or only v0, with filters on or off
 * (`uploadpack.allowFilter`) and objects by id allowed or not
 * (`uploadpack.allowReachableSHA1InWant` / `allowAnySHA1InWant` / `allowTipSHA1InWant`), with
 * the tree filter limited (`uploadpackfilter.tree.maxDepth`), a bare remote on this filesystem,
 * and ssh. Each time: what the private repository fetched (the cheap way where the server
 * allows it), then the real binary logging a run, a `git clone` of the remote listing it, and
 * the remote `git fsck --strict` clean.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultEnv, fixedEnv } from '../../src/env.js';
import { logRun as logRunLib } from '../../src/runs/log-run.js';
import { fetchRunsTip, openRemoteWriter, type RemoteWriter } from '../../src/sync/remote-writer.js';
import { openContext } from '../../src/tracker-context.js';
import { cliWith, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';
import { cloneOf, expectFsckClean, fakeSsh, makeOrigin, remoteRunIds, startHttpServer } from '../helpers/remotes.js';

const SHA = 'c'.repeat(40);
const SHARDS = 256;

/** What the private repository holds of the remote's tip after the fetch. */
type Fetched = 'top of the tree' | 'every shard tree' | 'whole tip tree';

interface Case {
  name: string;
  server: 'http v2' | 'http v0' | 'path' | 'ssh';
  config: Record<string, string>;
  /** Client-side git settings (the user's own). */
  client?: Record<string, string>;
  fetched: Fetched;
  /** The line a terminal shows when the cheap fetch could not be used. */
  note?: RegExp;
}

const FILTER = { 'uploadpack.allowFilter': 'true' };
const REACHABLE = { 'uploadpack.allowReachableSHA1InWant': 'true' };
const NO_BY_ID = /^the remote does not send objects by id \(git protocol v0 without uploadpack\.allowReachableSHA1InWant\)$/;

const CASES: Case[] = [
  { name: 'v2, no filters (git default)', server: 'http v2', config: {}, fetched: 'whole tip tree' },
  { name: 'v2, no filters, objects by id', server: 'http v2', config: REACHABLE, fetched: 'whole tip tree' },
  { name: 'v2, filters', server: 'http v2', config: FILTER, fetched: 'top of the tree' },
  { name: 'v2, filters, objects by id', server: 'http v2', config: { ...FILTER, ...REACHABLE }, fetched: 'top of the tree' },
  { name: 'v0, no filters', server: 'http v0', config: {}, fetched: 'whole tip tree' },
  { name: 'v0, no filters, objects by id', server: 'http v0', config: REACHABLE, fetched: 'whole tip tree' },
  { name: 'v0, filters, no objects by id', server: 'http v0', config: FILTER, fetched: 'every shard tree', note: NO_BY_ID },
  { name: 'v0, filters, objects by id (reachable)', server: 'http v0', config: { ...FILTER, ...REACHABLE }, fetched: 'top of the tree' },
  { name: 'v0, filters, any object by id', server: 'http v0', config: { ...FILTER, 'uploadpack.allowAnySHA1InWant': 'true' }, fetched: 'top of the tree' },
  { name: 'v0, filters, only tips by id', server: 'http v0', config: { ...FILTER, 'uploadpack.allowTipSHA1InWant': 'true' }, fetched: 'every shard tree', note: NO_BY_ID },
  {
    name: 'v2, filters but no tree filter deeper than 0',
    server: 'http v2',
    config: { ...FILTER, 'uploadpackfilter.tree.maxDepth': '0' },
    fetched: 'whole tip tree',
    note: /^the remote refused --filter=tree:2 \(tree filter allows max depth 0, but got 2\)$/,
  },
  { name: 'v2, filters but not the tree filter', server: 'http v2', config: { ...FILTER, 'uploadpackfilter.tree.allow': 'false' }, fetched: 'whole tip tree', note: /^the remote refused --filter=tree:2 \(filter 'tree' not supported\)$/ },
  { name: 'bare repository by path', server: 'path', config: {}, fetched: 'whole tip tree' },
  { name: 'bare repository by path, filters', server: 'path', config: FILTER, fetched: 'top of the tree' },
  { name: 'bare repository by path, filters, user speaks protocol v0', server: 'path', config: FILTER, client: { 'protocol.version': '0' }, fetched: 'every shard tree', note: NO_BY_ID },
  { name: 'ssh, filters, user speaks protocol v0', server: 'ssh', config: FILTER, client: { 'protocol.version': '0' }, fetched: 'every shard tree', note: NO_BY_ID },
];

/** Environment variables giving git the settings `config` (as `git -c` would). */
function gitConfigVars(config: Record<string, string> = {}): Record<string, string> {
  const entries = Object.entries(config);
  const vars: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([k, v], i) => {
    vars[`GIT_CONFIG_KEY_${i}`] = k;
    vars[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return vars;
}

let template: string;
let roots: Record<'http v2' | 'http v0', { dir: string; url: string }>;
const ssh = fakeSsh();

beforeAll(async () => {
  // A remote with a run in every shard, so that whatever id a new run draws, its shard tree
  // is on the remote and has to be fetched (or already be here).
  template = makeRepo({ commit: true });
  let shard = 0;
  const env = { ...fixedEnv({ seed: 5 }), random: (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i === 0 ? shard : (shard * 31 + i * 7) & 0xff))) };
  const ctx = openContext({ dir: template, env });
  for (shard = 0; shard < SHARDS; shard++) await logRunLib(ctx, { metrics: { f1: shard / SHARDS }, code: { commit: null, branch: null, dirty: false } });
  const v2 = tempDir('gt-srv-v2-');
  const v0 = tempDir('gt-srv-v0-');
  roots = {
    'http v2': { dir: v2, url: (await startHttpServer(v2)).url },
    'http v0': { dir: v0, url: (await startHttpServer(v0, undefined, { protocolV0: true })).url },
  };
}, 120_000);

let count = 0;
/** A copy of the template remote for `c`, configured as the case says; its URL and the env the client needs. */
function remoteFor(c: Case): { bare: string; url: string; vars: Record<string, string> } {
  const name = `remote-${count++}.git`;
  const parent = c.server === 'http v2' || c.server === 'http v0' ? roots[c.server].dir : tempDir('gt-remote-');
  const bare = join(parent, name);
  git(parent, 'clone', '-q', '--bare', '--no-local', template, bare);
  git(bare, 'config', 'http.receivepack', 'true');
  for (const [k, v] of Object.entries(c.config)) git(bare, 'config', k, v);
  const vars = gitConfigVars(c.client);
  if (c.server === 'path') return { bare, url: bare, vars };
  if (c.server === 'ssh') return { bare, url: `ssh://build-host${bare}`, vars: { ...vars, GIT_SSH_COMMAND: ssh.command, GIT_SSH_VARIANT: 'simple' } };
  return { bare, url: `${roots[c.server].url}/${name}`, vars };
}

/** What `w` holds of the tip it fetched, from the objects present. */
function fetchedBy(w: RemoteWriter, bare: string): Fetched {
  const has = (path: string) => w.ctx.store.has(git(bare, 'rev-parse', `runs:${path}`).trim());
  const shards = git(bare, 'ls-tree', '--name-only', 'runs', 'runs/').trim().split('\n');
  expect(shards).toHaveLength(SHARDS);
  expect(has('runs')).toBe(true);
  const shardsHere = shards.filter((s) => has(s)).length;
  const run = git(bare, 'ls-tree', '--name-only', 'runs', `${shards[0]}/`).trim().split('\n')[0]!;
  if (has(`${run}/run.yaml`)) return 'whole tip tree';
  return shardsHere === SHARDS ? 'every shard tree' : shardsHere === 0 ? 'top of the tree' : (`${shardsHere} shards` as Fetched);
}

/** Names, sizes and modification times of every file under `dir` but `skip`. */
function filesUnder(dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (skip.includes(r)) continue;
      const s = statSync(p);
      if (s.isDirectory()) walk(p, r);
      else out.push(`${r} ${s.size} ${s.mtimeMs}`);
    }
  };
  walk(dir, '');
  return out;
}

describe('log --remote chooses the cheap fetch where the server allows it, and falls back once where not', () => {
  for (const c of CASES) {
    it(`${c.server}: ${c.name} → ${c.fetched}`, async () => {
      const { bare, url, vars } = remoteFor(c);
      const before = remoteRunIds(bare);
      // What the private repository fetches, in-process.
      const w = await openRemoteWriter(defaultEnv({ vars: testGitEnv(vars) }), { url, cwd: tempDir('gt-node-'), codeCommit: SHA });
      try {
        await fetchRunsTip(w);
        expect(w.commitsFetched).toBe(1);
        expect(fetchedBy(w, bare)).toBe(c.fetched);
        if (c.note) expect(w.fallback?.reason).toMatch(c.note);
        else expect(w.fallback).toBeNull();
      } finally {
        w.close();
      }
      // The real binary, from the user's own clone of the code: the run lands, quietly.
      const user = makeOrigin(url);
      // Racily clean (just committed): a `git status` that may write would refresh the index.
      const userFiles = filesUnder(join(user, '.git'));
      const userRefs = git(user, 'for-each-ref');
      const r = cliWith(user, vars, 'log', '--remote', url, '-m', 'f1=0.5', '-p', 'lr=0.1');
      expect(r.stderr).toBe(`git-track: pushed 1 run(s) to ${url}\n`);
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      expect(remoteRunIds(bare)).toEqual([...before, id].sort());
      expectFsckClean(bare);
      // The user's repository is as it was.
      expect(git(user, 'for-each-ref')).toBe(userRefs);
      expect(filesUnder(join(user, '.git'))).toEqual(userFiles);
      // A newcomer's `git clone` (and `git-track pull`, as its hint says) lists the run.
      // (ssh here is a stand-in that only git-track's calls are given: the newcomer clones by path.)
      const clone = cloneOf(c.server === 'ssh' ? bare : url, Object.entries(c.client ?? {}));
      expect(cliWith(clone, vars, 'pull').code).toBe(0);
      const list = cliWith(clone, vars, 'list', '--json', '--limit', '1000');
      expect(list.code).toBe(0);
      const listed = (JSON.parse(list.stdout) as { id: string }[]).map((x) => x.id);
      expect(listed).toContain(id);
      expect(listed).toHaveLength(SHARDS + 1);
    }, 60_000);
  }
});

describe('log --remote to a server that sends no object by id, before anyone logged a run', () => {
  it('starts runs with the cheap fetch: there is no shard to ask for', async () => {
    const c = CASES.find((x) => x.name === 'v0, filters, no objects by id')!;
    const { bare, url, vars } = remoteFor(c);
    git(bare, 'update-ref', '-d', 'refs/heads/runs');
    const w = await openRemoteWriter(defaultEnv({ vars: testGitEnv(vars) }), { url, cwd: tempDir('gt-node-'), codeCommit: SHA });
    try {
      await fetchRunsTip(w);
      expect(w.commitsFetched).toBe(0);
      expect(w.fallback).toBeNull();
    } finally {
      w.close();
    }
    const first = cliWith(tempDir('gt-node-'), vars, 'log', '--remote', url, '--code-commit', SHA, '-m', 'f1=0.1');
    expect(first.stderr).toBe(`git-track: pushed 1 run(s) to ${url}\n`);
    // The second finds a shard on the remote, which the server would not send by id: it falls back, quietly.
    const second = cliWith(tempDir('gt-node-'), vars, 'log', '--remote', url, '--code-commit', SHA, '-m', 'f1=0.2');
    expect(second.stderr).toBe(`git-track: pushed 1 run(s) to ${url}\n`);
    expect(remoteRunIds(bare)).toEqual([first.stdout.trim(), second.stdout.trim()].sort());
    expectFsckClean(bare);
  }, 60_000);
});

describe('log --remote when what the server offers cannot be read', () => {
  /** A git that drops the packet trace the offer is read from, as a git of another trace format would. */
  function gitWithoutTrace(): string {
    const script = join(tempDir('gt-git-'), 'git');
    writeFileSync(script, `#!/bin/sh\nunset GIT_TRACE_PACKET\nexec '${execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim()}' "$@"\n`);
    chmodSync(script, 0o755);
    return script;
  }

  for (const c of [CASES.find((x) => x.name === 'v2, filters')!, CASES.find((x) => x.name === 'v0, filters, no objects by id')!]) {
    it(`asks the server for one shard tree instead (${c.server}: ${c.name} → ${c.fetched})`, async () => {
      const { bare, url, vars } = remoteFor(c);
      const gitBinary = gitWithoutTrace();
      const w = await openRemoteWriter(defaultEnv({ vars: testGitEnv(vars), gitBinary }), { url, cwd: tempDir('gt-node-'), codeCommit: SHA });
      try {
        await fetchRunsTip(w);
        // The shard asked for is here when the server sent it, and no other.
        const got = fetchedBy(w, bare);
        if (c.fetched === 'top of the tree') expect(got).toBe('1 shards');
        else expect(got).toBe(c.fetched);
        if (c.fetched === 'top of the tree') expect(w.fallback).toBeNull();
        else expect(w.fallback).toEqual({ fetched: c.fetched, reason: 'the remote did not send an object asked for by id' });
      } finally {
        w.close();
      }
      const r = cliWith(tempDir('gt-node-'), { ...vars, GIT_TRACK_GIT: gitBinary }, 'log', '--remote', url, '--code-commit', SHA, '-m', 'f1=0.5');
      expect(r.stderr).toBe(`git-track: pushed 1 run(s) to ${url}\n`);
      expect(r.code).toBe(0);
      expect(remoteRunIds(bare)).toContain(r.stdout.trim());
      expectFsckClean(bare);
    }, 60_000);
  }
});

describe('log --remote on a terminal', () => {
  it('says in one line why it fetched more, then logs the run', () => {
    const c = CASES.find((x) => x.name === 'v0, filters, no objects by id')!;
    const { bare, url } = remoteFor(c);
    const node = tempDir('gt-node-');
    // `script` gives the command a terminal; stdout and stderr both go to it.
    const command = `'${process.execPath}' '${join(import.meta.dirname, '..', '..', 'bin', 'git-track.js')}' log --remote '${url}' --code-commit ${SHA} -m f1=0.5`;
    const out = execFileSync('script', ['-qec', command, '/dev/null'], { cwd: node, env: testGitEnv(), encoding: 'utf8' });
    // What a person reads: each line as the terminal last shows it (progress lines overwrite themselves).
    const lines = out
      .split('\n')
      .map((l) => l.split('\r').filter((part) => part.replace(/\x1b\[K/g, '') !== '').pop()?.replace(/\x1b\[K/g, '') ?? '')
      .filter((l) => l !== '');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'git-track: note: the remote does not send objects by id (git protocol v0 without uploadpack.allowReachableSHA1InWant): fetched every shard tree of runs instead',
    );
    expect(lines[1]).toBe(`git-track: pushed 1 run(s) to ${url}`);
    expect(remoteRunIds(bare)).toContain(lines[2]);
    expectFsckClean(bare);
  }, 60_000);
});
