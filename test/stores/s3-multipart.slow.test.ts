/**
 * Large artifacts on the S3 store: a 200 MB multipart upload with parallel parts, and a push
 * killed in the middle of one that resumes without sending its completed parts again. The
 * requests go through a forwarding proxy that counts the parts each push sends (the server is
 * the real SeaweedFS; the proxy keeps the Host header, so SigV4 still verifies) and can slow
 * them down, so the kill lands mid-upload.
 */
import { CreateBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListPartsCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, git, tempDir, testGitEnv } from '../helpers/repo.js';
import { cloneOf, makeBare, makeOrigin } from '../helpers/remotes.js';
import { startS3 } from './tools.js';

const MB = 1024 * 1024;
let s3: Awaited<ReturnType<typeof startS3>>;
let client: S3Client;
let env: Record<string, string>;
let proxy: Server;
let proxyUrl: string;
/** Part numbers of the UploadPart requests the proxy forwarded, and a delay added to each. */
const parts: number[] = [];
let partDelayMs = 0;
/** Part numbers whose next request the proxy answers 503 SlowDown itself (then forwards again). */
const failOnce = new Set<number>();
let refused = 0;

beforeAll(async () => {
  s3 = await startS3(tempDir('gt-s3mp-'));
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  await client.send(new CreateBucketCommand({ Bucket: 'big' }));
  const target = new URL(s3.endpoint);
  proxy = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const part = req.method === 'PUT' && u.searchParams.has('partNumber') && u.searchParams.has('uploadId') ? Number(u.searchParams.get('partNumber')) : null;
    const forward = () => {
      const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        if (part !== null && answer.statusCode === 200) parts.push(part);
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (part !== null && failOnce.delete(part)) {
      refused++;
      req.resume();
      res.writeHead(503, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    if (part !== null && partDelayMs) setTimeout(forward, partDelayMs);
    else forward();
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  env = { ...s3.env };
}, 1_800_000);

afterAll(() => proxy?.close());

/** The CLI as a child process that leaves this process's event loop free: the proxy runs in it. */
async function ok(dir: string, ...args: string[]): Promise<string> {
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: testGitEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
  if (r.code !== 0) throw new Error(`git-track ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function setup(prefix: string): { a: string; bare: string } {
  const bare = makeBare();
  const a = makeOrigin(bare);
  writeFileSync(join(a, '.git-track.yaml'), `store:\n  type: s3\n  bucket: big\n  prefix: ${prefix}\n  endpoint: ${proxyUrl}\n  force_path_style: true\n`);
  git(a, 'add', '.git-track.yaml');
  git(a, 'commit', '-q', '-m', 'artifact store');
  git(a, 'push', '-q', 'origin', 'main');
  return { a, bare };
}

function bigFile(dir: string, size: number): { sha256: string } {
  const data = randomBytes(size);
  writeFileSync(join(dir, 'model.bin'), data);
  return { sha256: createHash('sha256').update(data).digest('hex') };
}

describe('s3 store: large artifacts', () => {
  it('a 200 MB artifact goes up as a multipart upload in 8 MB parts and comes back verified', async () => {
    const { a, bare } = setup('mp');
    const { sha256 } = bigFile(a, 200 * MB);
    const id = (await ok(a, 'log', '-m', 'f1=0.5', '-a', 'model.bin')).trim();
    parts.length = 0;
    partDelayMs = 0;
    expect(await ok(a, 'push')).toMatch(/1 artifact object\(s\)/);
    expect(parts.sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'big', Key: `mp/sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}` }));
    expect(head.ContentLength).toBe(200 * MB);
    // The upload state is gone once the object is complete.
    expect(existsSync(join(a, '.git', 'git-track', 's3-uploads', `${sha256}.json`))).toBe(false);
    const b = cloneOf(bare);
    await ok(b, 'pull');
    await ok(b, 'get', id);
    expect(createHash('sha256').update(readFileSync(join(b, 'model.bin'))).digest('hex')).toBe(sha256);
  });

  it('a push killed mid-upload resumes: the parts S3 already holds are not sent again', async () => {
    const { a, bare } = setup('resume');
    const { sha256 } = bigFile(a, 120 * MB); // 15 parts
    await ok(a, 'log', '-m', 'f1=0.5', '-a', 'model.bin');
    const key = `resume/sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
    parts.length = 0;
    partDelayMs = 400;
    const child = spawn(process.execPath, [BIN, 'push'], { cwd: a, env: testGitEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((r) => child.once('exit', r));
    // Kill it once a few parts are in.
    const until = Date.now() + 120_000;
    while (parts.length < 4 && child.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await exited;
    expect(parts.length, stderr).toBeGreaterThanOrEqual(4);
    expect(git(bare, 'for-each-ref', 'refs/heads/runs')).toBe(''); // the runs did not move
    const state = JSON.parse(readFileSync(join(a, '.git', 'git-track', 's3-uploads', `${sha256}.json`), 'utf8')) as { uploadId: string };
    // What S3 holds of the interrupted upload (parts whose request was cut off may be absent).
    const held = ((await client.send(new ListPartsCommand({ Bucket: 'big', Key: key, UploadId: state.uploadId }))).Parts ?? []).map((p) => p.PartNumber!);
    expect(held.length).toBeGreaterThanOrEqual(4);
    expect(held.length).toBeLessThan(15);

    parts.length = 0;
    partDelayMs = 0;
    expect(await ok(a, 'push')).toMatch(/pushed 1 run\(s\) to origin, 1 artifact object\(s\)/);
    const resent = [...parts].sort((x, y) => x - y);
    expect(resent.filter((p) => held.includes(p))).toEqual([]);
    expect([...resent, ...held].sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect((await client.send(new HeadObjectCommand({ Bucket: 'big', Key: key }))).ContentLength).toBe(120 * MB);
    const uploads = (await client.send(new ListMultipartUploadsCommand({ Bucket: 'big', Prefix: 'resume/' }))).Uploads ?? [];
    expect(uploads.filter((u) => u.UploadId === state.uploadId)).toEqual([]);
    expect(readdirSync(join(a, '.git', 'git-track', 's3-uploads'))).toEqual([]);
    const b = cloneOf(bare);
    await ok(b, 'pull');
    expect(git(b, 'for-each-ref', '--format=%(refname)', 'refs/heads/runs')).toBe('refs/heads/runs\n');
  });

  it('a part refused with 503 SlowDown is sent again after a pause, and the push succeeds', async () => {
    const { a } = setup('retry');
    const { sha256 } = bigFile(a, 40 * MB); // 5 parts
    await ok(a, 'log', '-m', 'f1=0.5', '-a', 'model.bin');
    parts.length = 0;
    partDelayMs = 0;
    refused = 0;
    failOnce.add(2);
    failOnce.add(4);
    expect(await ok(a, 'push')).toMatch(/1 artifact object\(s\)/);
    expect(refused).toBe(2);
    expect(parts.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
    expect((await client.send(new HeadObjectCommand({ Bucket: 'big', Key: `retry/sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}` }))).ContentLength).toBe(40 * MB);
  });
});
