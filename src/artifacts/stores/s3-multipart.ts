/**
 * Multipart uploads to S3 that survive an interrupted push. Before the first part is sent the
 * upload id is recorded in `.git/git-track/s3-uploads/<sha256>.json`; a later push of the same
 * object asks S3 which parts it already holds (ListParts) and sends only the others. Parts are
 * read in order (hashing the whole object, so a corrupt cache entry is never completed) and
 * sent from memory, which lets the SDK retry each; a part is read only once one of the store's
 * request places is free (`S3Session.requests`), so memory stays at about places × part size.
 */
import { createHash } from 'node:crypto';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { objectPath } from '../cache.js';
import { mkdirState } from '../../git/state-perm.js';
import { S3_MAX_PARTS, S3_PART_BYTES } from '../../limits.js';
import { PROGRESS_MIN_BYTES, type NeededObject } from '../../sync/artifact-objects.js';
import { corruptCache, type S3Session } from './s3-store.js';

interface UploadState {
  bucket: string;
  key: string;
  uploadId: string;
  partSize: number;
}

/**
 * Upload the cached object `o` to `key` in parts, resuming a recorded upload when there is one.
 *
 * @example
 * await multipartUpload(session, 'churn/sha256/9f/86d0…', object);
 */
export async function multipartUpload(s: S3Session, key: string, o: NeededObject): Promise<void> {
  const partSize = partSizeFor(o.size);
  const statePath = join(s.stateDir, 's3-uploads', `${o.sha256}.json`);
  const done = new Map<number, string>();
  let state = await readState(statePath);
  if (state && (state.bucket !== s.bucket || state.key !== key || state.partSize !== partSize)) state = null;
  if (state) {
    const parts = await listParts(s, state);
    if (parts === null) state = null;
    else for (const [n, p] of parts) if (p.size === partLength(o.size, partSize, n)) done.set(n, p.etag);
  }
  if (!state) {
    let uploadId: string | undefined;
    try {
      uploadId = (await s.client.send(new s.sdk.CreateMultipartUploadCommand({ Bucket: s.bucket, Key: key, ContentType: 'application/octet-stream' }))).UploadId;
    } catch (err) {
      throw await s.fail(err, `uploading ${o.origin}`);
    }
    if (!uploadId) throw await s.fail(new Error('no upload id in the answer to CreateMultipartUpload'), `uploading ${o.origin}`);
    state = { bucket: s.bucket, key, uploadId, partSize };
    mkdirState(join(s.stateDir, 's3-uploads'));
    await writeFile(statePath, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  }
  const label = `uploading ${o.origin}`;
  try {
    const etags = await sendParts(s, state, o, done, label);
    await s.client
      .send(
        new s.sdk.CompleteMultipartUploadCommand({
          Bucket: s.bucket,
          Key: key,
          UploadId: state.uploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
        }),
      )
      .catch(async (err) => {
        throw await s.fail(err, label);
      });
  } finally {
    s.env.progress.done(label);
  }
  await rm(statePath, { force: true });
}

/** Read every part in order, hash it, send the ones S3 lacks; the ETags in part order. */
async function sendParts(s: S3Session, state: UploadState, o: NeededObject, done: Map<number, string>, label: string): Promise<string[]> {
  const count = Math.max(1, Math.ceil(o.size / state.partSize));
  const etags: string[] = new Array(count);
  const hash = createHash('sha256');
  const file = await open(objectPath(s.stateDir, o.sha256), 'r');
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let sent = 0;
  try {
    for (let n = 1; n <= count && failure === null; n++) {
      const length = partLength(o.size, state.partSize, n);
      const known = done.get(n);
      const release = known ? () => {} : await s.requests.acquire();
      const body = Buffer.allocUnsafe(length);
      let bytesRead: number;
      try {
        ({ bytesRead } = await file.read(body, 0, length, (n - 1) * state.partSize));
      } catch (err) {
        release();
        throw err;
      }
      if (bytesRead !== length) {
        release();
        throw corruptCache(o.sha256, `a file of another size (part ${n} is short)`);
      }
      hash.update(body);
      if (known) {
        etags[n - 1] = known;
        sent += length;
        continue;
      }
      const task = s.client
        .send(new s.sdk.UploadPartCommand({ Bucket: s.bucket, Key: state.key, UploadId: state.uploadId, PartNumber: n, Body: body, ContentLength: length }))
        .then((r) => {
          etags[n - 1] = r.ETag!;
          sent += length;
          if (o.size >= PROGRESS_MIN_BYTES) s.env.progress.update(label, sent, o.size);
        })
        .catch(async (err) => {
          failure ??= await s.fail(err, label);
        })
        .finally(() => {
          release();
          inFlight.delete(task);
        });
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  } finally {
    await file.close();
  }
  if (failure) throw failure;
  const actual = hash.digest('hex');
  if (actual !== o.sha256) {
    // Never complete an object under a name its bytes do not have.
    await s.client.send(new s.sdk.AbortMultipartUploadCommand({ Bucket: s.bucket, Key: state.key, UploadId: state.uploadId })).catch(() => {});
    await rm(join(s.stateDir, 's3-uploads', `${o.sha256}.json`), { force: true });
    throw corruptCache(o.sha256, actual);
  }
  return etags;
}

/** Parts S3 already holds for the upload; null when the upload is gone (completed or aborted). */
async function listParts(s: S3Session, state: UploadState): Promise<Map<number, { etag: string; size: number }> | null> {
  const parts = new Map<number, { etag: string; size: number }>();
  let marker: string | undefined;
  for (;;) {
    let r;
    try {
      r = await s.client.send(new s.sdk.ListPartsCommand({ Bucket: state.bucket, Key: state.key, UploadId: state.uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }));
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e?.name === 'NoSuchUpload' || e?.$metadata?.httpStatusCode === 404) return null;
      throw await s.fail(err, `resuming the upload of ${state.key}`);
    }
    for (const p of r.Parts ?? []) if (p.PartNumber && p.ETag && p.Size !== undefined) parts.set(p.PartNumber, { etag: p.ETag, size: p.Size });
    if (!r.IsTruncated || !r.NextPartNumberMarker || parts.size > S3_MAX_PARTS) return parts;
    marker = String(r.NextPartNumberMarker);
  }
}

async function readState(path: string): Promise<UploadState | null> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<UploadState>;
    if (typeof v.bucket === 'string' && typeof v.key === 'string' && typeof v.uploadId === 'string' && typeof v.partSize === 'number') return v as UploadState;
  } catch {
    // Absent, or cut short by a kill: start a new upload.
  }
  return null;
}

/** Part size: {@link S3_PART_BYTES}, larger (whole MiB) when the object would need more than 10,000 parts. */
function partSizeFor(size: number): number {
  const mib = 1024 * 1024;
  return Math.max(S3_PART_BYTES, Math.ceil(size / S3_MAX_PARTS / mib) * mib);
}

function partLength(size: number, partSize: number, n: number): number {
  return Math.min(partSize, size - (n - 1) * partSize);
}
