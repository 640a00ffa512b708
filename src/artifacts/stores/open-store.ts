/**
 * Opening the remote artifact stores. Each store's module, and the AWS SDK behind the S3 one,
 * is imported only here, when a command actually moves bytes to or from such a store: every
 * other command (and `log` above all) starts as fast as before.
 */
import type { ResolvedStore } from '../../config/load-store.js';
import type { Remote } from '../../sync/remote.js';
import type { TrackerContext } from '../../tracker-context.js';
import type { BlobStore } from './blob-store.js';

/** The stores reached through {@link BlobStore}. */
export type RemoteStoreSettings = Extract<ResolvedStore, { type: 's3' } | { type: 'lfs' }>;

/**
 * True for the stores opened with {@link openBlobStore}.
 *
 * @example
 * if (isRemoteStore(store)) await (await openBlobStore(ctx, store, remote)).upload(objects);
 */
export function isRemoteStore(store: ResolvedStore): store is RemoteStoreSettings {
  return store.type === 's3' || store.type === 'lfs';
}

/**
 * Open the store. `remote` is the remote being pushed to or pulled from: an LFS store without
 * its own URL is that remote's LFS server.
 *
 * @example
 * const store = await openBlobStore(ctx, { type: 's3', bucket: 'ml', prefix: '', forcePathStyle: false }, null);
 */
export async function openBlobStore(ctx: TrackerContext, settings: RemoteStoreSettings, remote: Remote | null): Promise<BlobStore> {
  if (settings.type === 's3') {
    const { openS3Store } = await import('./s3-store.js');
    return openS3Store(settings, ctx.repo.stateDir, ctx.env);
  }
  const { openLfsStore } = await import('./lfs-store.js');
  return openLfsStore(ctx, settings, remote);
}
