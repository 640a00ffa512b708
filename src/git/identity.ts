/**
 * Who is logging: the user's git identity, resolved by git itself (`git var` honours every
 * config level and the GIT_AUTHOR_* variables), with a clear fallback when none is set.
 * The same `git var -l` lists the config, so the commit-signing setup comes with it: a
 * repository without signing pays no extra process.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../env.js';
import type { Repo } from './repo.js';
import { runGit } from './system-git.js';
import { signingFromConfig, type SigningSetup } from './signing.js';
import { mkdirState, shareState } from './state-perm.js';

export interface Identity {
  name: string;
  email: string;
}

/**
 * The identity git would use for a commit in `repo`. When git has none configured, falls back
 * to `<login>@<hostname>` and warns once per repository.
 *
 * @example
 * await resolveIdentity(repo, env); // { name: 'Ada', email: 'ada@example.com' }
 */
export function resolveIdentity(repo: Repo, env: Env): Promise<Identity> {
  return resolveGitUser(repo, env).then((u) => u.identity);
}

/**
 * How git would sign a commit in `repo` (`commit.gpgSign` and friends), or null when it would
 * not. Shares the identity lookup's `git var -l`.
 *
 * @example
 * await resolveSigning(repo, env); // { format: 'ssh', program: 'ssh-keygen', key: '~/.ssh/id.pub', … }
 */
export function resolveSigning(repo: Repo, env: Env): Promise<SigningSetup | null> {
  return resolveGitUser(repo, env).then((u) => u.signing());
}

interface GitUser {
  identity: Identity;
  /** Parsed on first use; throws SIGNING_FAILED for a setup git would refuse too. */
  signing(): SigningSetup | null;
}

function resolveGitUser(repo: Repo, env: Env): Promise<GitUser> {
  // One `git var -l` per repository handle: a process logging many runs asks git once.
  let pending = resolved.get(repo);
  if (!pending) {
    pending = askGit(repo, env);
    resolved.set(repo, pending);
  }
  return pending;
}

const resolved = new WeakMap<Repo, Promise<GitUser>>();

async function askGit(repo: Repo, env: Env): Promise<GitUser> {
  const result = await runGit(['var', '-l'], {
    cwd: repo.workTree ?? repo.gitDir,
    env,
    allowFailure: true,
  });
  const config = new Map<string, string>();
  for (const line of result.code === 0 ? result.stdout.split('\n') : []) {
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    // git treats gpg.program as a name of gpg.openpgp.program: whichever comes last wins.
    if (line) config.set(key === 'gpg.program' ? 'gpg.openpgp.program' : key, eq < 0 ? 'true' : line.slice(eq + 1));
  }
  const identity = explicitIdentity(config, env) ?? fallbackIdentity(repo, env);
  const committer = config.get('GIT_COMMITTER_IDENT')?.replace(/ \d+ [+-]\d{4}$/, '') ?? `${identity.name} <${identity.email}>`;
  let signing: SigningSetup | null | undefined;
  return { identity, signing: () => (signing === undefined ? (signing = signingFromConfig(config, committer)) : signing) };
}

/**
 * GIT_AUTHOR_IDENT from `git var -l`, when git would accept it for a commit. The list form
 * does not enforce what `git var GIT_AUTHOR_IDENT` does, so its checks are repeated: an
 * auto-detected email on a host without a domain (`user@host.(none)`), `user.useConfigOnly`
 * without a configured email, or an empty name mean no identity.
 */
function explicitIdentity(config: Map<string, string>, env: Env): Identity | null {
  const match = /^(.*) <([^>]*)> \d+ [+-]\d{4}$/.exec(config.get('GIT_AUTHOR_IDENT') ?? '');
  if (!match || !match[1] || !match[2] || match[2].includes('(none)')) return null;
  const emailGiven = config.has('user.email') || config.has('author.email') || !!env.vars.GIT_AUTHOR_EMAIL || !!env.vars.EMAIL;
  if (/^(true|yes|on|1)$/i.test(config.get('user.useconfigonly') ?? '') && !emailGiven) return null;
  const identity = { name: sanitise(match[1]), email: sanitise(match[2]) };
  return identity.name && identity.email ? identity : null;
}

function fallbackIdentity(repo: Repo, env: Env): Identity {
  const login = safeLogin();
  const fallback = { name: login, email: `${login}@${hostname()}` };
  const marker = join(repo.stateDir, 'identity-fallback-warned');
  if (!existsSync(marker)) {
    env.warn(
      `git has no user identity configured; recording runs as '${fallback.name} <${fallback.email}>' ` +
        `(set it with: git config --global user.name "Your Name" && git config --global user.email you@example.com)`,
    );
    mkdirState(repo.stateDir);
    writeFileSync(marker, `${fallback.name} <${fallback.email}>\n`);
    shareState(marker);
  }
  return fallback;
}

function safeLogin(): string {
  try {
    return sanitise(userInfo().username) || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Commit headers cannot carry '<', '>' or newlines in a name or email. */
function sanitise(text: string): string {
  return text.replace(/[<>\n\r]/g, '').trim();
}
