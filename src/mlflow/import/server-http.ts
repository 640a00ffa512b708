/**
 * HTTP to an MLflow server for the importer: JSON requests with a bounded response size and
 * a timeout, downloads streamed to a file without exceeding the size the listing promised,
 * and local artifact roots read without following symlinks. Every request goes through the
 * proxy the environment names (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), by the same code as the
 * S3 and LFS stores. Errors are one line naming the server and any proxy (without credentials)
 * and what failed.
 */
import { closeSync, constants, createWriteStream, fstatSync, lstatSync, openSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { pickProxy, proxiedRequest, tunnelingAgent } from '../../artifacts/stores/proxy.js';
import { GitTrackError, isGitTrackError, quoteInput } from '../../errors.js';
import { MAX_MLFLOW_RESPONSE_BYTES } from '../../limits.js';

/** Where the server is, how messages name it, and the headers every request carries. */
export interface Connection {
  base: URL;
  label: string;
  headers: Record<string, string>;
  /**
   * The environment: its HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case) choose a proxy for
   * each request, as for the S3 and LFS stores (artifacts/stores/proxy.ts) and as MLflow's own
   * client (requests) does.
   */
  vars: Record<string, string | undefined>;
  /** The https agent (a CONNECT tunnel when a proxy is chosen), made on first use; see {@link closeConnection}. */
  agent?: HttpsAgent;
}

/** A request may stay this long without a byte going either way before it is abandoned. */
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * Close the connection's idle keep-alive sockets.
 *
 * @example
 * closeConnection(conn);
 */
export function closeConnection(conn: Connection): void {
  conn.agent?.destroy();
  conn.agent = undefined;
}

async function send(conn: Connection, method: string, path: string, body?: unknown): Promise<IncomingMessage> {
  const url = new URL(path.replace(/^\/+/, ''), conn.base.href.endsWith('/') ? conn.base : `${conn.base.href}/`);
  url.username = '';
  url.password = '';
  // Checked here, so a bad proxy setting is one clear line (the agent picks the same one again).
  const proxy = pickProxy(url, conn.vars);
  const agent = (conn.agent ??= tunnelingAgent((host, port) => pickProxy(new URL(`https://${host}:${port}/`), conn.vars), { timeout: REQUEST_TIMEOUT_MS }));
  const via = proxy ? ` through the proxy ${proxy.origin} (${proxy.source})` : '';
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = { ...conn.headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) };
  let reused = false;
  const attempt = () =>
    new Promise<IncomingMessage>((resolvePromise, reject) => {
      const req = proxiedRequest(url, { method, headers, timeout: REQUEST_TIMEOUT_MS, httpsAgent: agent }, proxy, resolvePromise, reject);
      req.on('timeout', () => req.destroy(new GitTrackError('BAD_INPUT', `the MLflow server ${conn.label} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s${via}`, { url: conn.label })));
      req.on('error', (err) => {
        reused = req.reusedSocket;
        reject(err);
      });
      req.end(payload);
    });
  let response: IncomingMessage;
  try {
    // A kept-alive connection the server closed meanwhile fails at once; every request here
    // only reads, so it is sent once more on a new connection.
    response = await attempt().catch((err: NodeJS.ErrnoException) => {
      if (reused && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return attempt();
      throw err;
    });
  } catch (err) {
    // The proxy's own words (refused, unreachable) name it already, without credentials.
    if (isGitTrackError(err)) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new GitTrackError('BAD_INPUT', `cannot reach the MLflow server ${conn.label}${via}: ${e.code ?? e.message}`, { url: conn.label });
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    const text = await readBounded(response, 64 * 1024).catch(() => '');
    let detail = text.trim().split('\n')[0] ?? '';
    try {
      const parsed = JSON.parse(text) as { error_code?: string; message?: string };
      if (parsed.message) detail = `${parsed.error_code ? `${parsed.error_code}: ` : ''}${parsed.message}`;
    } catch {
      // Not MLflow's JSON error: the first line of the body says enough.
    }
    const hint = status === 401 || status === 403 ? ' (set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)' : '';
    throw new GitTrackError('BAD_INPUT', `the MLflow server ${conn.label} answered ${status} to ${method} ${url.pathname}${via}${detail ? `: ${quoteInput(detail)}` : ''}${hint}`, { status });
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
  const started = Date.now();
  const response = await send(conn, method, `api/2.0/mlflow/${path}`, body);
  const what = `the MLflow server ${conn.label}: the answer to ${path.split('?')[0]}`;
  // A whole answer in the time one request gets: a server sending a byte now and then cannot
  // hold the import forever. (Downloads only time out when no byte comes.)
  const timer = setTimeout(() => response.destroy(new GitTrackError('BAD_INPUT', `${what} did not end within ${REQUEST_TIMEOUT_MS / 1000} s`, {})), Math.max(0, REQUEST_TIMEOUT_MS - (Date.now() - started)));
  let text: string;
  try {
    text = await readBounded(response, MAX_MLFLOW_RESPONSE_BYTES, what);
  } finally {
    clearTimeout(timer);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GitTrackError('BAD_INPUT', `the MLflow server ${conn.label} answered ${path.split('?')[0]} with something that is not JSON`, {});
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GitTrackError('BAD_INPUT', `the MLflow server ${conn.label} answered ${path.split('?')[0]} with something that is not a JSON object`, {});
  return value as Record<string, unknown>;
}

async function readBounded(response: IncomingMessage, max: number, what = 'the answer'): Promise<string> {
  const over = (text: string): never => {
    response.destroy();
    throw new GitTrackError('BAD_INPUT', text, { limit: max });
  };
  const declared = Number(response.headers['content-length']);
  if (declared > max) over(`${what} is ${declared} bytes, over the limit of ${max}`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) over(`${what} is over the limit of ${max} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    throw brokenOff(err, what);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A connection lost in the middle of an answer, as one line saying which answer; other errors (the disk's) as they are. */
function brokenOff(err: unknown, what: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (isGitTrackError(err) || !/^(ECONNRESET|EPIPE|ETIMEDOUT|ECONNABORTED|ERR_STREAM_PREMATURE_CLOSE)$/.test(e.code ?? '')) return err;
  return new GitTrackError('BAD_INPUT', `${what}: the connection broke off (${e.code})`, {});
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
    for await (const chunk of response as AsyncIterable<Buffer>) {
      written += chunk.length;
      if (size !== undefined && written > size) throw new GitTrackError('BAD_INPUT', `${what}: the server sent more than the ${size} bytes it listed`, {});
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    }
    if (size !== undefined && written !== size) throw new GitTrackError('BAD_INPUT', `${what}: the server sent ${written} of the ${size} bytes it listed`, {});
  } catch (err) {
    response.destroy();
    throw brokenOff(err, what);
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
