/**
 * A remote artifact store that holds content objects by sha256 outside git: an S3 bucket or a
 * Git LFS server. Push sends the objects behind the pushed runs before the runs move; `get`
 * streams one into a temp file of the local cache and the caller checks its hash before it
 * gets its final name. The `git` and `dir` stores predate this interface and keep their own
 * code paths (the git store writes a ref, the dir store is a plain file copy).
 */
import type { NeededObject } from '../../sync/artifact-objects.js';

export interface BlobStore {
  /** Where the objects go, for messages (never with credentials): `s3://bucket/prefix`. */
  readonly label: string;
  /** Transfers to run at once (`lfs.concurrenttransfers`, `gittrack.store.concurrency`). */
  readonly concurrency: number;
  /**
   * Send each object the store lacks (objects it has are not sent again); resolves with the
   * count and bytes actually sent. Nothing is left half-visible: an object appears whole or not.
   */
  upload(objects: readonly NeededObject[]): Promise<{ uploaded: number; bytes: number }>;
  /**
   * Stream the object into `tmp`, hashing on the way; resolves with the sha256 of what was
   * written, or null when the store does not have it. More than `size` bytes (when known) is
   * refused without writing them.
   */
  download(sha256: string, size: number | null, tmp: string, label: string): Promise<string | null>;
}
