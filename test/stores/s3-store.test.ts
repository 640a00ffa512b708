/**
 * The S3 artifact store against a real S3-compatible server (SeaweedFS's S3 gateway, built by
 * tools.ts; it verifies SigV4), end to end through the built binary.
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliWith, git, tempDir } from '../helpers/repo.js';
import { cloneOf, makeBare, makeOrigin } from '../helpers/remotes.js';
import { startS3 } from './tools.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
let s3: Awaited<ReturnType<typeof startS3>>;
let client: S3Client;
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startS3(tempDir('gt-s3-'));
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  for (const bucket of ['ml-artifacts', 'other-bucket']) await client.send(new CreateBucketCommand({ Bucket: bucket }));
  env = { ...s3.env };
}, 1_800_000);

function ok(dir: string, extra: Record<string, string>, ...args: string[]): string {
  const r = cliWith(dir, { ...env, ...extra }, ...args);
  if (r.code !== 0) throw new Error(`git-track ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function logRun(dir: string, ...args: string[]): string {
  return ok(dir, {}, 'log', ...args).trim();
}

function setup(yaml: string): { a: string; bare: string } {
  const bare = makeBare();
  const a = makeOrigin(bare);
  writeFileSync(join(a, '.git-track.yaml'), yaml);
  git(a, 'add', '.git-track.yaml');
  git(a, 'commit', '-q', '-m', 'artifact store');
  git(a, 'push', '-q', 'origin', 'main');
  return { a, bare };
}

const storeYaml = (prefix: string, bucket = 'ml-artifacts') =>
  `store:\n  type: s3\n  bucket: ${bucket}\n  prefix: ${prefix}\n  region: us-east-1\n  endpoint: ${s3.endpoint}\n  force_path_style: true\n`;

async function objectBytes(bucket: string, key: string): Promise<Buffer | null> {
  try {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  } catch {
    return null;
  }
}

describe('s3 artifact store', () => {
  it('push uploads content-addressed under the prefix, skips what is there (HEAD), and a fresh clone gets verified bytes', async () => {
    const { a, bare } = setup(storeYaml('team/churn'));
    const model = Buffer.from('s3 model weights '.repeat(4000));
    writeFileSync(join(a, 'model.bin'), model);
    mkdirSync(join(a, 'out'));
    writeFileSync(join(a, 'out', 'report.txt'), 'report\n');
    const id = logRun(a, '-m', 'f1=0.5', '-a', 'model.bin', '-a', 'out');
    expect(ok(a, {}, 'push')).toMatch(/pushed 1 run\(s\) to origin, 3 artifact object\(s\)/);
    const key = `team/churn/sha256/${sha(model).slice(0, 2)}/${sha(model).slice(2)}`;
    expect(await objectBytes('ml-artifacts', key)).toEqual(model);
    expect(git(bare, 'for-each-ref', '--format=%(refname)')).not.toContain('refs/git-track/artifacts');
    // Nothing about credentials was written anywhere in the repository.
    expect(git(a, 'config', '--list')).not.toContain(s3.secretAccessKey);

    // The same bytes in a second run: HEAD finds them, nothing is sent.
    logRun(a, '-m', 'f1=0.6', '-a', 'model.bin');
    const second = ok(a, {}, 'push');
    expect(second).toMatch(/pushed 1 run\(s\)/);
    expect(second).not.toMatch(/artifact object/);

    const b = cloneOf(bare);
    ok(b, {}, 'pull');
    expect(ok(b, {}, 'get', id)).toContain('restored');
    expect(readFileSync(join(b, 'model.bin'))).toEqual(model);
    expect(readFileSync(join(b, 'out', 'report.txt'), 'utf8')).toBe('report\n');
  });

  it('a wrong secret: one clear line without the secret or the key id, nothing pushed', async () => {
    const { a, bare } = setup(storeYaml('wrong-secret'));
    writeFileSync(join(a, 'model.bin'), 'weights never sent');
    logRun(a, '-m', 'f1=0.5', '-a', 'model.bin');
    const secret = 'Wr0ngSecretValue/abcdefghijklmnopqrstuvw';
    const r = cliWith(a, { ...env, AWS_SECRET_ACCESS_KEY: secret }, 'push');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^git-track: s3:\/\/ml-artifacts\/wrong-secret: .*the credentials were refused \(SignatureDoesNotMatch/);
    expect(r.stderr).not.toContain(secret);
    expect(r.stderr).not.toContain(s3.secretAccessKey);
    expect(r.stderr).not.toContain(s3.accessKeyId);
    expect(git(bare, 'for-each-ref', 'refs/heads/runs')).toBe('');
    expect(await objectBytes('ml-artifacts', `wrong-secret/sha256/${sha('weights never sent').slice(0, 2)}/${sha('weights never sent').slice(2)}`)).toBeNull();

    // An unknown key id, and no credentials at all: one line each.
    const unknown = cliWith(a, { ...env, AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000' }, 'push');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^git-track: s3:\/\/ml-artifacts\/wrong-secret: .*the credentials were refused \(InvalidAccessKeyId/);
    expect(unknown.stderr).not.toContain('AKIAUNKNOWNKEY000000');
    const none = cliWith(a, { ...env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }, 'push');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^git-track: s3:\/\/ml-artifacts\/wrong-secret: .*no AWS credentials found/);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(git(bare, 'for-each-ref', 'refs/heads/runs')).toBe('');
  });

  it('a corrupt object in the bucket: get refuses and writes nothing', async () => {
    const { a, bare } = setup(storeYaml('corrupt'));
    const model = Buffer.from('good s3 bytes '.repeat(500));
    writeFileSync(join(a, 'model.bin'), model);
    const id = logRun(a, '-m', 'f1=0.5', '-a', 'model.bin');
    ok(a, {}, 'push');
    const key = `corrupt/sha256/${sha(model).slice(0, 2)}/${sha(model).slice(2)}`;
    await client.send(new PutObjectCommand({ Bucket: 'ml-artifacts', Key: key, Body: Buffer.from('evil s3 bytes '.repeat(500)) }));
    const b = cloneOf(bare);
    ok(b, {}, 'pull');
    const r = cliWith(b, env, 'get', id);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: object [0-9a-f]{64} in s3:\/\/ml-artifacts\/corrupt is corrupt .*nothing was restored\n$/);
    expect(existsSync(join(b, 'model.bin'))).toBe(false);
    // And a missing object: one line naming the store.
    await client.send(new PutObjectCommand({ Bucket: 'ml-artifacts', Key: key, Body: model }));
    ok(b, {}, 'get', id);
    expect(readFileSync(join(b, 'model.bin'))).toEqual(model);
  });

  it('git config overrides the committed settings field by field (bucket, prefix, endpoint, path style)', async () => {
    // The committed file names a bucket that does not exist and no endpoint.
    const { a } = setup('store:\n  type: s3\n  bucket: not-here-bucket\n  prefix: from-file\n');
    git(a, 'config', 'gittrack.store.bucket', 'other-bucket');
    git(a, 'config', 'gittrack.store.prefix', 'from-git-config');
    git(a, 'config', 'gittrack.store.endpoint', s3.endpoint);
    git(a, 'config', 'gittrack.store.forcePathStyle', 'true');
    git(a, 'config', 'gittrack.store.region', 'eu-west-1');
    writeFileSync(join(a, 'model.bin'), 'override weights');
    logRun(a, '-m', 'f1=0.5', '-a', 'model.bin');
    ok(a, {}, 'push');
    expect((await objectBytes('other-bucket', `from-git-config/sha256/${sha('override weights').slice(0, 2)}/${sha('override weights').slice(2)}`))?.toString()).toBe('override weights');
    // gittrack.store.type alone switches a repository without the file's store.
    const { a: c } = setup('store:\n  type: git\n');
    for (const [k, v] of [['type', 's3'], ['bucket', 'ml-artifacts'], ['endpoint', s3.endpoint], ['forcePathStyle', 'yes']]) git(c, 'config', `gittrack.store.${k}`, v!);
    writeFileSync(join(c, 'model.bin'), 'type override');
    logRun(c, '-m', 'f1=0.5', '-a', 'model.bin');
    ok(c, {}, 'push');
    const head = await client.send(new HeadObjectCommand({ Bucket: 'ml-artifacts', Key: `sha256/${sha('type override').slice(0, 2)}/${sha('type override').slice(2)}` }));
    expect(head.ContentLength).toBe('type override'.length);
    // A bad value is one line naming the key.
    git(c, 'config', 'gittrack.store.forcePathStyle', 'maybe');
    writeFileSync(join(c, 'model.bin'), 'not sent');
    logRun(c, '-m', 'f1=0.7', '-a', 'model.bin');
    const bad = cliWith(c, env, 'push');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("git-track: gittrack.store.forcePathStyle: not a boolean: 'maybe'\n");
  });
});
