/**
 * Artifacts of MLflow runs whose artifact root is `s3://bucket/prefix` (a server started with
 * `--no-serve-artifacts --default-artifact-root s3://…`: clients write to S3 themselves, the
 * server's proxy does not serve them), read straight from S3 as the MLflow client would: the
 * AWS SDK's default credential chain (environment, AWS_PROFILE, SSO, instance metadata), and
 * the endpoint of an S3-compatible service from MLFLOW_S3_ENDPOINT_URL (MLflow's own variable)
 * or the SDK's AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. The SDK is loaded only when a run has
 * such a root. Keys are untrusted like any remote's listing: each must be a plain relative
 * path under the root, and a download may not exceed the size the listing gave.
 */
import type { Readable } from 'node:stream';
import type { Env } from '../../env.js';
import { GitTrackError, isGitTrackError, quoteInput } from '../../errors.js';
import { MAX_IMPORT_ARTIFACT_FILES, S3_CONCURRENT_REQUESTS } from '../../limits.js';
import type { ArtifactFile } from './source.js';

/** One S3 client for the whole import (credentials resolved once). */
export interface S3Artifacts {
  /** Every object under the run's root, as artifact paths with their sizes. */
  list(root: string, runId: string): Promise<ArtifactFile[]>;
  /** Download one object to `target` (at most its listed size). */
  fetch(root: string, file: ArtifactFile, target: string, runId: string): Promise<void>;
  close(): void;
}

/**
 * The bucket and key prefix of an `s3://` root, or null for another kind of root.
 *
 * @example
 * parseS3Root('s3://ml/mlflow/1/abc/artifacts'); // { bucket: 'ml', prefix: 'mlflow/1/abc/artifacts' }
 */
export function parseS3Root(root: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(root);
  return m ? { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') } : null;
}

/**
 * Open S3 for reading runs' artifacts (loads the AWS SDK).
 *
 * @example
 * const s3 = await openS3Artifacts(env);
 * const files = await s3.list('s3://ml/mlflow/1/abc/artifacts', 'abc');
 */
export async function openS3Artifacts(env: Env): Promise<S3Artifacts> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-s3');
  const { s3Failure, streamHashing } = await import('../../artifacts/stores/s3-store.js');
  const { newS3Client } = await import('../../artifacts/stores/s3-client.js');
  const endpoint = env.vars.MLFLOW_S3_ENDPOINT_URL || undefined;
  // Through the proxies the user set, as the S3 store goes; with no region anywhere, S3's
  // default one, as boto3 does for MLflow.
  const client = await newS3Client(sdk, env, { endpoint, forcePathStyle: endpoint ? true : undefined, maxSockets: S3_CONCURRENT_REQUESTS + 1 });
  const where = (root: string) => `s3://${parseS3Root(root)!.bucket}`;
  const fail = async (err: unknown, root: string, what: string): Promise<GitTrackError> => (isGitTrackError(err) ? err : await s3Failure(client, where(root), err, what));

  return {
    async list(root, runId) {
      const { bucket, prefix } = parseS3Root(root)!;
      const under = prefix ? `${prefix}/` : '';
      const files: ArtifactFile[] = [];
      let token: string | undefined;
      const seen = new Set<string>();
      do {
        let page;
        try {
          page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: under, ...(token ? { ContinuationToken: token } : {}) }));
        } catch (err) {
          throw await fail(err, root, `listing the artifacts of MLflow run ${runId}`);
        }
        for (const o of page.Contents ?? []) {
          const key = o.Key ?? '';
          const path = key.startsWith(under) ? key.slice(under.length) : '';
          // A "folder" marker some tools write (a key ending in /) is no artifact.
          if (path.endsWith('/') && (o.Size ?? 0) === 0) continue;
          if (!isPlainPath(path)) throw new GitTrackError('BAD_INPUT', `MLflow run ${runId}: S3 listed artifact ${quoteInput(key)} outside ${root}`, { runId });
          files.push({ path, ...(typeof o.Size === 'number' && Number.isSafeInteger(o.Size) && o.Size >= 0 ? { size: o.Size } : {}) });
          if (files.length > MAX_IMPORT_ARTIFACT_FILES) throw new GitTrackError('BAD_INPUT', `MLflow run ${runId}: over ${MAX_IMPORT_ARTIFACT_FILES} artifact files`, { runId });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        if (token !== undefined && seen.has(token)) throw new GitTrackError('BAD_INPUT', `${where(root)} returned the same continuation token twice`, {});
        if (token) seen.add(token);
      } while (token);
      return files;
    },
    async fetch(root, file, target, runId) {
      const { bucket, prefix } = parseS3Root(root)!;
      const key = prefix ? `${prefix}/${file.path}` : file.path;
      const what = `downloading artifact ${file.path} of MLflow run ${runId}`;
      try {
        const r = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        await streamHashing(r.Body as Readable, target, file.size ?? null, what, env, where(root));
      } catch (err) {
        throw await fail(err, root, what);
      } finally {
        env.progress.done(what);
      }
    },
    close() {
      client.destroy();
    },
  };
}

/** A relative path of plain segments ('a/b.txt'): no empty, '.', '..' or absolute part. */
function isPlainPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}
