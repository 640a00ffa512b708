/**
 * HTTP proxies and transfer concurrency for the S3 and LFS stores, end to end through the built
 * binary, against the real servers (SeaweedFS's S3 gateway, the reference lfs-test-server)
 * through a real proxy: Debian's tinyproxy, which logs every request line it forwards (and
 * asks for Basic credentials when configured to). Concurrency is observed on the wire by a
 * small relaying proxy that counts the requests it has in flight.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cliWith, git, tempDir, testGitEnv } from '../helpers/repo.js';
import { cloneOf, makeBare, makeOrigin } from '../helpers/remotes.js';
import { credentialHelper, startCountingProxy, startLfs, startS3, startTinyproxy } from './tools.js';

let s3: Awaited<ReturnType<typeof startS3>>;
let lfs: Awaited<ReturnType<typeof startLfs>>;
let proxy: Awaited<ReturnType<typeof startTinyproxy>>;
let authProxy: Awaited<ReturnType<typeof startTinyproxy>>;
let counter: Awaited<ReturnType<typeof startCountingProxy>>;
let awsEnv: Record<string, string>;
const PROXY_PASSWORD = 'px-secret-Pa55';

beforeAll(async () => {
  const dir = tempDir('gt-proxy-');
  [s3, lfs, proxy, authProxy, counter] = await Promise.all([startS3(dir), startLfs(dir), startTinyproxy(dir), startTinyproxy(dir, { user: 'px', password: PROXY_PASSWORD }), startCountingProxy()]);
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  await client.send(new CreateBucketCommand({ Bucket: 'proxied' }));
  client.destroy();
  awsEnv = { ...s3.env };
}, 1_800_000);

afterAll(() => counter?.close());

function run(dir: string, extra: Record<string, string>, ...args: string[]): { code: number; stdout: string; stderr: string } {
  return cliWith(dir, { ...awsEnv, ...extra }, ...args);
}

function ok(dir: string, extra: Record<string, string>, ...args: string[]): string {
  const r = run(dir, extra, ...args);
  if (r.code !== 0) throw new Error(`git-track ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** The CLI without blocking this process, whose event loop runs the counting proxy. */
function okAsync(dir: string, extra: Record<string, string>, ...args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'git-track.js'), ...args], { cwd: dir, env: testGitEnv({ ...awsEnv, ...extra }) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`git-track ${args.join(' ')} failed (${code}): ${err}`))));
  });
}

/** A repository whose store is the S3 bucket under `prefix`, pushing to a bare remote. */
function s3Repo(prefix: string): { a: string; bare: string } {
  const bare = makeBare();
  const a = makeOrigin(bare);
  writeFileSync(join(a, '.git-track.yaml'), `store:\n  type: s3\n  bucket: proxied\n  prefix: ${prefix}\n  region: us-east-1\n  endpoint: ${s3.endpoint}\n  force_path_style: true\n`);
  git(a, 'add', '.git-track.yaml');
  git(a, 'commit', '-q', '-m', 'artifact store');
  git(a, 'push', '-q', 'origin', 'main');
  return { a, bare };
}

/** A repository whose store is the LFS server, with git's credentials from a helper. */
function lfsRepo(): { a: string; bare: string } {
  const bare = makeBare();
  const a = makeOrigin(bare);
  writeFileSync(join(a, '.git-track.yaml'), `store:\n  type: lfs\n  url: ${lfs.url}/ada/proxied\n`);
  git(a, 'add', '.git-track.yaml');
  git(a, 'commit', '-q', '-m', 'artifact store');
  git(a, 'push', '-q', 'origin', 'main');
  git(a, 'config', 'credential.helper', credentialHelper(tempDir(), lfs.user, lfs.password, join(tempDir(), 'helper.log')));
  return { a, bare };
}

/** `count` files of `size` random bytes in data/, logged as one run. */
function logData(a: string, count: number, size: number): string {
  mkdirSync(join(a, 'data'));
  for (let i = 0; i < count; i++) writeFileSync(join(a, 'data', `part-${i}.bin`), randomBytes(size));
  return ok(a, {}, 'log', '-m', 'f1=0.5', '-a', 'data').trim();
}

const seen = (p: { requests(): string[] }, needle: string) => p.requests().filter((line) => line.includes(needle));

describe('proxies', () => {
  it('S3 through HTTP_PROXY with credentials in the proxy URL: every request goes through it, the password is never shown', () => {
    const { a, bare } = s3Repo('via-proxy');
    const model = randomBytes(300_000);
    writeFileSync(join(a, 'model.bin'), model);
    const id = ok(a, {}, 'log', '-m', 'f1=0.5', '-a', 'model.bin').trim();
    const vars = { HTTP_PROXY: `http://px:${PROXY_PASSWORD}@127.0.0.1:${authProxy.port}` };
    const before = authProxy.requests().length;
    const pushed = run(a, vars, 'push');
    expect(pushed.code, pushed.stderr).toBe(0);
    const lines = authProxy.requests().slice(before);
    expect(lines.some((l) => /^HEAD http:\/\/127\.0\.0\.1:\d+\/proxied\/via-proxy\/sha256\//.test(l))).toBe(true);
    expect(lines.some((l) => /^PUT http:\/\/127\.0\.0\.1:\d+\/proxied\/via-proxy\/sha256\//.test(l))).toBe(true);
    expect(pushed.stdout + pushed.stderr).not.toContain(PROXY_PASSWORD);

    const b = cloneOf(bare);
    ok(b, vars, 'pull');
    const got = run(b, vars, 'get', id);
    expect(got.code, got.stderr).toBe(0);
    expect(readFileSync(join(b, 'model.bin'))).toEqual(model);
    expect(authProxy.requests().slice(before).some((l) => l.startsWith('GET http://127.0.0.1'))).toBe(true);
  });

  it('S3: a proxy that wants credentials it was not given is one clear line without any secret, and nothing is pushed', () => {
    const { a, bare } = s3Repo('refused');
    writeFileSync(join(a, 'model.bin'), randomBytes(1000));
    ok(a, {}, 'log', '-m', 'f1=0.5', '-a', 'model.bin');
    for (const url of [`http://127.0.0.1:${authProxy.port}`, `http://px:wrong-${PROXY_PASSWORD}@127.0.0.1:${authProxy.port}`]) {
      const r = run(a, { http_proxy: url }, 'push');
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^git-track: .*the proxy http://127\\.0\\.0\\.1:${authProxy.port} \\(http_proxy\\).*HTTP 40[17]`));
      expect(r.stderr).not.toContain(PROXY_PASSWORD);
      expect(r.stderr).not.toContain(s3.secretAccessKey);
      expect(git(bare, 'for-each-ref', 'refs/heads/runs')).toBe('');
    }
  });

  it('S3: NO_PROXY exempts the endpoint host; the proxy sees nothing', () => {
    const { a } = s3Repo('exempt');
    writeFileSync(join(a, 'model.bin'), randomBytes(1000));
    ok(a, {}, 'log', '-m', 'f1=0.5', '-a', 'model.bin');
    const before = proxy.requests().length;
    ok(a, { HTTP_PROXY: proxy.url, NO_PROXY: 'example.com, 127.0.0.0/8' }, 'push');
    expect(proxy.requests().slice(before)).toEqual([]);
  });

  it('LFS: git config http.proxy wins over the environment, remote.<name>.proxy "" turns it off', () => {
    const { a } = lfsRepo();
    writeFileSync(join(a, 'model.bin'), randomBytes(200_000));
    ok(a, {}, 'log', '-m', 'f1=0.5', '-a', 'model.bin');
    // The environment names a proxy that is not there: git's own setting must win.
    git(a, 'config', `http.${lfs.url}/.proxy`, proxy.url);
    const before = proxy.requests().length;
    const r = run(a, { HTTP_PROXY: 'http://127.0.0.1:9' }, 'push');
    expect(r.code, r.stderr).toBe(0);
    const lines = proxy.requests().slice(before);
    expect(lines.some((l) => l.startsWith(`POST ${lfs.url}/ada/proxied/objects/batch`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`PUT ${lfs.url}/`))).toBe(true);

    // remote.origin.proxy = "" turns proxying off for that remote's transfers.
    writeFileSync(join(a, 'other.bin'), randomBytes(1000));
    ok(a, {}, 'log', '-m', 'f1=0.6', '-a', 'other.bin');
    git(a, 'config', 'remote.origin.proxy', '');
    const mid = proxy.requests().length;
    ok(a, { HTTP_PROXY: proxy.url }, 'push');
    expect(proxy.requests().slice(mid)).toEqual([]);
  });

  it('LFS: lower-case http_proxy from the environment; an unreachable proxy is named in the error', () => {
    const { a } = lfsRepo();
    writeFileSync(join(a, 'model.bin'), randomBytes(5000));
    ok(a, {}, 'log', '-m', 'f1=0.5', '-a', 'model.bin');
    const bad = run(a, { http_proxy: `http://u:${PROXY_PASSWORD}@127.0.0.1:9` }, 'push');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('through the proxy http://127.0.0.1:9 (http_proxy)');
    expect(bad.stderr).not.toContain(PROXY_PASSWORD);
    const before = proxy.requests().length;
    ok(a, { http_proxy: proxy.url }, 'push');
    expect(seen({ requests: () => proxy.requests().slice(before) }, '/objects/batch').length).toBeGreaterThan(0);
  });
});

describe('proxies for https', () => {
  it('LFS over https through HTTPS_PROXY: a CONNECT tunnel, TLS end to end with the server', async () => {
    const secure = await startLfs(tempDir('gt-lfs-tls-'), { tls: true });
    const bare = makeBare();
    const a = makeOrigin(bare);
    writeFileSync(join(a, '.git-track.yaml'), `store:\n  type: lfs\n  url: ${secure.url}/ada/tls\n`);
    git(a, 'add', '.git-track.yaml');
    git(a, 'commit', '-q', '-m', 'artifact store');
    git(a, 'push', '-q', 'origin', 'main');
    git(a, 'config', 'credential.helper', credentialHelper(tempDir(), secure.user, secure.password, join(tempDir(), 'helper.log')));
    const model = randomBytes(100_000);
    writeFileSync(join(a, 'model.bin'), model);
    const id = ok(a, {}, 'log', '-m', 'f1=0.5', '-a', 'model.bin').trim();
    const vars = { HTTPS_PROXY: `http://px:${PROXY_PASSWORD}@127.0.0.1:${authProxy.port}`, NODE_EXTRA_CA_CERTS: secure.cert! };
    const before = authProxy.requests().length;
    const pushed = run(a, vars, 'push');
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout + pushed.stderr).not.toContain(PROXY_PASSWORD);
    // The proxy saw only tunnels to the server: no request line of the LFS API in clear.
    const lines = authProxy.requests().slice(before);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l === `CONNECT 127.0.0.1:${secure.port} HTTP/1.1`)).toBe(true);
    const b = cloneOf(bare);
    git(b, 'config', 'credential.helper', credentialHelper(tempDir(), secure.user, secure.password, join(tempDir(), 'b.log')));
    ok(b, {}, 'pull');
    ok(b, vars, 'get', id);
    expect(readFileSync(join(b, 'model.bin'))).toEqual(model);
    // Without the proxy's credentials the tunnel is refused: one line naming the proxy.
    const c = cloneOf(bare);
    ok(c, {}, 'pull');
    const refused = run(c, { HTTPS_PROXY: `http://127.0.0.1:${authProxy.port}`, NODE_EXTRA_CA_CERTS: secure.cert! }, 'get', id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^git-track: the proxy http://127\\.0\\.0\\.1:${authProxy.port} \\(HTTPS_PROXY\\) refused the request to 127\\.0\\.0\\.1:${secure.port}: it asks for credentials \\(HTTP 407\\)`));
  });
});

describe('transfer concurrency, observed on the wire', () => {
  it('LFS follows lfs.concurrenttransfers (git-lfs default 8)', async () => {
    const one = lfsRepo();
    logData(one.a, 6, 2_000_000);
    git(one.a, 'config', 'lfs.concurrenttransfers', '1');
    counter.reset();
    await okAsync(one.a, { HTTP_PROXY: counter.url }, 'push');
    expect(counter.peak('PUT')).toBe(1);

    const many = lfsRepo();
    logData(many.a, 12, 2_000_000);
    git(many.a, 'config', 'lfs.concurrenttransfers', '4');
    counter.reset();
    await okAsync(many.a, { HTTP_PROXY: counter.url }, 'push');
    expect(counter.peak('PUT')).toBeGreaterThan(1);
    expect(counter.peak('PUT')).toBeLessThanOrEqual(4);

    git(many.a, 'config', 'lfs.concurrenttransfers', 'lots');
    writeFileSync(join(many.a, 'more.bin'), randomBytes(1000));
    ok(many.a, {}, 'log', '-m', 'f1=0.7', '-a', 'more.bin');
    const bad = run(many.a, {}, 'push');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("git-track: lfs.concurrenttransfers: not a whole number of at least 1: 'lots'\n");
  });

  it('S3 follows gittrack.store.concurrency across parts and objects', async () => {
    const one = s3Repo('one-at-a-time');
    logData(one.a, 3, 20_000_000); // multipart: 3 parts each
    git(one.a, 'config', 'gittrack.store.concurrency', '1');
    counter.reset();
    await okAsync(one.a, { HTTP_PROXY: counter.url }, 'push');
    expect(counter.peak('PUT')).toBe(1);

    const three = s3Repo('three');
    logData(three.a, 3, 20_000_000);
    git(three.a, 'config', 'gittrack.store.concurrency', '3');
    counter.reset();
    await okAsync(three.a, { HTTP_PROXY: counter.url }, 'push');
    expect(counter.peak('PUT')).toBeGreaterThan(1);
    expect(counter.peak('PUT')).toBeLessThanOrEqual(3);
  });
});
