/**
 * The Git LFS artifact store: artifact bytes on the LFS server of the remote (GitHub, GitLab,
 * Gitea, Bitbucket, …) through the batch API, with the `basic` transfer adapter. Our pointers
 * are LFS pointers already (sha256 oid + size), so `git lfs` itself fetches the same objects.
 *
 * Everything a server answers is untrusted: JSON is bounded, each action URL must be http(s),
 * and downloaded bytes are hashed before they enter the cache (the caller checks the hash).
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Agent } from 'node:https';
import type { Readable } from 'node:stream';
import { objectPath } from '../cache.js';
import { GitTrackError } from '../../errors.js';
import { LFS_BATCH_OBJECTS, LFS_REQUEST_TIMEOUT_MS, MAX_LFS_JSON_BYTES } from '../../limits.js';
import { PROGRESS_MIN_BYTES } from '../../sync/artifact-objects.js';
import type { Remote } from '../../sync/remote.js';
import type { TrackerContext } from '../../tracker-context.js';
import type { BlobStore } from './blob-store.js';
import { credentialFill, credentialVerdict, lfsEndpoint, originOf, stringRecord, type GitCredential, type LfsEndpoint, type LfsOperation } from './lfs-endpoint.js';
import { combinedProgress } from './combined-progress.js';
import { lfsConcurrency, lfsProxyFor } from './lfs-transport.js';
import { forEachLimited } from './parallel.js';
import { proxiedRequest, tunnelingAgent, type Proxy } from './proxy.js';
import { streamHashing } from './s3-store.js';

const LFS_JSON = 'application/vnd.git-lfs+json';

interface Action {
  href: string;
  header: Record<string, string>;
}

interface BatchObject {
  oid: string;
  size: number;
  actions: Partial<Record<'upload' | 'verify' | 'download', Action>>;
  error?: { code: number; message: string };
}

/**
 * Open the LFS store of `remote` (or of `settings.url`). Nothing is contacted until needed.
 *
 * @example
 * const store = await openLfsStore(ctx, { type: 'lfs' }, resolveRemote(repo, 'origin', cwd));
 */
export async function openLfsStore(ctx: TrackerContext, settings: { url?: string }, remote: Remote | null): Promise<BlobStore> {
  const { repo } = ctx;
  // Objects move several at a time: their progress shares one line.
  const env = { ...ctx.env, progress: combinedProgress(ctx.env.progress) };
  const endpoints = new Map<LfsOperation, Promise<LfsEndpoint>>();
  const endpoint = (op: LfsOperation) => endpoints.get(op) ?? endpoints.set(op, lfsEndpoint(repo, env, remote, settings.url, op)).get(op)!;
  // Credentials git gave, per origin: asked for once, when a server first answers 401.
  const creds = new Map<string, Promise<GitCredential>>();
  const label = settings.url ? `the LFS server ${originOf(settings.url)}` : `the LFS server of ${remote?.label ?? 'the remote'}`;
  const concurrency = await lfsConcurrency(repo, env);
  // The proxy of each origin, decided once (git config, then the environment).
  const proxies = new Map<string, Promise<Proxy | null>>();
  const proxyOf = (href: string) => {
    const origin = originOf(href);
    if (!proxies.has(origin)) proxies.set(origin, lfsProxyFor(repo, env, remote, href));
    return proxies.get(origin)!;
  };
  // Tunnels for https origins; the choice was made above, per origin.
  const chosen = new Map<string, Proxy | null>();
  const agent = tunnelingAgent((host, port) => chosen.get(`${host}:${port}`) ?? null, { maxSockets: concurrency + 1 });
  const httpSend = async (method: string, href: string, header: Record<string, string>, body?: Buffer | Readable, size?: number) => {
    const proxy = await proxyOf(href);
    const u = new URL(href);
    chosen.set(`${u.hostname.replace(/^\[|\]$/g, '')}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`, proxy);
    return sendOnce(method, href, header, body, size, proxy, agent);
  };

  /** A request that answers 401 is sent again once with git's credentials for its origin. */
  const send = async (method: string, href: string, header: Record<string, string>, body?: () => Buffer | Readable, size?: number): Promise<IncomingMessage> => {
    const origin = originOf(href);
    const hasAuth = Object.keys(header).some((k) => k.toLowerCase() === 'authorization');
    const known = hasAuth ? undefined : creds.get(origin);
    const used = known ? await known : null;
    let res = await httpSend(method, href, { ...header, ...(used ? { Authorization: used.header } : {}) }, body?.(), size);
    if (res.statusCode !== 401 || hasAuth) return res;
    res.resume();
    if (used) {
      await credentialVerdict(repo, env, used, false);
      throw refused(origin);
    }
    if (!creds.has(origin)) creds.set(origin, credentialFill(repo, env, href));
    const cred = await creds.get(origin)!;
    res = await httpSend(method, href, { ...header, Authorization: cred.header }, body?.(), size);
    await credentialVerdict(repo, env, cred, res.statusCode !== 401 && res.statusCode !== 403);
    if (res.statusCode === 401 || res.statusCode === 403) {
      res.resume();
      throw refused(origin);
    }
    return res;
  };

  const batch = async (op: LfsOperation, objects: { oid: string; size: number }[]): Promise<BatchObject[]> => {
    const ep = await endpoint(op);
    const href = `${ep.href}/objects/batch`;
    const body = Buffer.from(JSON.stringify({ operation: op, transfers: ['basic'], objects, hash_algo: 'sha256' }));
    const res = await send('POST', href, { ...ep.header, Accept: LFS_JSON, 'Content-Type': LFS_JSON }, () => body, body.length);
    const json = await readJson(res, label);
    if (res.statusCode !== 200) throw new GitTrackError('STORE_FAILED', `${label}: batch ${op}: HTTP ${res.statusCode}${serverMessage(json)}`, { status: res.statusCode });
    return parseBatch(json, label);
  };

  return {
    label,
    concurrency,
    async upload(list) {
      let uploaded = 0;
      let bytes = 0;
      const byOid = new Map(list.map((o) => [o.sha256, o]));
      const unique = [...byOid.values()];
      for (let i = 0; i < unique.length; i += LFS_BATCH_OBJECTS) {
        const answer = await batch('upload', unique.slice(i, i + LFS_BATCH_OBJECTS).map((o) => ({ oid: o.sha256, size: o.size })));
        await forEachLimited(answer, concurrency, async (a) => {
          const o = byOid.get(a.oid);
          if (!o) return; // not something we asked about
          if (a.error) throw new GitTrackError('STORE_FAILED', `${label}: cannot upload ${o.origin}: ${a.error.message} (${a.error.code})`, { status: a.error.code });
          const up = a.actions.upload;
          if (!up) return; // the server has it
          const progress = `uploading ${o.origin}`;
          try {
            const file = () => {
              const stream = createReadStream(objectPath(repo.stateDir, o.sha256));
              let done = 0;
              if (o.size >= PROGRESS_MIN_BYTES) stream.on('data', (c) => env.progress.update(progress, (done += c.length), o.size));
              return stream;
            };
            const res = await send('PUT', up.href, { 'Content-Type': 'application/octet-stream', ...up.header }, file, o.size);
            res.resume();
            if (res.statusCode! >= 300) throw new GitTrackError('STORE_FAILED', `${label}: uploading ${o.origin}: HTTP ${res.statusCode}`, { status: res.statusCode });
          } finally {
            env.progress.done(progress);
          }
          const verify = a.actions.verify;
          if (verify) {
            const body = Buffer.from(JSON.stringify({ oid: o.sha256, size: o.size }));
            const res = await send('POST', verify.href, { Accept: LFS_JSON, 'Content-Type': LFS_JSON, ...verify.header }, () => body, body.length);
            res.resume();
            if (res.statusCode! >= 300) throw new GitTrackError('STORE_FAILED', `${label}: the server did not verify ${o.origin} after its upload (HTTP ${res.statusCode})`, { status: res.statusCode });
          }
          uploaded++;
          bytes += o.size;
        });
      }
      return { uploaded, bytes };
    },
    async download(sha256, size, tmp, what) {
      // The batch API wants the size; a listing's own size is not recorded, so ask with 0
      // (servers look objects up by oid) when it is unknown.
      const [a] = (await batch('download', [{ oid: sha256, size: size ?? 0 }])).filter((x) => x.oid === sha256);
      if (!a || a.error?.code === 404) return null;
      if (a.error) throw new GitTrackError('STORE_FAILED', `${label}: cannot download ${what}: ${a.error.message} (${a.error.code})`, { status: a.error.code });
      const down = a.actions.download;
      if (!down) return null;
      const res = await send('GET', down.href, down.header);
      if (res.statusCode === 404) {
        res.resume();
        return null;
      }
      if (res.statusCode !== 200) {
        res.resume();
        throw new GitTrackError('STORE_FAILED', `${label}: downloading ${what}: HTTP ${res.statusCode}`, { status: res.statusCode });
      }
      const progress = `downloading ${what}`;
      try {
        return await streamHashing(res, tmp, size, progress, env, label);
      } finally {
        env.progress.done(progress);
      }
    },
  };
}

function refused(origin: string): GitTrackError {
  return new GitTrackError('STORE_FAILED', `the LFS server ${origin} refused the credentials git gave for it (git credential fill); nothing was sent`, { url: origin });
}

/**
 * One HTTP(S) request; the body is a buffer or a stream of exactly `size` bytes. Through
 * `proxy` when there is one: in absolute form for http, in the agent's tunnel for https.
 */
function sendOnce(method: string, href: string, header: Record<string, string>, body: Buffer | Readable | undefined, size: number | undefined, proxy: Proxy | null, agent: Agent): Promise<IncomingMessage> {
  const url = new URL(href);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new GitTrackError('STORE_FAILED', `an LFS server gave a ${url.protocol} URL; only http(s) is followed`, { url: originOf(href) }));
  }
  const userinfo = url.username ? { Authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` } : {};
  url.username = '';
  url.password = '';
  const headers = { ...userinfo, ...header, ...(size !== undefined ? { 'Content-Length': String(size) } : {}) };
  const via = proxy ? ` through the proxy ${proxy.origin} (${proxy.source})` : '';
  return new Promise((resolvePromise, reject) => {
    // A proxy's refusal is not the LFS server's (which would start the credential dance).
    const req = proxiedRequest(url, { method, headers, timeout: LFS_REQUEST_TIMEOUT_MS, httpsAgent: agent }, proxy, resolvePromise, reject);
    req.on('timeout', () => req.destroy(new GitTrackError('STORE_FAILED', `${originOf(href)} did not answer within ${LFS_REQUEST_TIMEOUT_MS / 1000} s${via}`, { url: originOf(href) })));
    req.on('error', (err) => reject(err instanceof GitTrackError ? err : new GitTrackError('STORE_FAILED', `cannot reach the LFS server ${originOf(href)}${via}: ${err.message}`, { url: originOf(href) })));
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    }
  });
}

/** The JSON body of an answer, bounded; null when it is not JSON. */
async function readJson(res: IncomingMessage, label: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_LFS_JSON_BYTES) {
      res.destroy();
      throw new GitTrackError('STORE_FAILED', `${label} sent an answer over ${MAX_LFS_JSON_BYTES} bytes`, {});
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

function serverMessage(json: unknown): string {
  const m = (json as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? `: ${m.slice(0, 200)}` : '';
}

/** The `objects` of a batch answer, keeping only well-formed entries. */
function parseBatch(json: unknown, label: string): BatchObject[] {
  const objects = (json as { objects?: unknown } | null)?.objects;
  if (!Array.isArray(objects)) throw new GitTrackError('STORE_FAILED', `${label} answered the batch request without an objects list`, {});
  const out: BatchObject[] = [];
  for (const raw of objects as unknown[]) {
    const o = raw as { oid?: unknown; size?: unknown; actions?: unknown; error?: { code?: unknown; message?: unknown } };
    if (typeof o?.oid !== 'string' || !/^[0-9a-f]{64}$/.test(o.oid)) continue;
    const actions: BatchObject['actions'] = {};
    for (const name of ['upload', 'verify', 'download'] as const) {
      const a = (o.actions as Record<string, { href?: unknown; header?: unknown }> | undefined)?.[name];
      if (a && typeof a.href === 'string' && /^https?:\/\//i.test(a.href)) actions[name] = { href: a.href, header: stringRecord(a.header) };
    }
    const error = o.error && typeof o.error === 'object' ? { code: Number(o.error.code) || 0, message: String(o.error.message ?? 'error').slice(0, 200) } : undefined;
    out.push({ oid: o.oid, size: Number(o.size) || 0, actions, ...(error ? { error } : {}) });
  }
  return out;
}
