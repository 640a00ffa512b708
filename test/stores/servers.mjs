/**
 * The real servers the store tests and bench/s3.mjs talk to, built from their Go modules once per machine into
 * `.cache/test-tools/` (gitignored) under a file lock, so `npm test` alone works on a fresh
 * machine with Go and parallel test files build each tool once.
 *
 * S3: SeaweedFS's S3 gateway (Apache-2.0). MinIO would be the most faithful S3 server, but it
 * is under the AGPL, which this project does not use; SeaweedFS verifies SigV4 signatures
 * against configured identities (so a wrong secret is refused as by AWS: SignatureDoesNotMatch
 * / InvalidAccessKeyId) and implements multipart uploads with ListParts. Its module has
 * `replace` directives, so it is built from its downloaded source tree rather than with
 * `go install`. Measured here: about 6 minutes to build from nothing on 2 cores, seconds after.
 *
 * LFS: the git-lfs project's reference server, `lfs-test-server` v0.4.0, built from a pinned
 * go.mod/go.sum beside this file (the module predates go modules; its proxy version list is
 * not served, so `go install …@v0.4.0` refuses). Its go.rice dependency is raised to v1.0.3
 * (go.zipexe v1.0.2): the versions of 2017 panic at start-up in binaries of current Go.
 * About 40 s to build from nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CACHE = join(ROOT, '.cache', 'test-tools');
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

/** Every server process started, for the caller to stop (test/stores/tools.ts kills them after each file). */
export const started = [];
process.on('exit', () => {
  for (const p of started) p.kill('SIGKILL');
});

/** Build once under an exclusive lock (a directory created atomically); others wait for it. */
async function buildOnce(name, build) {
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, name);
  const lock = `${out}.lock`;
  for (let waited = 0; !existsSync(out); waited += 1000) {
    try {
      mkdirSync(lock);
    } catch {
      // Another test file is building it; a lock older than 30 minutes was left by a killed build.
      if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    try {
      if (!existsSync(out)) build(out);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return out;
}

const goEnv = () => ({ ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' });

/** The SeaweedFS `weed` binary. */
export function weedBinary() {
  return buildOnce(`weed-${SEAWEEDFS_VERSION.slice(-12)}`, (out) => {
    const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `github.com/seaweedfs/seaweedfs@${SEAWEEDFS_VERSION}`], { env: goEnv(), encoding: 'utf8' }));
    const src = `${out}.src`;
    rmSync(src, { recursive: true, force: true });
    cpSync(info.Dir, src, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', src]);
    execFileSync('go', ['build', '-o', `${out}.tmp`, './weed'], { cwd: src, env: goEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('mv', [`${out}.tmp`, out]);
    rmSync(src, { recursive: true, force: true });
  });
}

/** The git-lfs project's `lfs-test-server` binary. */
export function lfsServerBinary() {
  return buildOnce('lfs-test-server-v0.4.0', (out) => {
    execFileSync('go', ['build', '-o', `${out}.tmp`, 'github.com/git-lfs/lfs-test-server'], {
      cwd: join(import.meta.dirname, 'lfs-test-server'),
      env: goEnv(),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    execFileSync('mv', [`${out}.tmp`, out]);
  });
}

/** A port free on 127.0.0.1 now, with `port + 10000` free too (SeaweedFS's gRPC ports). */
export async function freePort() {
  for (;;) {
    const port = await listenFree(0);
    if (port + 10000 < 65536 && (await listenFree(port + 10000).catch(() => null)) !== null) return port;
  }
}

function listenFree(port) {
  return new Promise((resolvePromise, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolvePromise(p));
    });
  });
}

async function waitFor(check, what, child, log, ms = 60_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${log()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not start within ${ms / 1000} s: ${log()}`);
}

function spawnLogged(bin, args, env, cwd) {
  const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let text = '';
  const keep = (d) => (text = (text + d.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, log: () => text };
}

/**
 * SeaweedFS (master, volume, filer and S3 gateway in one process) on free loopback ports, with
 * one identity allowed everything; SigV4 is verified against it.
 *
 * @example
 * const s3 = await startS3(dir); // s3.endpoint === 'http://127.0.0.1:41234'
 */
export async function startS3(dir) {
  const bin = await weedBinary();
  const accessKeyId = 'GTTESTACCESSKEY0001';
  const secretAccessKey = 'gt-test-secret-key-0123456789abcdefghijkl';
  const config = join(dir, 's3.json');
  writeFileSync(
    config,
    JSON.stringify({ identities: [{ name: 'tester', credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'] }] }),
  );
  const dataDir = join(dir, 'weed');
  mkdirSync(dataDir, { recursive: true });
  const [master, volume, filer, s3] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const { child, log } = spawnLogged(
    bin,
    [
      'server',
      `-dir=${dataDir}`,
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-master.port=${master}`,
      '-master.volumeSizeLimitMB=512',
      `-volume.port=${volume}`,
      '-volume.max=0', // as many as the disk holds: each bucket grows volumes of its own
      '-filer',
      `-filer.port=${filer}`,
      '-s3',
      `-s3.port=${s3}`,
      `-s3.config=${config}`,
    ],
    process.env,
    dir,
  );
  const endpoint = `http://127.0.0.1:${s3}`;
  // Ready when the gateway answers S3 (an unsigned request is refused with an S3 error).
  await waitFor(async () => (await fetch(`${endpoint}/`)).status > 0 && (await fetch(`http://127.0.0.1:${filer}/`)).status > 0, 'SeaweedFS', child, log, 120_000);
  // The SDK's standard credential chain for this identity, from the environment only: no files
  // or instance metadata of this machine.
  const env = {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return { endpoint, accessKeyId, secretAccessKey, env, dataDir, stop: () => child.kill('SIGKILL') };
}

/**
 * The reference LFS server with one user (requests need Basic auth). It names itself in the
 * action URLs it hands out, so its port is chosen before it starts.
 *
 * @example
 * const lfs = await startLfs(dir); // lfs.url === 'http://127.0.0.1:41235'
 */
export async function startLfs(dir, options = {}) {
  const bin = await lfsServerBinary();
  const tls = options.tls ? selfSignedCert(dir) : null;
  const call = (url, init = {}) => (tls ? httpsCall(url, init, tls.cert) : fetch(url, init));
  for (let attempt = 0; ; attempt++) {
    const port = await listenFree(0);
    const contentDir = join(dir, `lfs-content-${port}`);
    const { child, log } = spawnLogged(
      bin,
      [],
      {
        PATH: process.env.PATH,
        LFS_LISTEN: `tcp://127.0.0.1:${port}`,
        LFS_HOST: `127.0.0.1:${port}`,
        LFS_CONTENTPATH: contentDir,
        LFS_METADB: join(dir, `lfs-${port}.db`),
        LFS_ADMINUSER: 'admin',
        LFS_ADMINPASS: 'admin-pass',
        LFS_SCHEME: tls ? 'https' : 'http',
        ...(tls ? { LFS_CERT: tls.cert, LFS_KEY: tls.key } : {}),
        LFS_PUBLIC: 'false',
      },
      dir,
    );
    const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    const admin = `Basic ${Buffer.from('admin:admin-pass').toString('base64')}`;
    try {
      await waitFor(async () => (await call(`${url}/mgmt`, { headers: { Authorization: admin } })).ok, 'lfs-test-server', child, log, 30_000);
    } catch (err) {
      if (attempt < 3) continue; // the port was taken meanwhile
      throw err;
    }
    const user = 'ada';
    const password = 'lfs-secret-pw';
    const r = await call(`${url}/mgmt/add`, {
      method: 'POST',
      headers: { Authorization: admin, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `name=${user}&password=${password}`,
      redirect: 'manual',
    });
    if (r.status >= 400) throw new Error(`lfs-test-server: adding a user failed: ${r.status}`);
    return { url, user, password, contentDir, port, ...(tls ? { cert: tls.cert } : {}) };
  }
}

/** A self-signed certificate for 127.0.0.1 (openssl), for servers that speak TLS. */
function selfSignedCert(dir) {
  const cert = join(dir, 'tls-cert.pem');
  const key = join(dir, 'tls-key.pem');
  if (!existsSync(cert)) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      stdio: 'ignore',
    });
  }
  return { cert, key };
}

/** A fetch-like call over https trusting `caFile` (fetch reads extra CAs only at start-up). */
async function httpsCall(url, init, caFile) {
  const { request } = await import('node:https');
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ca: readFileSync(caFile) }, (res) => {
      res.resume();
      res.on('end', () => resolvePromise({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A credential helper script answering `get` with fixed credentials (what a user's helper does). */
export function credentialHelper(dir, user, password, logFile) {
  const path = join(dir, `credential-helper-${user}.sh`);
  writeFileSync(path, `#!/bin/sh\necho "$1" >> '${logFile}'\ncat >/dev/null\nif [ "$1" = get ]; then printf 'username=%s\\npassword=%s\\n' '${user}' '${password}'; fi\n`);
  chmodSync(path, 0o755);
  closeSync(openSync(logFile, 'a'));
  return path;
}

/**
 * Debian's tinyproxy (apt-get install tinyproxy; .ci/run installs it) on a free loopback port,
 * logging every request line it forwards; `auth` makes it ask for Basic credentials (407).
 *
 * @example
 * const proxy = await startTinyproxy(dir, { user: 'px', password: 'pw' }); // proxy.requests()
 */
export async function startTinyproxy(dir, auth) {
  for (let attempt = 0; ; attempt++) {
    const port = await listenFree(0);
    const conf = join(dir, `tinyproxy-${port}.conf`);
    // A log file: tinyproxy writes it line by line (its stdout is block-buffered into a pipe).
    const logFile = join(dir, `tinyproxy-${port}.log`);
    writeFileSync(
      conf,
      [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 120', `LogFile "${logFile}"`, 'LogLevel Connect', 'MaxClients 64', 'Allow 127.0.0.1', 'DisableViaHeader Yes', ...(auth ? [`BasicAuth ${auth.user} ${auth.password}`] : [])].join('\n') + '\n',
    );
    const { child, log } = spawnLogged('tinyproxy', ['-d', '-c', conf], process.env, dir);
    const all = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    try {
      await waitFor(() => new Promise((r) => {
        const s = createConnection(port, '127.0.0.1', () => { s.destroy(); r(true); });
        s.on('error', () => r(false));
      }), 'tinyproxy', child, log, 20_000);
    } catch (err) {
      if (attempt < 3) continue; // the port was taken meanwhile
      throw err;
    }
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      /** The request lines it forwarded so far (`PUT http://127.0.0.1:1234/bucket/key HTTP/1.1`). */
      requests: () => [...all().matchAll(/Request \(file descriptor \d+\): (.*)/g)].map((m) => m[1].trim()),
      log: all,
      stop: () => child.kill('SIGKILL'),
    };
  }
}

/**
 * A small forward proxy (absolute-form http only) that relays every request to its target and
 * records, per method, the most requests it had in flight at once: what a transfer's
 * concurrency looks like from the network.
 *
 * @example
 * const counter = await startCountingProxy(); // HTTP_PROXY=counter.url; counter.peak('PUT')
 */
export async function startCountingProxy() {
  const { createServer: createHttpServer, request } = await import('node:http');
  const inFlight = new Map();
  const peaks = new Map();
  const server = createHttpServer((req, res) => {
    const method = req.method;
    inFlight.set(method, (inFlight.get(method) ?? 0) + 1);
    peaks.set(method, Math.max(peaks.get(method) ?? 0, inFlight.get(method)));
    let settled = false;
    const settle = () => {
      if (!settled) inFlight.set(method, inFlight.get(method) - 1);
      settled = true;
    };
    const target = new URL(req.url);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers.expect;
    const up = request({ hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method, headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
      answer.on('end', settle);
    });
    up.on('error', () => {
      settle();
      res.destroy();
    });
    res.on('close', settle);
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** The most `method` requests in flight at once so far. */
    peak: (method) => peaks.get(method) ?? 0,
    /** Requests seen so far, per method. */
    reset: () => peaks.clear(),
    close: () => new Promise((r) => server.close(r)),
  };
}
