/**
 * The writer behind `log --remote` against servers that do not allow its cheap fetch, in the
 * fast loop (every server setting, end to end with the binary: test/e2e/log-remote-servers.slow.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGitTrackError } from '../../src/errors.js';
import { defaultEnv } from '../../src/env.js';
import { logRun as logRunLib } from '../../src/runs/log-run.js';
import { fetchRunsTip, openRemoteWriter, pushRemoteWriter } from '../../src/sync/remote-writer.js';
import { cliWith, git, tempDir, testGitEnv } from '../helpers/repo.js';
import { cloneOf, expectFsckClean, logRun, makeBare, makeOrigin, ok, remoteRunIds, runIds, startHttpServer } from '../helpers/remotes.js';

const SHA = 'd'.repeat(40);

/** A remote over smart HTTP holding a few runs, configured by `config`. */
async function remoteWith(config: Record<string, string>, protocolV0: boolean): Promise<{ bare: string; url: string; before: string[] }> {
  const bare = makeBare();
  git(bare, 'config', 'http.receivepack', 'true');
  const { url: root } = await startHttpServer(dirname(bare), undefined, { protocolV0 });
  const url = `${root}/${basename(bare)}`;
  const a = makeOrigin(url);
  const before = Array.from({ length: 4 }, (_, i) => logRun(a, '-m', `f1=0.${i}`));
  ok(a, {}, 'push');
  for (const [k, v] of Object.entries(config)) git(bare, 'config', k, v);
  return { bare, url, before };
}

/** Log one run through the writer with an id drawn into the shard of `into`, push it, and return the writer's fallback and the run id. */
async function logInto(url: string, into: string) {
  const shard = Number.parseInt(into.slice(0, 2), 16);
  const random = (n: number) => {
    const bytes = randomBytes(n);
    bytes[0] = shard;
    return bytes;
  };
  const w = await openRemoteWriter(defaultEnv({ vars: testGitEnv(), random }), { url, cwd: tempDir('gt-node-'), codeCommit: SHA });
  try {
    await fetchRunsTip(w);
    const id = (await logRunLib(w.ctx, { metrics: { f1: 0.9 }, code: w.code })).manifest.id;
    expect(id.slice(0, 2)).toBe(into.slice(0, 2));
    expect(await pushRemoteWriter(w)).toMatchObject({ runsSent: 1, queuedAs: null });
    return { id, fallback: w.fallback };
  } finally {
    w.close();
  }
}

describe('log --remote falls back once where the server does not allow its cheap fetch', () => {
  it('a v0 server applying filters but sending no object by id: every shard tree up front, and the run lands in an existing shard', async () => {
    const { bare, url, before } = await remoteWith({ 'uploadpack.allowFilter': 'true' }, true);
    const { id, fallback } = await logInto(url, before[0]!);
    expect(fallback?.fetched).toBe('every shard tree');
    expect(remoteRunIds(bare)).toEqual([...before, id].sort());
    expectFsckClean(bare);
    const clone = cloneOf(url);
    ok(clone, {}, 'pull');
    expect(runIds(clone)).toEqual([...before, id].sort());
    expect(cliWith(clone, {}, 'verify').code).toBe(0);
  });

  it('the same server allowing reachable objects by id: the cheap fetch', async () => {
    const { bare, url, before } = await remoteWith({ 'uploadpack.allowFilter': 'true', 'uploadpack.allowReachableSHA1InWant': 'true' }, true);
    const { id, fallback } = await logInto(url, before[1]!);
    expect(fallback).toBeNull();
    expect(remoteRunIds(bare)).toEqual([...before, id].sort());
    expectFsckClean(bare);
  });

  it('a v2 server other than git (its agent says): asked for one shard to know, then the cheap fetch', async () => {
    // A remote by path: its upload-pack takes GIT_USER_AGENT from our environment.
    const bare = makeBare();
    git(bare, 'config', 'uploadpack.allowFilter', 'true');
    const a = makeOrigin(bare);
    const before = Array.from({ length: 3 }, (_, i) => logRun(a, '-m', `f1=0.${i}`));
    ok(a, {}, 'push');
    const w = await openRemoteWriter(defaultEnv({ vars: testGitEnv({ GIT_USER_AGENT: 'JGit/6.10.0' }) }), { url: bare, cwd: tempDir('gt-node-'), codeCommit: SHA });
    try {
      await fetchRunsTip(w);
      expect(w.fallback).toBeNull();
      // The shard asked for is here, the others are not, nor any manifest.
      const here = before.filter((id) => w.ctx.store.has(git(bare, 'rev-parse', `runs:runs/${id.slice(0, 2)}`).trim()));
      expect(here).toHaveLength(1);
      expect(w.ctx.store.has(git(bare, 'rev-parse', `runs:runs/${here[0]!.slice(0, 2)}/${here[0]}/run.yaml`).trim())).toBe(false);
    } finally {
      w.close();
    }
  });

  it('a server refusing the tree filter: the whole tip tree, and the reason', async () => {
    const { bare, url, before } = await remoteWith({ 'uploadpack.allowFilter': 'true', 'uploadpackfilter.tree.maxDepth': '1' }, false);
    const { id, fallback } = await logInto(url, before[2]!);
    expect(fallback).toEqual({ fetched: 'whole tip tree', reason: 'the remote refused --filter=tree:2 (tree filter allows max depth 1, but got 2)' });
    expect(remoteRunIds(bare)).toEqual([...before, id].sort());
    expectFsckClean(bare);
  });
});

describe('log --remote quoting a hostile server', () => {
  // A smart-HTTP server answering every fetch with an error that mentions filters (so it is
  // taken for a refused filter, and asked again without) and carries terminal escape sequences.
  const pkt = (text: string) => `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-advertisement', 'Cache-Control': 'no-cache' });
    res.end(`${pkt('# service=git-upload-pack\n')}0000${pkt('ERR filter \x1b]0;owned\x07\x1b[2J\x1b[31mgotcha\n')}`);
  });
  afterAll(() => server.close());

  it('one line without its control characters; the private repository is gone', async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.git`;
    const w = await openRemoteWriter(defaultEnv({ vars: testGitEnv() }), { url, cwd: tempDir('gt-node-'), codeCommit: SHA });
    let error: unknown;
    try {
      await fetchRunsTip(w);
    } catch (err) {
      error = err;
    } finally {
      w.close();
    }
    expect(existsSync(w.ctx.repo.gitDir)).toBe(false);
    expect(isGitTrackError(error, 'GIT_FAILED')).toBe(true);
    const message = (error as Error).message;
    expect(message).toBe(`cannot fetch runs from ${url}: remote error: filter ?]0;owned??[2J?[31mgotcha`);
  });
});
