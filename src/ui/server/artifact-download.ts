/**
 * `/api/artifact/:ref/<path>`: a file artifact's bytes from the local cache, hashed and
 * compared with the manifest's sha256 before the first byte is sent, so a damaged cache never
 * hands the user wrong bytes under the artifact's name.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { cachedPath } from '../../artifacts/cache.js';
import { GitTrackError, quoteInput } from '../../errors.js';
import { resolveRun } from '../../runs/resolve-run.js';
import type { UiState } from './ui-state.js';

/**
 * Send artifact `path` of run `ref` as an attachment; throws FILE_NOT_FOUND or HASH_MISMATCH
 * (nothing sent yet) for the server to answer as JSON.
 *
 * @example
 * await sendArtifact(state, res, 'baseline', 'models/churn.pkl', false);
 */
export async function sendArtifact(state: UiState, res: ServerResponse, ref: string, path: string, headOnly: boolean): Promise<void> {
  const { manifest } = resolveRun(state.ctx, ref);
  const artifact = manifest.artifacts.find((a) => a.path === path);
  if (!artifact) throw new GitTrackError('FILE_NOT_FOUND', `run ${manifest.id} has no artifact ${quoteInput(path)}`, { path });
  if (artifact.kind !== 'file' || artifact.sha256 === null) {
    throw new GitTrackError('FILE_NOT_FOUND', `artifact ${quoteInput(path)} of run ${manifest.id} is ${artifact.kind === 'dir' ? 'a directory' : 'a path without bytes'}; restore it with: git-track get ${manifest.id} ${path}`, { path });
  }
  const file = cachedPath(state.ctx.repo.stateDir, artifact.sha256);
  if (!file) throw new GitTrackError('FILE_NOT_FOUND', `artifact ${quoteInput(path)} of run ${manifest.id} is not in this clone's cache; bring it with: git-track get ${manifest.id} ${path}`, { path });
  // One descriptor for hashing and sending: the bytes sent are the bytes checked.
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  let handed = false;
  try {
    const size = fstatSync(fd).size;
    const hash = createHash('sha256');
    const buf = Buffer.alloc(1 << 20);
    for (let pos = 0; pos < size; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    const actual = hash.digest('hex');
    if (actual !== artifact.sha256 || size !== artifact.size) {
      throw new GitTrackError('HASH_MISMATCH', `the cached bytes of artifact ${quoteInput(path)} of run ${manifest.id} do not match its sha256 (${artifact.sha256.slice(0, 12)}…); not sent`, { path });
    }
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(size),
      'Content-Disposition': contentDisposition(path),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      ETag: `"${artifact.sha256}"`,
    });
    if (headOnly) {
      closeSync(fd);
      res.end();
      return;
    }
    handed = true;
    const stream = createReadStream('', { fd, start: 0, autoClose: true });
    stream.pipe(res);
    await new Promise<void>((resolve) => {
      stream.on('close', resolve);
      stream.on('error', () => (res.destroy(), resolve()));
    });
    return;
  } catch (err) {
    if (!handed) closeSync(fd);
    throw err;
  }
}

/**
 * `attachment` with a name any browser saves safely: an ASCII fallback of the base name
 * (anything outside `[A-Za-z0-9._-]` becomes `_`, never a leading dot) and the exact name
 * percent-encoded (RFC 6266 / 5987).
 *
 * @example
 * contentDisposition('models/my model.pkl'); // attachment; filename="my_model.pkl"; filename*=UTF-8''my%20model.pkl
 */
export function contentDisposition(path: string): string {
  const base = path.split('/').pop() || 'artifact';
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'artifact';
  const encoded = encodeURIComponent(base).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${safe}"; filename*=UTF-8''${encoded}`;
}
