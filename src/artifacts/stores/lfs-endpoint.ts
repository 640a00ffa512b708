/**
 * Where a remote's Git LFS server is, and how to authenticate to it, the way git-lfs decides:
 *  - `lfs.url`, `remote.<name>.lfsurl`, or the store's own `url:`, when set;
 *  - an http(s) remote: `<url>.git/info/lfs` (`<url>/info/lfs` when it already ends in .git);
 *  - an ssh remote: `ssh [-p port] [user@]host git-lfs-authenticate <path> <operation>`,
 *    whose JSON answer gives the URL and the headers (a token) to use.
 * Credentials for http(s) come from git itself (`git credential fill`, the user's helper)
 * when the server asks (401), and are approved or rejected afterwards, as git does.
 */
import { execFile } from 'node:child_process';
import type { Env } from '../../env.js';
import { GitTrackError } from '../../errors.js';
import { scrubUrl } from '../../git/credentials.js';
import { readGitConfig } from '../../git/config.js';
import type { Repo } from '../../git/repo.js';
import { runGit } from '../../git/system-git.js';
import { LFS_REQUEST_TIMEOUT_MS, MAX_LFS_JSON_BYTES } from '../../limits.js';
import type { Remote } from '../../sync/remote.js';

export type LfsOperation = 'upload' | 'download';

/** An LFS API endpoint with the headers every request to it carries. */
export interface LfsEndpoint {
  href: string;
  header: Record<string, string>;
}

/**
 * The LFS endpoint for `operation` on `remote` (or the configured `url`).
 *
 * @example
 * await lfsEndpoint(repo, env, remote, undefined, 'upload'); // { href: 'https://host/team/x.git/info/lfs', header: {} }
 */
export async function lfsEndpoint(repo: Repo, env: Env, remote: Remote | null, url: string | undefined, operation: LfsOperation): Promise<LfsEndpoint> {
  const config = readGitConfig(repo.commonDir);
  const remoteName = remote && config.get(`remote.${remote.target}.url`) !== undefined ? remote.target : null;
  const configured = url ?? config.get('lfs.url') ?? (remoteName ? config.get(`remote.${remoteName}.lfsurl`) : undefined);
  if (configured) return { href: configured.replace(/\/+$/, ''), header: {} };
  if (!remote) throw new GitTrackError('USAGE', 'the lfs artifact store needs a remote (git remote add origin URL) or a url (git config gittrack.store.url URL)');
  const remoteUrl = remoteName ? config.get(`remote.${remoteName}.url`)! : remote.target;
  if (/^https?:\/\//i.test(remoteUrl)) return { href: derivedHref(remoteUrl), header: {} };
  const ssh = parseSsh(remoteUrl);
  if (ssh) return sshAuthenticate(repo, env, config.get('core.sshcommand'), ssh, operation);
  throw new GitTrackError(
    'USAGE',
    `remote ${remote.label} has no Git LFS server (it is not an http(s) or ssh URL); set one with git config gittrack.store.url URL`,
    { remote: remote.label },
  );
}

/** git-lfs's rule: `<url>.git/info/lfs`, or `<url>/info/lfs` when the URL already ends in .git. */
function derivedHref(remoteUrl: string): string {
  const u = new URL(remoteUrl);
  u.search = '';
  u.hash = '';
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = path.endsWith('.git') ? `${path}/info/lfs` : `${path}.git/info/lfs`;
  return u.toString();
}

interface SshTarget {
  userHost: string;
  port?: string;
  path: string;
}

function parseSsh(url: string): SshTarget | null {
  const full = /^(?:git\+ssh|ssh\+git|ssh):\/\/([^/?#]+)(\/[^?#]*)$/i.exec(url);
  if (full) {
    const m = /^(.*?)(?::(\d+))?$/.exec(full[1]!)!;
    return { userHost: m[1]!.replace(/^\[|\]$/g, ''), ...(m[2] ? { port: m[2] } : {}), path: full[2]! };
  }
  const scp = /^([^\s/:]+@)?([^\s/:[]+|\[[^\]]+\]):(?!\/\/)(.+)$/.exec(url);
  if (scp) return { userHost: `${scp[1] ?? ''}${scp[2]!.replace(/^\[|\]$/g, '')}`, path: scp[3]! };
  return null;
}

/** Ask the ssh server for an LFS URL and token (git-lfs-authenticate), as git-lfs does. */
async function sshAuthenticate(repo: Repo, env: Env, coreSsh: string | undefined, target: SshTarget, operation: LfsOperation): Promise<LfsEndpoint> {
  const command = env.vars.GIT_SSH_COMMAND ?? coreSsh;
  const plain = env.vars.GIT_SSH ?? 'ssh';
  // Arguments are passed as argv: a path from a remote URL never reaches a shell unquoted.
  const args = [...(target.port ? ['-p', target.port] : []), '--', target.userHost, 'git-lfs-authenticate', target.path, operation];
  const [file, argv] = command ? ['sh', ['-c', `${command} "$@"`, 'ssh', ...args]] : [plain, args];
  const out = await new Promise<string>((resolvePromise, reject) => {
    execFile(file as string, argv as string[], { cwd: repo.workTree ?? repo.gitDir, env: env.vars as NodeJS.ProcessEnv, maxBuffer: MAX_LFS_JSON_BYTES, timeout: LFS_REQUEST_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new GitTrackError('STORE_FAILED', `git-lfs-authenticate over ssh to ${target.userHost} failed: ${(stderr.trim().split('\n').pop() ?? '') || err.message}`, { host: target.userHost }));
      else resolvePromise(stdout);
    });
  });
  let answer: { href?: unknown; header?: unknown };
  try {
    answer = JSON.parse(out) as typeof answer;
  } catch {
    throw new GitTrackError('STORE_FAILED', `git-lfs-authenticate on ${target.userHost} answered something other than JSON`, { host: target.userHost });
  }
  const host = target.userHost.replace(/^[^@]*@/, '');
  const href = typeof answer.href === 'string' && /^https?:\/\//i.test(answer.href) ? answer.href : derivedHref(`https://${host}/${target.path.replace(/^\/+/, '')}`);
  return { href: href.replace(/\/+$/, ''), header: stringRecord(answer.header) };
}

/** Only string-valued headers from a server's JSON. */
export function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string' && /^[A-Za-z0-9-]+$/.test(e[0])));
}

/** Credentials git gave for a URL, kept to approve or reject them after use. */
export interface GitCredential {
  header: string;
  fields: string;
}

/**
 * Ask git for credentials for `url` (`git credential fill`; never a prompt, the helper only).
 *
 * @example
 * const cred = await credentialFill(repo, env, 'https://host/team/x.git/info/lfs/objects/batch');
 */
export async function credentialFill(repo: Repo, env: Env, url: string): Promise<GitCredential> {
  const input = `url=${scrubUrl(url)}\n\n`;
  const r = await runGit(['credential', 'fill'], { cwd: repo.workTree ?? repo.gitDir, env, input, allowFailure: true });
  const fields = new Map(r.stdout.split('\n').flatMap((l) => (l.includes('=') ? [[l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const] : [])));
  const user = fields.get('username');
  const pass = fields.get('password');
  if (r.code !== 0 || user === undefined || pass === undefined) {
    throw new GitTrackError('STORE_FAILED', `the LFS server ${originOf(url)} asks for credentials and git has none for it (configure a credential helper: git config credential.helper store)`, {
      url: originOf(url),
    });
  }
  return { header: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`, fields: r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n` };
}

/**
 * Tell git's helper whether the credentials worked (`approve` stores them, `reject` forgets them).
 *
 * @example
 * await credentialVerdict(repo, env, cred, true);
 */
export async function credentialVerdict(repo: Repo, env: Env, cred: GitCredential, worked: boolean): Promise<void> {
  await runGit(['credential', worked ? 'approve' : 'reject'], { cwd: repo.workTree ?? repo.gitDir, env, input: `${cred.fields}\n`, allowFailure: true });
}

/** `scheme://host[:port]` of a URL, for messages. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return scrubUrl(url);
  }
}
