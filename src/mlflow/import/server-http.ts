/**
 * HTTP to an MLflow server for the importer: JSON requests with a bounded response size and
 * a timeout, downloads streamed to a file without exceeding the size the listing promised,
 * and local artifact roots read without following symlinks. Errors are one line naming the
 * server (without credentials) and what failed.
 */
import { closeSync, constants, createWriteStream, fstatSync, lstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { GitTrackError, quoteInput } from '../../errors.js';
import { MAX_MLFLOW_RESPONSE_BYTES } from '../../limits.js';

/** Where the server is, how messages name it, and the headers every request carries. */
export interface Connection {
  base: URL;
  label: string;
  headers: Record<string, string>;
}

/** A request gets this long to answer before it is abandoned. */
const REQUEST_TIMEOUT_MS = 120_000;

async function send(conn: Connection, method: string, path: string, body?: unknown): Promise<Response> {
  const url = new URL(path.replace(/^\/+/, ''), conn.base.href.endsWith('/') ? conn.base : `${conn.base.href}/`);
  url.username = '';
  url.password = '';
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { ...conn.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new GitTrackError('BAD_INPUT', `cannot reach the MLflow server ${conn.label}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { url: conn.label });
  }
  if (!response.ok) {
    const text = await readBounded(response, 64 * 1024).catch(() => '');
    let detail = text.trim().split('\n')[0] ?? '';
    try {
      const parsed = JSON.parse(text) as { error_code?: string; message?: string };
      if (parsed.message) detail = `${parsed.error_code ? `${parsed.error_code}: ` : ''}${parsed.message}`;
    } catch {
      // Not MLflow's JSON error: the first line of the body says enough.
    }
    const hint = response.status === 401 || response.status === 403 ? ' (set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)' : '';
    throw new GitTrackError('BAD_INPUT', `the MLflow server ${conn.label} answered ${response.status} to ${method} ${url.pathname}${detail ? `: ${quoteInput(detail)}` : ''}${hint}`, { status: response.status });
  }
  return response;
}

/**
 * A JSON object from `/api/2.0/mlflow/<path>`.
 *
 * @example
 * const page = await requestJson(conn, 'POST', 'runs/search', { experiment_ids: ['0'] });
 */
export async function requestJson(conn: Connection, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await send(conn, method, `api/2.0/mlflow/${path}`, body);
  const text = await readBounded(response, MAX_MLFLOW_RESPONSE_BYTES, `the MLflow server ${conn.label}: the answer to ${path.split('?')[0]}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GitTrackError('BAD_INPUT', `the MLflow server ${conn.label} answered ${path.split('?')[0]} with something that is not JSON`, {});
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GitTrackError('BAD_INPUT', `the MLflow server ${conn.label} answered ${path.split('?')[0]} with something that is not a JSON object`, {});
  return value as Record<string, unknown>;
}

async function readBounded(response: Response, max: number, what = 'the answer'): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > max) throw new GitTrackError('BAD_INPUT', `${what} is ${declared} bytes, over the limit of ${max}`, { limit: max });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += (chunk as Uint8Array).length;
    if (size > max) throw new GitTrackError('BAD_INPUT', `${what} is over the limit of ${max} bytes`, { limit: max });
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Stream `path` of the server into the file `target`; more bytes than `size` (when the listing
 * gave one) is refused, since a server could otherwise fill the disk.
 *
 * @example
 * await downloadTo(conn, '/api/2.0/mlflow-artifacts/artifacts/0/abc/artifacts/model.pkl', '/tmp/x', 20480, 'artifact model.pkl');
 */
export async function downloadTo(conn: Connection, path: string, target: string, size: number | undefined, what: string): Promise<void> {
  const response = await send(conn, 'GET', path);
  const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
  let written = 0;
  try {
    for await (const chunk of response.body ?? []) {
      written += (chunk as Uint8Array).length;
      if (size !== undefined && written > size) throw new GitTrackError('BAD_INPUT', `${what}: the server sent more than the ${size} bytes it listed`, {});
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    }
    if (size !== undefined && written !== size) throw new GitTrackError('BAD_INPUT', `${what}: the server sent ${written} of the ${size} bytes it listed`, {});
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/**
 * The local path of artifact `path` under the folder `root`, after checking that no part of
 * it is a symlink (the listing came from the server) and that it is a regular file.
 *
 * @example
 * openLocalArtifacts('/srv/mlartifacts/0/abc/artifacts', 'model/MLmodel', 'abc');
 */
export function openLocalArtifacts(root: string, path: string, runId: string): string {
  let current = root;
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    current = join(current, segments[i]!);
    let stat;
    try {
      stat = lstatSync(current);
    } catch {
      throw new GitTrackError('BAD_INPUT', `MLflow run ${runId}: artifact ${path} is not in ${root}`, { runId });
    }
    if (stat.isSymbolicLink()) throw new GitTrackError('BAD_INPUT', `MLflow run ${runId}: artifact ${path} goes through a symlink; not followed`, { runId });
    if (i < segments.length - 1 ? !stat.isDirectory() : !stat.isFile()) throw new GitTrackError('BAD_INPUT', `MLflow run ${runId}: artifact ${path} is not a regular file`, { runId });
  }
  // Opening with O_NOFOLLOW catches a link swapped in since the check.
  const fd = openSync(current, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!fstatSync(fd).isFile()) throw new GitTrackError('BAD_INPUT', `MLflow run ${runId}: artifact ${path} is not a regular file`, { runId });
  } finally {
    closeSync(fd);
  }
  return current;
}
