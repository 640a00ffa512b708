/**
 * Who is logging: the user's git identity, resolved by git itself (`git var` honours every
 * config level and the GIT_AUTHOR_* variables), with a clear fallback when none is set.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../env.js';
import type { Repo } from './repo.js';
import { runGit } from './system-git.js';

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
  // One `git var` per repository handle: a process logging many runs asks git once.
  let pending = resolved.get(repo);
  if (!pending) {
    pending = askGit(repo, env);
    resolved.set(repo, pending);
  }
  return pending;
}

const resolved = new WeakMap<Repo, Promise<Identity>>();

async function askGit(repo: Repo, env: Env): Promise<Identity> {
  const result = await runGit(['var', 'GIT_AUTHOR_IDENT'], {
    cwd: repo.workTree ?? repo.gitDir,
    env,
    allowFailure: true,
  });
  const match = /^(.*) <([^>]*)> \d+ [+-]\d{4}$/.exec(result.stdout.trim());
  if (result.code === 0 && match && match[1] && match[2]) return { name: sanitise(match[1]), email: sanitise(match[2]) };
  const login = safeLogin();
  const fallback = { name: login, email: `${login}@${hostname()}` };
  const marker = join(repo.stateDir, 'identity-fallback-warned');
  if (!existsSync(marker)) {
    env.warn(
      `git has no user identity configured; recording runs as '${fallback.name} <${fallback.email}>' ` +
        `(set it with: git config --global user.name "Your Name" && git config --global user.email you@example.com)`,
    );
    mkdirSync(repo.stateDir, { recursive: true });
    writeFileSync(marker, `${fallback.name} <${fallback.email}>\n`);
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
