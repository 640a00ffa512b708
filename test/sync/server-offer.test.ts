import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServerOffer, readServerOffer } from '../../src/sync/server-offer.js';
import { git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';

/** git's own packet trace of a fetch from a bare copy of a small repository, set up by `config`, in protocol `version`. */
function traceOfFetch(config: Record<string, string>, version: 0 | 1 | 2, vars: Record<string, string> = {}): string {
  const source = makeRepo({ commit: true });
  const bare = join(tempDir('gt-offer-'), 'remote.git');
  git(source, 'clone', '-q', '--bare', source, bare);
  for (const [k, v] of Object.entries(config)) git(bare, 'config', k, v);
  const client = join(tempDir('gt-offer-'), 'client.git');
  git(tempDir(), 'init', '-q', '--bare', client);
  const trace = join(tempDir('gt-offer-'), 'trace');
  execFileSync('git', ['-c', `protocol.version=${version}`, 'fetch', '-q', '--depth', '1', '--filter=tree:2', bare, '+refs/heads/main:refs/heads/main'], {
    cwd: client,
    env: testGitEnv({ ...vars, GIT_TRACE_PACKET: trace }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return trace;
}

describe('what a server offers, from git packet trace of a fetch', () => {
  const FILTER = { 'uploadpack.allowFilter': 'true' };
  it.each([
    ['v2, filters', FILTER, 2, { protocol: 2, filter: true, objectsById: true, agent: expect.stringMatching(/^git\/\d/) }],
    ['v2, no filters', {}, 2, { protocol: 2, filter: false, objectsById: true, agent: expect.stringMatching(/^git\/\d/) }],
    ['v0, no filters', {}, 0, { protocol: 0, filter: false, objectsById: false, agent: expect.stringMatching(/^git\/\d/) }],
    ['v0, filters', FILTER, 0, { protocol: 0, filter: true, objectsById: false, agent: expect.stringMatching(/^git\/\d/) }],
    ['v0, filters, reachable objects by id', { ...FILTER, 'uploadpack.allowReachableSHA1InWant': 'true' }, 0, { protocol: 0, filter: true, objectsById: true, agent: expect.stringMatching(/^git\/\d/) }],
    ['v0, filters, any object by id', { ...FILTER, 'uploadpack.allowAnySHA1InWant': 'true' }, 0, { protocol: 0, filter: true, objectsById: true, agent: expect.stringMatching(/^git\/\d/) }],
    ['v0, filters, only tips by id', { ...FILTER, 'uploadpack.allowTipSHA1InWant': 'true' }, 0, { protocol: 0, filter: true, objectsById: false, agent: expect.stringMatching(/^git\/\d/) }],
    ['v1, filters', FILTER, 1, { protocol: 1, filter: true, objectsById: false, agent: expect.stringMatching(/^git\/\d/) }],
  ] as const)('%s', (_, config, version, offer) => {
    expect(readServerOffer(traceOfFetch(config, version))).toEqual(offer);
  });

  it("names the server's agent (a local upload-pack takes GIT_USER_AGENT from the client's environment)", () => {
    expect(readServerOffer(traceOfFetch(FILTER, 2, { GIT_USER_AGENT: 'JGit/6.10.0' }))).toEqual({ protocol: 2, filter: true, objectsById: true, agent: 'JGit/6.10.0' });
    expect(readServerOffer(traceOfFetch(FILTER, 0, { GIT_USER_AGENT: 'JGit/6.10.0' }))?.agent).toBe('JGit/6.10.0');
  });

  it('is unknown, not guessed, for a trace without an advertisement, a missing file, or what the client sent', () => {
    const dir = tempDir('gt-offer-');
    expect(readServerOffer(join(dir, 'none'))).toBeNull();
    writeFileSync(join(dir, 'empty'), '');
    expect(readServerOffer(join(dir, 'empty'))).toBeNull();
    // The client's own packets ("git>") carry capabilities too: they say nothing of the server.
    expect(parseServerOffer('12:00:00.000000 pkt-line.c:80 packet: git> 1a2b refs/heads/runs\\0filter allow-reachable-sha1-in-want\n')).toBeNull();
    expect(parseServerOffer('12:00:00.000000 pkt-line.c:80 packet: git> version 2\n')).toBeNull();
  });
});
