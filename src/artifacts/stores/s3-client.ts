/**
 * The S3 client every S3 read and write here uses: bounded retries and timeouts, our own
 * sha256 checks in place of the SDK's checksums, and the user's proxies (HTTPS_PROXY through
 * a CONNECT tunnel, HTTP_PROXY in absolute form, NO_PROXY), which the SDK does not read.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Env } from '../../env.js';
import { S3_CONNECT_TIMEOUT_MS, S3_IDLE_TIMEOUT_MS, S3_MAX_ATTEMPTS } from '../../limits.js';
import { pickProxy, tunnelingAgent } from './proxy.js';

/**
 * An S3 client as every S3 read and write here wants it: bounded retries and timeouts, through
 * the user's proxies, our own sha256 checks instead of the SDK's checksums, and S3's default
 * region when neither the caller nor the AWS environment names one.
 *
 * @example
 * const client = await newS3Client(sdk, env, { endpoint: 'http://127.0.0.1:8333', forcePathStyle: true, maxSockets: 9 });
 */
export async function newS3Client(
  sdk: typeof import('@aws-sdk/client-s3'),
  env: Env,
  options: { endpoint?: string; forcePathStyle?: boolean; region?: string; maxSockets: number },
): Promise<S3Client> {
  const config = {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle,
    maxAttempts: S3_MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: S3_CONNECT_TIMEOUT_MS, requestTimeout: S3_IDLE_TIMEOUT_MS, httpsAgent: proxiedHttpsAgent(env, options.maxSockets) },
    // We verify every byte by sha256 ourselves; the SDK's default CRC32 trailers are refused
    // by several S3-compatible services.
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
  let client = new sdk.S3Client({ ...config, ...(options.region ? { region: options.region } : {}) });
  if (!options.region) {
    // Neither the configuration nor the AWS environment names a region: S3's default one.
    try {
      await client.config.region();
    } catch {
      client.destroy();
      client = new sdk.S3Client({ ...config, region: 'us-east-1' });
    }
  }
  useHttpProxy(client, env);
  return client;
}

/**
 * The https agent of an S3 client: a CONNECT tunnel when HTTPS_PROXY names a proxy for the
 * host (proxy.ts), a direct connection otherwise.
 *
 * @example
 * new S3Client({ requestHandler: { httpsAgent: proxiedHttpsAgent(env, 9) } });
 */
export function proxiedHttpsAgent(env: Env, maxSockets: number): ReturnType<typeof tunnelingAgent> {
  return tunnelingAgent((host, port) => pickProxy(new URL(`https://${host}:${port}/`), env.vars), { maxSockets });
}

/**
 * Send an S3 client's plain-http requests through the proxy HTTP_PROXY names for their host.
 *
 * @example
 * useHttpProxy(client, env);
 */
export function useHttpProxy(client: S3Client, env: Env): void {
  client.middlewareStack.add(httpProxyMiddleware(env), { step: 'deserialize', priority: 'low', name: 'gitTrackHttpProxy' });
}

/**
 * Sends a plain-http request through the proxy HTTP_PROXY names for its host, in absolute
 * form. It runs after signing, so the signature covers the real host and path; https is
 * tunnelled by the agent instead.
 */
function httpProxyMiddleware(env: Env) {
  type Req = { protocol?: string; hostname?: string; port?: number; path?: string; headers?: Record<string, string> };
  return <A extends { request: unknown }, O>(next: (args: A) => Promise<O>) =>
    async (args: A): Promise<O> => {
      const req = args.request as Req;
      if (req?.protocol !== 'http:' || !req.hostname) return next(args);
      const host = `${req.hostname}${req.port ? `:${req.port}` : ''}`;
      const proxy = pickProxy(new URL(`http://${host}/`), env.vars);
      if (!proxy) return next(args);
      // No `Expect: 100-continue` (never signed): an HTTP/1.0 proxy such as tinyproxy need not
      // relay the interim answer, and the SDK would then wait 6 s before sending each body.
      const headers = Object.fromEntries(Object.entries(req.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'expect'));
      const copy = Object.assign(Object.create(Object.getPrototypeOf(req) as object) as Req, req, {
        hostname: proxy.hostname,
        port: proxy.port,
        path: `http://${host}${req.path ?? '/'}`,
        headers: { ...headers, ...(proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {}) },
      });
      return next({ ...args, request: copy });
    };
}
