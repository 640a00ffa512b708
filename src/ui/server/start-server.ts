/**
 * The dashboard's HTTP server on node:http (a framework would add start-up and a dependency
 * for what is a dozen GET routes). Read-only: GET and HEAD only, no request bodies, bounded
 * request targets, and a Host check against DNS rebinding: a page on another site that makes
 * its own name resolve to 127.0.0.1 still sends its own name as Host, and is refused. No CORS
 * headers, so other origins cannot read answers either.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { GitTrackError, isGitTrackError } from '../../errors.js';
import { MAX_UI_URL_CHARS } from '../../limits.js';
import type { TrackerContext } from '../../tracker-context.js';
import { answerApi, errorAnswer } from './answer-api.js';
import { sendArtifact } from './artifact-download.js';
import { LiveEvents } from './live-events.js';
import { serveStatic, webRoot } from './static-files.js';
import { makeUiState, type UiState } from './ui-state.js';
import { indexReady, startIndexing } from './index-status.js';

export interface UiServerOptions {
  ctx: TrackerContext;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (the default) = any free port. */
  port?: number;
  /** The `--filter` every runs query is ANDed with. */
  filter?: string;
  /** The built front end's directory; default {@link webRoot}. `null`: the not-built page. */
  root?: string | null;
  /** Paces a background index build (see ReadForIndexOptions.pause): tests hold it mid-way. */
  indexPause?: () => Promise<void> | undefined;
}

export interface UiServer {
  url: string;
  host: string;
  port: number;
  server: Server;
  state: UiState;
  close(): Promise<void>;
}

/** API paths that answer from the rows indexed so far while a cold index is built. */
const PARTIAL_OK = new Set(['/api/runs', '/api/fields', '/api/values', '/api/info']);

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * True when `host` is a loopback address (only this machine can connect).
 *
 * @example
 * isLoopback('127.0.0.1'); // true
 */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Start serving the dashboard of `ctx`'s repository; resolves once listening.
 *
 * @example
 * const ui = await startUiServer({ ctx: openContext({ dir }) });
 * ui.url; // 'http://127.0.0.1:41234/'
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const state = makeUiState(options.ctx, { filter: options.filter });
  const root = options.root === undefined ? webRoot() : options.root;
  const events = new LiveEvents(state);
  const host = options.host ?? '127.0.0.1';
  let allowed = new Set<string>();
  // Node's default header limit (16 KiB) would refuse a long filter before it is read.
  const server = createServer({ maxHeaderSize: MAX_UI_URL_CHARS + 16 * 1024 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, errorAnswer(err).status, errorAnswer(err).body, req.method === 'HEAD');
      else res.destroy();
    });
  });
  // Slow or idle clients must not hold sockets for ever (the event stream is kept alive by pings).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxHeadersCount = 64;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headOnly = req.method === 'HEAD';
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!allowed.has(hostHeader)) {
      req.resume();
      return sendJson(res, 403, { error: { code: 'FORBIDDEN_HOST', message: `requests for host ${JSON.stringify(hostHeader.slice(0, 200))} are refused; use ${[...allowed][0]}` } }, headOnly);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: { code: 'USAGE', message: `the dashboard is read-only: ${req.method} is not allowed` } }, false);
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > 0 || req.headers['transfer-encoding'] !== undefined) {
      res.setHeader('Connection', 'close');
      sendJson(res, 413, { error: { code: 'USAGE', message: 'the dashboard is read-only: requests carry no body' } }, headOnly);
      req.destroy();
      return;
    }
    const target = req.url ?? '/';
    if (target.length > MAX_UI_URL_CHARS) return sendJson(res, 414, { error: { code: 'USAGE', message: `request target longer than ${MAX_UI_URL_CHARS} characters (MAX_UI_URL_CHARS)` } }, headOnly);
    const url = new URL(target, 'http://dashboard.invalid');
    const path = url.pathname;
    if (path === '/api/events') {
      try {
        events.open(res);
      } catch (err) {
        sendJson(res, 503, errorAnswer(err).body, headOnly);
      }
      return;
    }
    if (path.startsWith('/api/artifact/')) {
      const [ref, ...rest] = path.slice('/api/artifact/'.length).split('/');
      const decode = (s: string) => {
        try {
          return decodeURIComponent(s);
        } catch {
          throw new GitTrackError('USAGE', 'bad percent-encoding in the artifact path');
        }
      };
      if (!ref || rest.length === 0) throw new GitTrackError('FILE_NOT_FOUND', 'an artifact URL is /api/artifact/RUN/PATH');
      await indexReady(state);
      state.warnings = [];
      try {
        await sendArtifact(state, res, decode(ref), rest.map(decode).join('/'), headOnly);
      } finally {
        state.warnings = null;
      }
      return;
    }
    if (path.startsWith('/api/')) {
      // The table, its pickers and plots answer from a partial index; the rest needs it whole.
      if (!PARTIAL_OK.has(path)) await indexReady(state);
      const answer = answerApi(state, path.slice('/api/'.length), url.searchParams);
      return sendJson(res, answer.status, answer.body, headOnly);
    }
    if (!serveStatic(res, root, path, headOnly)) sendJson(res, 404, { error: { code: 'FILE_NOT_FOUND', message: `no page at ${path.slice(0, 200)}` } }, headOnly);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use (--port 0 picks a free one)' : err.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : err.message;
      reject(isGitTrackError(err) ? err : new GitTrackError('USAGE', `cannot listen on ${host}:${options.port ?? 0}: ${why}`));
    });
    server.listen(options.port ?? 0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  // On a fresh clone the index is built while the server already answers (index-status.ts).
  if (!state.exporting) void startIndexing(state, options.indexPause).then(() => events.indexed());
  allowed = allowedHosts(host, port);
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    host,
    port,
    server,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        events.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The `Host` header values answered: the bound address and port; for loopback also
 * `localhost`; for a wildcard bind, this machine's addresses and name.
 */
function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set<string>([host]);
  if (isLoopback(host)) for (const h of ['127.0.0.1', 'localhost', '::1']) names.add(h);
  if (host === '0.0.0.0' || host === '::') {
    names.add('localhost').add(hostname());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address);
  }
  return new Set([...names].map((h) => `${h.includes(':') ? `[${h}]` : h}:${port}`.toLowerCase()));
}

function sendJson(res: ServerResponse, status: number, body: object, headOnly: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(headOnly ? undefined : text);
}
