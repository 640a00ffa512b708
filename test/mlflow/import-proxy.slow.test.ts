/**
 * `git-track import mlflow --server URL` through the proxy the environment names, as the S3 and
 * LFS stores go: the real `mlflow server` (filled by the real client) behind Debian's tinyproxy,
 * which logs every request line it forwards. HTTP_PROXY / http_proxy in absolute form; HTTPS_PROXY
 * through a CONNECT tunnel (to the same server behind a TLS front), with credentials that never
 * show; NO_PROXY / no_proxy going around the proxy.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowPython, mlflowSkipReason, startMlflowServer, type MlflowServer } from '../helpers/mlflow-venv.js';
import { BIN, git, makeRepo, tempDir, testGitEnv, type CliResult } from '../helpers/repo.js';
import { startTinyproxy } from '../stores/tools.js';
import { expectImported, idsOf, writeMlflowHistory, type ClientRun } from './import-fixture.js';

const PROXY_PASSWORD = 'px-secret-Pa55';

/** The CLI as a child process that leaves this process's event loop free (the TLS front runs in it). */
function importWith(env: Record<string, string>, url: string, repo = makeRepo()): Promise<CliResult & { repo: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, 'import', 'mlflow', '--server', url, '--json'], { cwd: repo, env: testGitEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr, repo }));
  });
}

/** A TLS front on a free loopback port relaying every connection to `port` (the mlflow server). */
async function tlsFront(dir: string, port: number): Promise<{ url: string; port: number; cert: string; server: TlsServer }> {
  const cert = join(dir, 'front-cert.pem');
  const key = join(dir, 'front-key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const server = createTlsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (socket) => {
    const upstream = netConnect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const front = (server.address() as AddressInfo).port;
  return { url: `https://127.0.0.1:${front}`, port: front, cert, server };
}

describe.skipIf(mlflowSkipReason())('import mlflow --server through HTTP(S) proxies', () => {
  let mlflow: MlflowServer;
  let runs: ClientRun[];
  let live: ClientRun[];
  let proxy: Awaited<ReturnType<typeof startTinyproxy>>;
  let authProxy: Awaited<ReturnType<typeof startTinyproxy>>;
  let front: Awaited<ReturnType<typeof tlsFront>>;

  beforeAll(async () => {
    const dir = tempDir('gt-mlflow-import-proxy-');
    mlflow = await startMlflowServer(dir);
    runs = writeMlflowHistory(mlflowPython('client'), dir, mlflow.url);
    live = runs.filter((x) => !x.deleted);
    [proxy, authProxy] = await Promise.all([startTinyproxy(dir), startTinyproxy(dir, { user: 'px', password: PROXY_PASSWORD })]);
    front = await tlsFront(dir, Number(new URL(mlflow.url).port));
  }, 1_200_000);
  afterAll(async () => {
    front?.server.close();
    await mlflow?.stop();
  });

  it('HTTP_PROXY (and http_proxy): every REST read and artifact download goes through the proxy', async () => {
    for (const name of ['HTTP_PROXY', 'http_proxy']) {
      const before = proxy.requests().length;
      const r = await importWith({ [name]: proxy.url }, mlflow.url);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expectImported(r.repo, live, idsOf(r.stdout));
      expect(git(r.repo, 'fsck', '--strict')).toBe('');
      const lines = proxy.requests().slice(before);
      const api = `${mlflow.url}/api/2.0`;
      expect(lines, name).toContain(`POST ${api}/mlflow/experiments/search HTTP/1.1`);
      expect(lines, name).toContain(`POST ${api}/mlflow/runs/search HTTP/1.1`);
      expect(lines.some((l) => l.startsWith(`GET ${api}/mlflow/metrics/get-history?`)), name).toBe(true);
      expect(lines.some((l) => l.startsWith(`GET ${api}/mlflow/artifacts/list?`)), name).toBe(true);
      expect(lines.some((l) => l.startsWith(`GET ${api}/mlflow-artifacts/artifacts/`)), name).toBe(true);
      // Nothing went around it.
      expect(lines.every((l) => l.startsWith(`GET ${mlflow.url}/`) || l.startsWith(`POST ${mlflow.url}/`)), lines.join('\n')).toBe(true);
    }
  }, 600_000);

  it('NO_PROXY (and no_proxy) naming the server: the proxy sees nothing, the import succeeds', async () => {
    for (const [name, value] of [['NO_PROXY', '127.0.0.1'], ['no_proxy', 'example.com, 127.0.0.0/8']] as const) {
      const before = proxy.requests().length;
      const r = await importWith({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, [name]: value }, mlflow.url);
      expect(r.code, r.stderr).toBe(0);
      expect(idsOf(r.stdout).size).toBe(live.length);
      expect(proxy.requests().slice(before), name).toEqual([]);
    }
  }, 600_000);

  it('HTTPS_PROXY with credentials: a CONNECT tunnel, TLS end to end; the password never shows', async () => {
    const before = authProxy.requests().length;
    const vars = { HTTPS_PROXY: `http://px:${PROXY_PASSWORD}@127.0.0.1:${authProxy.port}`, NODE_EXTRA_CA_CERTS: front.cert };
    const r = await importWith(vars, front.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expectImported(r.repo, live, idsOf(r.stdout));
    const lines = authProxy.requests().slice(before);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l === `CONNECT 127.0.0.1:${front.port} HTTP/1.1`), lines.join('\n')).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(PROXY_PASSWORD);

    // The proxy wants credentials and gets none, or wrong ones: one line naming it (never the
    // password), exit 1, nothing written.
    for (const [setting, why] of [
      [`http://127.0.0.1:${authProxy.port}`, 'it asks for credentials (HTTP 407): put them in the proxy URL as user:password@ before the host'],
      [`http://px:wrong-${PROXY_PASSWORD}@127.0.0.1:${authProxy.port}`, 'it refused the credentials in the proxy URL (HTTP 401)'], // tinyproxy's answer to wrong ones
    ] as const) {
      const refused = await importWith({ https_proxy: setting, NODE_EXTRA_CA_CERTS: front.cert }, front.url);
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr.trim()).toBe(`git-track: the proxy http://127.0.0.1:${authProxy.port} (https_proxy) refused the request to 127.0.0.1:${front.port}: ${why}`);
      expect(refused.stderr).not.toContain(PROXY_PASSWORD);
      expect(() => git(refused.repo, 'rev-parse', '--verify', '-q', 'runs')).toThrow();
    }
  }, 600_000);

  it('a proxy that is not there, or not supported: one line naming it, exit 1, nothing written', async () => {
    const down = await importWith({ HTTP_PROXY: `http://px:${PROXY_PASSWORD}@127.0.0.1:9` }, mlflow.url);
    expect(down.code).toBe(1);
    expect(down.stderr.trim()).toBe(`git-track: cannot reach the MLflow server ${mlflow.url} through the proxy http://127.0.0.1:9 (HTTP_PROXY): ECONNREFUSED`);
    expect(() => git(down.repo, 'rev-parse', '--verify', '-q', 'runs')).toThrow();
    const socks = await importWith({ HTTPS_PROXY: `socks5://px:${PROXY_PASSWORD}@127.0.0.1:1080` }, front.url);
    expect(socks.code).toBe(1);
    expect(socks.stderr.trim()).toBe('git-track: HTTPS_PROXY: socks5 proxies are not supported, only http://host:port');
    expect(socks.stderr).not.toContain(PROXY_PASSWORD);
  }, 600_000);
});
