/**
 * Which shared artifact store this repository uses: `.git-track.yaml` (committed, the team's
 * choice) overridden per user by git config (`git config gittrack.store.dir /mnt/share`),
 * since the mount point of a shared directory differs between machines.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { GitTrackError, isGitTrackError, quoteInput } from '../errors.js';
import { readInputFile } from '../manifest/read-input-file.js';
import { checkYamlDepth } from '../manifest/nesting.js';
import type { Env } from '../env.js';
import type { Repo } from '../git/repo.js';
import { runGit } from '../git/system-git.js';
import { MAX_STORE_CONCURRENCY } from '../limits.js';
import type { ProjectConfig, StoreConfig } from './schema.js';
import { DEFAULT_GIT_MAX_BYTES, parseSize } from './size.js';

export const CONFIG_FILE = '.git-track.yaml';

/** An S3 store's settings; unset fields fall back to the AWS SDK's own configuration. */
export interface S3Settings {
  type: 's3';
  bucket: string;
  /** Key prefix without slashes at either end; '' for none. */
  prefix: string;
  region?: string;
  endpoint?: string;
  forcePathStyle: boolean;
  /** Requests in flight at once (git config `gittrack.store.concurrency`, per machine like `lfs.concurrenttransfers`). */
  concurrency?: number;
}

export type ResolvedStore = { type: 'git'; maxBytes: number } | { type: 'dir'; dir: string } | S3Settings | { type: 'lfs'; url?: string };

const STORE_TYPES = ['git', 'dir', 's3', 'lfs'];

/**
 * Read and validate `.git-track.yaml` (absent: `{}`). Invalid content is one BAD_INPUT line.
 *
 * @example
 * (await readProjectConfig('/home/ada/churn')).store; // { type: 'dir', path: '/mnt/share' }
 */
export async function readProjectConfig(workTree: string | null): Promise<ProjectConfig> {
  if (!workTree) return {};
  const path = join(workTree, CONFIG_FILE);
  let text: string;
  try {
    // It arrives with the code, from whoever pushed it: a regular file, bounded, not too deep.
    text = readInputFile(path, CONFIG_FILE, { label: CONFIG_FILE });
    checkYamlDepth(text, CONFIG_FILE);
  } catch (err) {
    if (isGitTrackError(err, 'FILE_NOT_FOUND')) return {};
    throw err;
  }
  // Loaded only when the file exists: zod and yaml cost start-up time on every push and pull.
  const [{ default: YAML }, { configSchema }] = await Promise.all([import('yaml'), import('./schema.js')]);
  let value: unknown;
  try {
    value = YAML.parse(text, { schema: 'core' }) ?? {};
  } catch (err) {
    throw new GitTrackError('BAD_INPUT', `${CONFIG_FILE}: ${(err as Error).message.split('\n')[0]}`, { path });
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(root)';
    throw new GitTrackError('BAD_INPUT', `${CONFIG_FILE}: ${where}: ${issue.message}`, { path, issues: parsed.error.issues });
  }
  return parsed.data;
}

/**
 * The effective store: git config `gittrack.store.type`, `gittrack.store.dir` (implies `dir`),
 * `gittrack.store.maxFileSize`, the s3 settings `gittrack.store.bucket`, `.prefix`, `.region`,
 * `.endpoint`, `.forcePathStyle` and the lfs `gittrack.store.url` win over `.git-track.yaml`
 * field by field; the default is `git` with a 5 MB cap per file.
 *
 * @example
 * await resolveStore(repo, env); // { type: 'git', maxBytes: 5242880 }
 */
export async function resolveStore(repo: Repo, env: Env): Promise<ResolvedStore> {
  const file = (await readProjectConfig(repo.workTree)).store;
  const base = repo.workTree ?? repo.gitDir;
  const user = await readUserStoreConfig(repo, env);
  const type = user.type ?? (user.dir ? 'dir' : file?.type ?? 'git');
  if (type === 'dir') {
    const dir = user.dir ?? (file?.type === 'dir' ? file.path : undefined);
    if (!dir) throw new GitTrackError('BAD_INPUT', 'store type is dir but no directory is set (git config gittrack.store.dir PATH)');
    return { type: 'dir', dir: isAbsolute(dir) ? dir : resolve(base, dir) };
  }
  if (!STORE_TYPES.includes(type)) throw new GitTrackError('BAD_INPUT', `gittrack.store.type must be one of ${STORE_TYPES.join(', ')}, got ${quoteInput(type)}`);
  if (type === 's3') return s3Settings(user, file?.type === 's3' ? file : undefined);
  if (type === 'lfs') {
    const url = user.url ?? (file?.type === 'lfs' ? file.url : undefined);
    if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) throw new GitTrackError('BAD_INPUT', `gittrack.store.url: not an http(s) URL: ${quoteInput(url)}`);
    return url === undefined ? { type: 'lfs' } : { type: 'lfs', url };
  }
  const raw = user.maxFileSize ?? (file?.type === 'git' ? file.max_file_size : undefined);
  const maxBytes = raw === undefined ? DEFAULT_GIT_MAX_BYTES : parseSize(raw);
  if (!Number.isFinite(maxBytes)) throw new GitTrackError('BAD_INPUT', `gittrack.store.maxFileSize: not a size: ${quoteInput(raw)}`);
  return { type: 'git', maxBytes };
}

type UserStoreConfig = Partial<Record<'type' | 'dir' | 'maxFileSize' | 'bucket' | 'prefix' | 'region' | 'endpoint' | 'forcePathStyle' | 'url' | 'concurrency', string>>;

function s3Settings(user: UserStoreConfig, file: (StoreConfig & { type: 's3' }) | undefined): S3Settings {
  const bucket = user.bucket ?? file?.bucket;
  if (!bucket) throw new GitTrackError('BAD_INPUT', 'store type is s3 but no bucket is set (git config gittrack.store.bucket NAME, or `bucket:` in .git-track.yaml)');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new GitTrackError('BAD_INPUT', `gittrack.store.bucket: not a bucket name: ${quoteInput(bucket)}`);
  const prefix = (user.prefix ?? file?.prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '..' || part === '.') || prefix.includes('//')) {
    throw new GitTrackError('BAD_INPUT', `gittrack.store.prefix: not a key prefix: ${quoteInput(prefix)}`);
  }
  const endpoint = user.endpoint ?? file?.endpoint;
  if (endpoint !== undefined && !/^https?:\/\/[^/\s@]+(\/\S*)?$/.test(endpoint)) {
    throw new GitTrackError('BAD_INPUT', `gittrack.store.endpoint: not an http(s) URL without credentials: ${quoteInput(endpoint)}`);
  }
  const region = user.region ?? file?.region;
  if (region !== undefined && !/^[a-z0-9-]{1,64}$/.test(region)) throw new GitTrackError('BAD_INPUT', `gittrack.store.region: not a region: ${quoteInput(region)}`);
  let forcePathStyle = file?.force_path_style ?? false;
  if (user.forcePathStyle !== undefined) {
    const v = user.forcePathStyle.toLowerCase();
    if (!['true', 'false', 'yes', 'no', 'on', 'off', '1', '0'].includes(v)) throw new GitTrackError('BAD_INPUT', `gittrack.store.forcePathStyle: not a boolean: ${quoteInput(user.forcePathStyle)}`);
    forcePathStyle = ['true', 'yes', 'on', '1'].includes(v);
  }
  let concurrency: number | undefined;
  if (user.concurrency !== undefined) {
    concurrency = /^\s*\d+\s*$/.test(user.concurrency) ? Math.min(Number(user.concurrency), MAX_STORE_CONCURRENCY) : 0;
    if (concurrency < 1) throw new GitTrackError('BAD_INPUT', `gittrack.store.concurrency: not a whole number of at least 1: ${quoteInput(user.concurrency)}`);
  }
  return { type: 's3', bucket, prefix, ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}), forcePathStyle, ...(concurrency ? { concurrency } : {}) };
}

async function readUserStoreConfig(repo: Repo, env: Env): Promise<UserStoreConfig> {
  // git itself, so every level (system, global, repo, GIT_CONFIG_*) is honoured.
  const r = await runGit(['config', '--get-regexp', '^gittrack\\.store\\.'], { cwd: repo.workTree ?? repo.gitDir, env, allowFailure: true });
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) out[line.slice(0, space).toLowerCase()] = line.slice(space + 1);
  }
  const keys = ['type', 'dir', 'maxFileSize', 'bucket', 'prefix', 'region', 'endpoint', 'forcePathStyle', 'url', 'concurrency'] as const;
  return Object.fromEntries(keys.flatMap((k) => (out[`gittrack.store.${k.toLowerCase()}`] === undefined ? [] : [[k, out[`gittrack.store.${k.toLowerCase()}`]]])));
}
