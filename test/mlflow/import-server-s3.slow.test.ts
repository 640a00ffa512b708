/**
 * `git-track import mlflow --server URL` when the real `mlflow server` (full mlflow 2.22.0 with
 * boto3, pinned in test/requirements/mlflow-server.txt) keeps artifacts in S3 — SeaweedFS's S3
 * gateway, the store tests' server: through the server's artifact proxy (`--artifacts-destination
 * s3://…`, runs' roots `mlflow-artifacts:`), and straight from S3 with the AWS SDK's standard
 * credentials (`--no-serve-artifacts --default-artifact-root s3://…`, runs' roots `s3://…`).
 * Each artifact's bytes and sha256 are checked after the import.
 */
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowPython, mlflowSkipReason, startMlflowServer, type MlflowServer } from '../helpers/mlflow-venv.js';
import { cli, cliWith, git, makeRepo, tempDir } from '../helpers/repo.js';
import { startS3, startTinyproxy } from '../stores/tools.js';
import { expectImported, idsOf, sha256Of, showJson, writeMlflowHistory, type ClientRun } from './import-fixture.js';

const BUCKET = 'mlflow-artifacts';
/** No AWS credentials from anywhere (no files, no instance metadata). */
const NO_AWS = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_CONFIG_FILE: '/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials', AWS_EC2_METADATA_DISABLED: 'true' };
let s3: Awaited<ReturnType<typeof startS3>>;
let s3env: Record<string, string>;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3(tempDir('gt-mlflow-s3-'));
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  s3env = { ...s3.env, AWS_DEFAULT_REGION: 'us-east-1', MLFLOW_S3_ENDPOINT_URL: s3.endpoint };
}, 1_800_000);
afterAll(() => client?.destroy());

async function keysUnder(prefix: string): Promise<string[]> {
  const r = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!);
}

/** Every imported artifact restored with `git-track get`: its bytes hash to what MLflow serves. */
function expectBytes(repo: string, runs: ClientRun[], ids: Map<string, string>): void {
  const out = tempDir('gt-restored-');
  for (const run of runs) {
    for (const [path, sha] of Object.entries(run.artifacts)) {
      const under = join(out, ids.get(run.run_id)!);
      const target = join(under, path);
      const r = cli(repo, 'get', ids.get(run.run_id)!, path, '-o', under);
      expect(r.code, r.stderr).toBe(0);
      expect(sha256Of(target), path).toBe(sha);
      if (path === 'model.txt') expect(readFileSync(target, 'utf8')).toBe('model bytes');
      if (path === 'models/best/weights.bin') expect(readFileSync(target, 'utf8')).toBe('w'.repeat(3000));
    }
  }
}

describe.skipIf(mlflowSkipReason())('import mlflow --server whose artifacts are in S3', () => {
  let server: MlflowServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  /** Import from `url` with no AWS credentials here: every live run and its artifact bytes arrive. */
  function importWithoutCredentials(url: string, runs: ClientRun[]): string {
    const repo = makeRepo({ commit: true });
    const r = cliWith(repo, NO_AWS, 'import', 'mlflow', '--server', url, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const live = runs.filter((x) => !x.deleted);
    const ids = idsOf(r.stdout);
    expectImported(repo, live, ids);
    expectBytes(repo, live, ids);
    return repo;
  }

  it('through the artifact proxy (mlflow server --artifacts-destination s3://…): no AWS credentials needed here', async () => {
    const dir = tempDir('gt-mlflow-proxy-s3-');
    server = await startMlflowServer(dir, { artifactsDestination: `s3://${BUCKET}/proxied`, env: s3env });
    const runs = writeMlflowHistory(mlflowPython('client'), dir, server.url);
    // The bytes are in S3, not on this disk.
    expect((await keysUnder('proxied/')).some((k) => k.endsWith('/artifacts/models/best/weights.bin'))).toBe(true);
    const repo = importWithoutCredentials(server.url, runs);
    expect(git(repo, 'fsck', '--strict')).toBe('');
    await server.stop();
    server = undefined;
  }, 900_000);

  it('straight from S3 (mlflow server --no-serve-artifacts --default-artifact-root s3://…, the server without access) with the standard AWS credentials', async () => {
    const dir = tempDir('gt-mlflow-direct-s3-');
    // Only the clients can reach the bucket: the server's own listing fails (5xx), so git-track reads S3 itself.
    server = await startMlflowServer(dir, { serveArtifacts: false, defaultArtifactRoot: `s3://${BUCKET}/direct`, env: NO_AWS });
    // Clients write to S3 themselves here: the full mlflow (with boto3) is the client.
    const runs = writeMlflowHistory(mlflowPython('server'), dir, server.url, s3env);
    const repo = makeRepo({ commit: true });
    const sweep = runs.find((x) => x.name === 'sweep')!;

    // A wrong secret: S3 refuses every run's listing; three lines say why, then a count; nothing written.
    const refused = cliWith(repo, { ...s3env, AWS_SECRET_ACCESS_KEY: 'not-the-secret-0000000000000000000000000' }, 'import', 'mlflow', '--server', server.url);
    expect(refused.code).toBe(1);
    const cause = `s3://${BUCKET}: listing the artifacts of MLflow run …: the credentials were refused (SignatureDoesNotMatch`;
    const lines = refused.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(0, 3)) expect(line.replace(/run [0-9a-f]{32}/, 'run …').startsWith(`warning: ${cause}`), line).toBe(true);
    expect(lines[3]!.startsWith(`warning: 3 more runs not imported for the same reason: ${cause}`), lines[3]).toBe(true);
    expect(refused.stdout.trim()).toBe(`Imported 0 runs from ${server.url}; 1 run deleted in MLflow left out (--include-deleted imports them); 6 runs not imported (reasons above)`);
    expect(refused.stderr).not.toContain(s3env.AWS_SECRET_ACCESS_KEY);
    expect(() => git(repo, 'rev-parse', '--verify', '-q', 'runs')).toThrow();

    // Through the proxy the user set (HTTP_PROXY), as the S3 store goes: the proxy sees the reads.
    const proxy = await startTinyproxy(tempDir('gt-mlflow-proxy-'));
    let r;
    try {
      r = cliWith(repo, { ...s3env, HTTP_PROXY: proxy.url, NO_PROXY: '' }, 'import', 'mlflow', '--server', server.url, '--json');
      const s3host = new URL(s3.endpoint).host;
      expect(proxy.requests().some((line) => line.startsWith(`GET http://${s3host}/${BUCKET}/direct/`)), proxy.requests().join('\n')).toBe(true);
    } finally {
      proxy.stop();
    }
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const live = runs.filter((x) => !x.deleted);
    const ids = idsOf(r.stdout);
    expect(showJson(repo, ids.get(sweep.run_id)!).artifacts.length).toBe(3);
    expectImported(repo, live, ids);
    expectBytes(repo, live, ids);
    expect(git(repo, 'fsck', '--strict')).toBe('');
  }, 900_000);
  it('through the server when it reads the s3:// roots itself (its artifact listing and /get-artifact): no AWS credentials needed here', async () => {
    await server?.stop();
    const dir = tempDir('gt-mlflow-served-s3-');
    server = await startMlflowServer(dir, { serveArtifacts: false, defaultArtifactRoot: `s3://${BUCKET}/served`, env: s3env });
    const runs = writeMlflowHistory(mlflowPython('server'), dir, server.url, s3env);
    expect((await keysUnder('served/')).some((k) => k.endsWith('/artifacts/models/best/weights.bin'))).toBe(true);
    importWithoutCredentials(server.url, runs);
  }, 900_000);
});
