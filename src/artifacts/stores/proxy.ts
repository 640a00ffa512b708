/**
 * HTTP proxies for the S3 and LFS transports, chosen from what users already set:
 *  - `HTTPS_PROXY` / `https_proxy` for https URLs, `HTTP_PROXY` / `http_proxy` for http ones
 *    (upper case first, as git-lfs and the Go tools read them);
 *  - for LFS, git's own settings win over the environment, as in git: `remote.<name>.proxy`
 *    (an empty value turns proxying off for that remote), then `http.<url>.proxy` / `http.proxy`
 *    as `git config --get-urlmatch` picks them;
 *  - `NO_PROXY` / `no_proxy` (comma or space separated: `*`, host names matching themselves and
 *    their subdomains, a leading dot allowed, `host:port`, IP addresses and IPv4 CIDR ranges)
 *    exempts a host from every proxy above. Loopback is proxied like any host unless listed,
 *    as curl (and so git) does.
 *
 * An http URL goes to the proxy in absolute form (`GET http://host/path`); an https one through
 * a `CONNECT` tunnel, TLS end to end ({@link proxiedRequest} does either; the S3, LFS and
 * MLflow-import clients all go through here). Credentials in the proxy URL (`http://user:pw@proxy:3128`)
 * become a `Proxy-Authorization: Basic` header and never appear in a message: messages name
 * the proxy by {@link Proxy.origin} only.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { GitTrackError, quoteInput } from '../../errors.js';

/** A proxy to send requests through. */
export interface Proxy {
  hostname: string;
  port: number;
  /** `http://host:port`, for messages: never the credentials. */
  origin: string;
  /** `Proxy-Authorization` value, when the proxy URL carries credentials. */
  authorization?: string;
  /** Where the setting came from (`HTTPS_PROXY`, `http.proxy`, …), for messages. */
  source: string;
}

/**
 * Parse a proxy setting (`http://[user:pw@]host[:port]`, or `host[:port]` as curl and git-lfs
 * accept). Only plain-http proxies are supported; anything else is a clear error.
 *
 * @example
 * parseProxy('http://u:p@proxy.corp:3128', 'HTTPS_PROXY').origin; // 'http://proxy.corp:3128'
 */
export function parseProxy(raw: string, source: string): Proxy {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GitTrackError('BAD_INPUT', `${source}: not a proxy URL: ${quoteInput(withoutCredentials(raw))}`, { source });
  }
  if (url.protocol !== 'http:') {
    throw new GitTrackError('BAD_INPUT', `${source}: ${url.protocol.slice(0, -1)} proxies are not supported, only http://host:port`, { source });
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : 1080;
  const origin = `http://${url.host}`;
  const authorization = url.username ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : undefined;
  return { hostname, port, origin, source, ...(authorization ? { authorization } : {}) };
}

/**
 * The proxy for `target`: `configured` is git's setting for it (undefined when git has none,
 * '' when it turns proxying off), else the environment; none when NO_PROXY exempts the host.
 *
 * @example
 * pickProxy(new URL('https://s3.amazonaws.com/b/k'), process.env); // from HTTPS_PROXY, or null
 */
export function pickProxy(target: URL, vars: Record<string, string | undefined>, configured?: { value: string; source: string }): Proxy | null {
  let raw: string | undefined;
  let source: string;
  if (configured !== undefined) {
    [raw, source] = [configured.value, configured.source];
  } else {
    const names = target.protocol === 'https:' ? ['HTTPS_PROXY', 'https_proxy'] : ['HTTP_PROXY', 'http_proxy'];
    source = names.find((n) => vars[n]) ?? names[0]!;
    raw = vars[source];
  }
  if (!raw) return null;
  const defaultPort = target.protocol === 'https:' ? 443 : 80;
  if (exempt(target.hostname, Number(target.port) || defaultPort, vars.NO_PROXY || vars.no_proxy || '')) return null;
  return parseProxy(raw, source);
}

/** True when a NO_PROXY list exempts `host:port`. */
export function exempt(host: string, port: number, noProxy: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (withPort) {
      if (Number(withPort[2]) !== port) continue;
      entry = withPort[1]!;
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (entry.includes('/')) {
      if (inCidr(h, entry)) return true;
      continue;
    }
    if (isIP(entry)) {
      if (entry === h) return true;
      continue;
    }
    const name = entry.replace(/^\*?\./, '');
    if (h === name || h.endsWith(`.${name}`)) return true;
  }
  return false;
}

function inCidr(host: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(host) !== 4 || isIP(base!) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const block = 2 ** (32 - bits);
  return Math.floor(toInt(host) / block) === Math.floor(toInt(base!) / block);
}

/**
 * The request options for an http URL sent through `proxy` in absolute form.
 *
 * @example
 * http.request({ ...forwardOptions(proxy, url), method: 'GET', headers });
 */
export function forwardTarget(proxy: Proxy, target: URL): { hostname: string; port: number; path: string; headers: Record<string, string> } {
  return {
    hostname: proxy.hostname,
    port: proxy.port,
    path: target.href,
    headers: { Host: target.host, ...(proxy.authorization ? { 'Proxy-Authorization': proxy.authorization } : {}) },
  };
}

/**
 * One HTTP(S) request to `url` through `proxy` when there is one: an http URL in absolute form,
 * an https one through `httpsAgent`, a {@link tunnelingAgent} choosing the same proxy. The
 * caller ends (or pipes into) the request and handles its `timeout` and `error` events. A
 * proxy's own refusal (407, or 401 with `Proxy-Authenticate`) goes to `onRefused` as
 * {@link proxyRefused}; every other answer to `onResponse`.
 *
 * @example
 * const req = proxiedRequest(url, { method: 'GET', headers: {}, timeout: 60_000, httpsAgent }, pickProxy(url, env.vars), resolve, reject);
 * req.on('error', reject).end();
 */
export function proxiedRequest(
  url: URL,
  options: { method: string; headers: OutgoingHttpHeaders; timeout: number; httpsAgent: HttpsAgent },
  proxy: Proxy | null,
  onResponse: (res: IncomingMessage) => void,
  onRefused: (err: GitTrackError) => void,
): ClientRequest {
  const answer = (res: IncomingMessage): void => {
    // The proxy's refusal, not the server's (which may want credentials of its own).
    if (proxy && (res.statusCode === 407 || (res.statusCode === 401 && res.headers['proxy-authenticate']))) {
      res.resume();
      onRefused(proxyRefused(proxy, url.host, res.statusCode));
    } else onResponse(res);
  };
  const { method, headers, timeout } = options;
  if (url.protocol === 'https:') return httpsRequest(url, { method, headers, timeout, agent: options.httpsAgent }, answer);
  if (!proxy) return httpRequest(url, { method, headers, timeout }, answer);
  const f = forwardTarget(proxy, url);
  // A connection of its own (`Connection: close`): tinyproxy, for one, closes the connection
  // after each answer without saying so, and a reused socket would then fail with ECONNRESET.
  return httpRequest({ hostname: f.hostname, port: f.port, path: f.path, method, headers: { ...f.headers, ...headers }, timeout, agent: false }, answer);
}

/**
 * An https agent that reaches each host through the proxy `choose` gives it (a CONNECT
 * tunnel, then TLS to the host itself), or directly when it gives none.
 *
 * @example
 * new S3Client({ requestHandler: { httpsAgent: tunnelingAgent((host, port) => pickProxy(...)) } });
 */
export function tunnelingAgent(choose: (host: string, port: number) => Proxy | null, options: AgentOptions = {}): HttpsAgent {
  const agent = new HttpsAgent({ keepAlive: true, ...options });
  const direct = agent.createConnection.bind(agent);
  agent.createConnection = ((opts: ConnectionOptions & { host?: string; port?: number; servername?: string }, callback: (err: Error | null, socket?: Duplex) => void) => {
    const host = opts.host ?? 'localhost';
    const port = Number(opts.port ?? 443);
    const proxy = choose(host, port);
    if (!proxy) return direct(opts as never, callback as never);
    openTunnel(proxy, host, port, options.timeout).then(
      (socket) => callback(null, tlsConnect({ ...opts, socket, servername: opts.servername ?? (isIP(host) ? undefined : host) } as ConnectionOptions)),
      (err: Error) => callback(err),
    );
    return undefined;
  }) as typeof agent.createConnection;
  return agent;
}

/** A raw socket to `host:port` through the proxy's CONNECT method. */
function openTunnel(proxy: Proxy, host: string, port: number, timeout: number | undefined): Promise<Socket> {
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({
      hostname: proxy.hostname,
      port: proxy.port,
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...(proxy.authorization ? { 'Proxy-Authorization': proxy.authorization } : {}) },
      ...(timeout ? { timeout } : {}),
    });
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) {
        resolvePromise(socket);
        return;
      }
      socket.destroy();
      reject(proxyRefused(proxy, authority, res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new GitTrackError('STORE_FAILED', `the proxy ${proxy.origin} (${proxy.source}) did not answer`, { proxy: proxy.origin })));
    req.on('error', (err) =>
      reject(err instanceof GitTrackError ? err : new GitTrackError('STORE_FAILED', `cannot reach the proxy ${proxy.origin} (${proxy.source}): ${err.message}`, { proxy: proxy.origin })),
    );
    req.end();
  });
}

/**
 * The error for a proxy that refused a request: 407 (or 401 from a proxy) means it wants
 * (other) credentials.
 *
 * @example
 * throw proxyRefused(proxy, 's3.amazonaws.com:443', 407);
 */
export function proxyRefused(proxy: Proxy, target: string, status: number): GitTrackError {
  const why =
    status === 407 || status === 401
      ? proxy.authorization
        ? `it refused the credentials in the proxy URL (HTTP ${status})`
        : // Worded so that scrubbing credentials out of messages leaves the hint whole.
          `it asks for credentials (HTTP ${status}): put them in the proxy URL as user:password@ before the host`
      : `HTTP ${status}`;
  return new GitTrackError('STORE_FAILED', `the proxy ${proxy.origin} (${proxy.source}) refused the request to ${target}: ${why}`, { proxy: proxy.origin, status });
}

/** A proxy setting with any `user:password@` cut out, for messages. */
export function withoutCredentials(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
}
