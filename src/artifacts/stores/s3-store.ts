/**
 * The S3 artifact store: objects at `<prefix>/sha256/<ab>/<rest>` in a bucket of AWS S3 or an
 * S3-compatible service, through the official AWS SDK v3 and its default credential chain
 * (environment, shared config and credentials files with AWS_PROFILE, SSO, web identity,
 * container and instance metadata). git-track never reads, stores or prints a credential: the
 * SDK resolves them, and error messages are scrubbed of the key id and secret in case a server
 * echoes them.
 *
 * An object already in the bucket with the right size (HEAD) is not sent again. Large objects
 * go as multipart uploads whose parts are sent in parallel and recorded, so an interrupted push
 * resumes where it stopped (s3-multipart.ts).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { objectPath } from '../cache.js';
import type { S3Settings } from '../../config/load-store.js';
import type { Env } from '../../env.js';
import { GitTrackError, isGitTrackError } from '../../errors.js';
import { S3_CONCURRENT_REQUESTS, S3_MULTIPART_FROM_BYTES } from '../../limits.js';
import { PROGRESS_MIN_BYTES, storePath, type NeededObject } from '../../sync/artifact-objects.js';
import type { BlobStore } from './blob-store.js';
import { combinedProgress } from './combined-progress.js';
import { forEachLimited, Limiter } from './parallel.js';
import { pickProxy, proxyRefused } from './proxy.js';
import { newS3Client } from './s3-client.js';
import { multipartUpload } from './s3-multipart.js';

/** What the multipart module needs from an open store. */
export interface S3Session {
  client: S3Client;
  sdk: typeof import('@aws-sdk/client-s3');
  bucket: string;
  label: string;
  stateDir: string;
  env: Env;
  /** Bounds the requests that carry bytes (parts, small objects) across the whole transfer. */
  requests: Limiter;
  /** A GitTrackError for a failed SDK call, scrubbed of credentials. */
  fail(err: unknown, what: string): Promise<GitTrackError>;
}

/**
 * Open the store (loads the AWS SDK).
 *
 * @example
 * const store = await openS3Store({ type: 's3', bucket: 'ml', prefix: 'churn', forcePathStyle: false }, stateDir, env);
 */
export async function openS3Store(settings: S3Settings, stateDir: string, callerEnv: Env): Promise<BlobStore> {
  // Objects move several at a time: their progress shares one line.
  const env: Env = { ...callerEnv, progress: combinedProgress(callerEnv.progress) };
  // On Node 20 the SDK prints a seven-line notice about its releases of 2027 on every command;
  // the version we ship is pinned, so it tells the user nothing they can act on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-s3');
  const label = `s3://${settings.bucket}${settings.prefix ? `/${settings.prefix}` : ''}`;
  const concurrency = settings.concurrency ?? S3_CONCURRENT_REQUESTS;
  const client = await newS3Client(sdk, env, { endpoint: settings.endpoint, forcePathStyle: settings.forcePathStyle, region: settings.region, maxSockets: concurrency + 1 });
  const session: S3Session = {
    client,
    sdk,
    bucket: settings.bucket,
    label,
    stateDir,
    env,
    requests: new Limiter(concurrency),
    fail: (err, what) => s3Failure(client, label, err, what, env),
  };
  const keyOf = (sha256: string) => (settings.prefix ? `${settings.prefix}/${storePath(sha256)}` : storePath(sha256));

  return {
    label,
    concurrency,
    async upload(objects) {
      let uploaded = 0;
      let bytes = 0;
      await forEachLimited(objects, concurrency, async (o) => {
        const key = keyOf(o.sha256);
        if ((await headSize(session, key, o.origin)) === o.size) return;
        if (o.size >= S3_MULTIPART_FROM_BYTES) await multipartUpload(session, key, o);
        else await putSmall(session, key, o);
        uploaded++;
        bytes += o.size;
      });
      return { uploaded, bytes };
    },
    async download(sha256, size, tmp, what) {
      const key = keyOf(sha256);
      let body: Readable;
      try {
        const r = await client.send(new sdk.GetObjectCommand({ Bucket: settings.bucket, Key: key }));
        body = r.Body as Readable;
      } catch (err) {
        if (isNotFound(err)) return null;
        throw await session.fail(err, `downloading ${what}`);
      }
      const progressLabel = `downloading ${what}`;
      try {
        return await streamHashing(body, tmp, size, progressLabel, env, label);
      } catch (err) {
        if (isGitTrackError(err)) throw err;
        throw await session.fail(err, progressLabel);
      } finally {
        env.progress.done(progressLabel);
      }
    },
  };
}

/** The size of the object at `key`, or null when there is none. */
async function headSize(s: S3Session, key: string, origin: string): Promise<number | null> {
  try {
    const r = await s.client.send(new s.sdk.HeadObjectCommand({ Bucket: s.bucket, Key: key }));
    return r.ContentLength ?? null;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw await s.fail(await explainHead(s, key, err), `checking for ${origin}`);
  }
}

/**
 * An answer to HEAD has no body, so a refusal arrives without its reason (403 `Unknown`). A
 * one-byte GET of the same key gets the same refusal with S3's own code (SignatureDoesNotMatch,
 * InvalidAccessKeyId, AccessDenied…), which tells the user what to fix.
 */
async function explainHead(s: S3Session, key: string, err: unknown): Promise<unknown> {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode !== 403 && e?.$metadata?.httpStatusCode !== 400) return err;
  try {
    await s.client.send(new s.sdk.GetObjectCommand({ Bucket: s.bucket, Key: key, Range: 'bytes=0-0' }));
    return err;
  } catch (detailed) {
    return (detailed as { name?: string })?.name && (detailed as { name?: string }).name !== 'Unknown' ? detailed : err;
  }
}

/** One PUT from a buffer (so the SDK can retry it), checked against its name first. */
async function putSmall(s: S3Session, key: string, o: NeededObject): Promise<void> {
  const body = await readFile(objectPath(s.stateDir, o.sha256));
  const actual = createHash('sha256').update(body).digest('hex');
  if (actual !== o.sha256) throw corruptCache(o.sha256, actual);
  const release = await s.requests.acquire();
  try {
    await s.client.send(new s.sdk.PutObjectCommand({ Bucket: s.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: 'application/octet-stream' }));
  } catch (err) {
    throw await s.fail(err, `uploading ${o.origin}`);
  } finally {
    release();
  }
}

/**
 * Write `body` to `tmp` while hashing it; more than `limit` bytes is an error before they are
 * written. Resolves with the sha256 of the bytes.
 *
 * @example
 * const sha = await streamHashing(res, tmp, 1024, 'downloading m.pkl', env, 's3://ml');
 */
export async function streamHashing(body: Readable, tmp: string, limit: number | null, label: string, env: Env, where: string): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      if (limit !== null && done > limit) {
        cb(new GitTrackError('HASH_MISMATCH', `${where} sent more than the ${limit} bytes of the object for ${label.replace(/^downloading /, '')}; nothing was restored`, { where }));
        return;
      }
      hash.update(chunk);
      if (limit !== null && limit >= PROGRESS_MIN_BYTES) env.progress.update(label, done, limit);
      cb(null, chunk);
    },
  });
  await pipeline(body, tap, createWriteStream(tmp, { mode: 0o600 }));
  return hash.digest('hex');
}

/** The local cache does not hold what its name says: never sent anywhere. */
export function corruptCache(expected: string, actual: string): GitTrackError {
  return new GitTrackError('HASH_MISMATCH', `object ${expected} in the local cache is corrupt (its bytes hash to ${actual}); nothing was uploaded`, { expected, actual });
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** Names of S3 errors that mean "these credentials do not work here". */
const CREDENTIAL_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'Forbidden']);

/**
 * One line for a failed S3 call. The SDK's messages are kept (they name the cause: no such
 * bucket, a refused signature) but any credential value they might carry is cut out.
 */
export async function s3Failure(client: S3Client, label: string, err: unknown, what: string, env?: Env): Promise<GitTrackError> {
  if (isGitTrackError(err)) return err; // already one line for the user (a proxy that refused)
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  let detail = (e?.message ?? String(err)).split('\n')[0]!;
  const endpoint = await client.config.endpoint?.().catch(() => undefined);
  // S3 refuses credentials with 403, never 401 or 407: those come from a proxy on the way.
  const proxy = (status === 407 || status === 401) && endpoint ? pickProxy(new URL(`${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}/`), env?.vars ?? process.env) : null;
  if (proxy) {
    return proxyRefused(proxy, endpoint!.hostname, status!);
  } else if (name === 'CredentialsProviderError' || /could not load credentials/i.test(detail)) {
    detail = 'no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws configure / aws sso login)';
  } else if (CREDENTIAL_ERRORS.has(name) || status === 403) {
    detail = `the credentials were refused (${name}${detail && detail !== name && detail !== 'UnknownError' ? `: ${detail}` : ''})`;
  } else if (name === 'NoSuchBucket') {
    detail = 'no such bucket';
  } else if (detail === 'UnknownError' || !detail) {
    detail = `${name}${status ? ` (HTTP ${status})` : ''}`;
  }
  detail = await scrubCredentials(client, detail);
  return new GitTrackError('STORE_FAILED', `${label}: ${what}: ${detail}`, { store: label, reason: name, ...(status ? { status } : {}) });
}

async function scrubCredentials(client: S3Client, text: string): Promise<string> {
  let creds: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string } | undefined;
  try {
    creds = await client.config.credentials();
  } catch {
    return text;
  }
  let out = text;
  for (const secret of [creds?.secretAccessKey, creds?.sessionToken, creds?.accessKeyId]) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
