/**
 * `git-track server`'s HTTP layer (node:http): MLflow's tracking API under `/api/2.0/mlflow/`
 * and `/ajax-api/2.0/mlflow/`, the artifact proxy under `/api/2.0/mlflow-artifacts/`, and
 * `/health`.
 *
 * Guards, in order: the Host header (a server bound to loopback answers only to loopback
 * names, so a web page cannot reach it through DNS rebinding), the bearer token when one is
 * set, then the body limit (a JSON body over MLflow's 1 MB is refused before it is parsed).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import { GitTrackError } from '../../errors.js';
import { MLFLOW_MAX_REQUEST_BYTES } from '../../limits.js';
import { recoverStale } from '../../capture/recover.js';
import type { TrackerContext } from '../../tracker-context.js';
import { getArtifact, listArtifacts, parseArtifactPath, putArtifact } from './artifacts.js';
import { invalid, MlflowError, toMlflowError } from './errors.js';
import { openExperiments } from './experiments.js';
import { queryFields, type Fields } from './request.js';
import { allowedMethods, ROUTES } from './routes.js';
import { RunStore } from './run-store.js';
import { RawJson } from './run-json-cache.js';

export interface ServerOptions {
  host: string;
  port: number;
  /** Clients must send `Authorization: Bearer <token>`. Required to bind beyond loopback. */
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  store: RunStore;
  /** Stop accepting requests, finish the writes under way, close. Runs in progress stay staged. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const API_PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/'];
const ARTIFACT_PREFIXES = ['/api/2.0/mlflow-artifacts/artifacts', '/ajax-api/2.0/mlflow-artifacts/artifacts'];

/**
 * True for an address only this machine can reach.
 *
 * @example
 * isLoopback('127.0.0.1'); // true
 */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/**
 * Start the server on `options.host:options.port` (port 0: any free port). Runs left behind by
 * an earlier server are recovered (recorded as killed) first.
 *
 * @throws GitTrackError USAGE when asked to bind beyond loopback without a token
 * @example
 * const server = await startServer(ctx, { host: '127.0.0.1', port: 5000 });
 * console.log(server.url); // http://127.0.0.1:5000
 */
export async function startServer(ctx: TrackerContext, options: ServerOptions): Promise<RunningServer> {
  if (!isLoopback(options.host) && !options.token) {
    throw new GitTrackError('USAGE', `refusing to listen on ${options.host} without --token: anyone who can reach it could write runs (use --token T, or --host 127.0.0.1)`);
  }
  await recoverStale(ctx);
  const store = new RunStore(ctx, await openExperiments(ctx));
  const loopbackOnly = isLoopback(options.host);
  const expected = options.token ? createHash('sha256').update(`Bearer ${options.token}`).digest() : null;
  const server = createServer((req, res) => {
    handle(store, req, res, { loopbackOnly, expected }).catch((err: unknown) => {
      ctx.env.warn(`server: ${(err as Error).message}`);
      if (!res.headersSent) sendError(res, toMlflowError(err));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await listen(server, options.host, options.port);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown}:${port}`,
    port,
    store,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await store.drain();
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new GitTrackError('USAGE', `port ${port} on ${host} is in use (choose another with --port)`)
          : new GitTrackError('USAGE', `cannot listen on ${host}:${port}: ${err.message}`),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function handle(store: RunStore, req: IncomingMessage, res: ServerResponse, guard: { loopbackOnly: boolean; expected: Buffer | null }): Promise<void> {
  if (guard.loopbackOnly && !loopbackHost(req.headers.host)) {
    return sendError(res, new MlflowError('PERMISSION_DENIED', `Host header ${JSON.stringify(req.headers.host ?? '')} refused: this server answers only to loopback names (DNS rebinding guard)`), true);
  }
  if (guard.expected) {
    const given = createHash('sha256').update(req.headers.authorization ?? '').digest();
    if (!timingSafeEqual(given, guard.expected)) {
      return sendError(res, new MlflowError('UNAUTHENTICATED', 'Missing or wrong token: send Authorization: Bearer <token> (MLFLOW_TRACKING_TOKEN)'), true);
    }
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (path === '/health') return sendText(res, 200, 'OK');
  if (path === '/version') return sendText(res, 200, '2.22.0');

  const artifactPrefix = ARTIFACT_PREFIXES.find((p) => path === p || path.startsWith(`${p}/`));
  if (artifactPrefix !== undefined) {
    const rest = decodePath(path.slice(artifactPrefix.length).replace(/^\//, ''));
    if (req.method === 'PUT') {
      await putArtifact(store, req, rest);
      return sendJson(res, 200, {});
    }
    if (req.method === 'GET' && rest === '') {
      const listed = url.searchParams.get('path') ?? '';
      const { runId, path: sub } = parseArtifactPath(listed);
      const files = listArtifacts(store, runId, sub, 'dir');
      return sendJson(res, 200, files.length ? { files } : {});
    }
    if (req.method === 'GET') return getArtifact(store, res, rest);
    await drain(req);
    return sendError(res, new MlflowError('ENDPOINT_NOT_FOUND', `${req.method} is not supported on the artifact proxy`));
  }

  const prefix = API_PREFIXES.find((p) => path.startsWith(p));
  const handler = prefix ? ROUTES[path.slice(prefix.length)] : undefined;
  if (!handler || !Object.hasOwn(ROUTES, path.slice(prefix!.length))) {
    await drain(req);
    return sendError(res, new MlflowError('ENDPOINT_NOT_FOUND', `No API endpoint ${req.method} ${path}`));
  }
  const endpoint = path.slice(prefix!.length);
  const methods = allowedMethods(endpoint);
  if (!methods.includes(req.method ?? '')) {
    await drain(req);
    return sendError(res, new MlflowError('BAD_REQUEST', `The method ${req.method} is not allowed for ${path}: use ${methods.filter((m) => m !== 'HEAD').join(' or ')}`), false, { allow: methods.join(', ') });
  }
  let fields: Fields;
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') fields = queryFields(url.searchParams);
  else fields = await readJson(req);
  let body: object;
  try {
    body = await handler(store, fields);
  } catch (err) {
    const e = toMlflowError(err);
    if (e.errorCode === 'INTERNAL_ERROR') store.ctx.env.warn(`server: ${path}: ${(err as Error).message}`);
    return sendError(res, e);
  }
  sendJson(res, 200, body);
}

function loopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return isLoopback(name.toLowerCase());
}

function decodePath(p: string): string {
  try {
    return p.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw invalid(`Invalid percent-encoding in path '${p.slice(0, 200)}'`);
  }
}

/** The JSON body, refused past MLflow's 1 MB (read to the end so the client gets the answer). */
async function readJson(req: IncomingMessage): Promise<Fields> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = declared > MLFLOW_MAX_REQUEST_BYTES;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MLFLOW_MAX_REQUEST_BYTES) over = true;
    if (!over) chunks.push(chunk);
    // A client that keeps sending far past the limit is cut off rather than read forever.
    if (size > 16 * MLFLOW_MAX_REQUEST_BYTES) {
      req.destroy();
      break;
    }
  }
  if (over) {
    throw invalid(`Request body of ${Math.max(size, declared)} bytes exceeds the limit of ${MLFLOW_MAX_REQUEST_BYTES} bytes (MLflow's 1 MB batch limit). Please split up the request.`);
  }
  if (size === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new MlflowError('BAD_REQUEST', `Malformed JSON request body: ${(err as Error).message.slice(0, 200)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new MlflowError('BAD_REQUEST', 'The request body must be a JSON object');
  return value as Fields;
}

async function drain(req: IncomingMessage): Promise<void> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MLFLOW_MAX_REQUEST_BYTES) {
      req.destroy();
      return;
    }
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = body instanceof RawJson ? body.text : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function sendError(res: ServerResponse, err: MlflowError, close = false, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ error_code: err.errorCode, message: err.message });
  // A method the endpoint does not take is HTTP's 405 (with Allow), as MLflow's server answers.
  const status = headers.allow ? 405 : err.status;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers, ...(close ? { connection: 'close' } : {}) });
  res.end(text);
}
