/**
 * The code version of a run: HEAD, branch, remote, and — when the working tree has tracked
 * changes — a snapshot commit holding them exactly, plus a readable patch.
 *
 * The snapshot is built through a private index file (a copy of the user's), so the user's
 * index, HEAD and working tree are never touched; the snapshot commit's parent is HEAD, which
 * keeps the exact code of every run reachable from `runs` even after the branch is rebased.
 */
import { scrubUrl } from './credentials.js';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../env.js';
import type { Repo } from './repo.js';
import { readRef, readSymbolicHead } from './refs.js';
import { runGit, runGitBytes } from './system-git.js';
import { parseGitConfig, readGitConfig } from './config.js';
import { resolveSigning, type Identity } from './identity.js';
import { mkdirState } from './state-perm.js';
import { ANY_OID_SOURCE } from './object-format.js';

/** `git ls-files --stage` of a submodule: `160000 <id> 0\t<path>`. */
const SUBMODULE_LINE = new RegExp(`^160000 (${ANY_OID_SOURCE}) 0\t(.+)$`, 's');

export interface CodeVersion {
  commit: string | null;
  branch: string | null;
  dirty: boolean;
  snapshot?: string;
  remote?: string;
  /** The repository's submodules; the manifest records them beside `code`. */
  submodules?: SubmoduleState[];
}

/**
 * One submodule at the time of the run: its checked-out commit (the one the snapshot records)
 * and whether it had uncommitted changes, which no snapshot holds (`changes_in_snapshot: false`).
 */
export interface SubmoduleState {
  path: string;
  commit: string;
  dirty: boolean;
  changes_in_snapshot?: false;
}

export interface CapturedCode {
  code: CodeVersion;
  /** `git diff --binary` of the tracked changes, when dirty: bytes, as git wrote them. */
  patch?: Buffer;
}

/**
 * HEAD's commit and branch. HEAD is per worktree; the branch it names lives in the common dir.
 *
 * @example
 * resolveHead(repo); // { commit: '9fceb02…', branch: 'main' }
 */
export function resolveHead(repo: Repo): { commit: string | null; branch: string | null } {
  const symbolic = readSymbolicHead(repo.gitDir);
  if (symbolic === null) return { commit: readRef(repo.gitDir, 'HEAD'), branch: null };
  const commit = readRef(repo.commonDir, symbolic) ?? readRef(repo.gitDir, symbolic);
  return { commit, branch: symbolic.replace(/^refs\/heads\//, '') };
}

/**
 * Capture the code version of the working tree `repo.workTree`.
 *
 * @example
 * const { code, patch } = await captureCodeVersion(repo, env, identity);
 * code.dirty && code.snapshot; // commit holding the uncommitted tracked changes
 */
export async function captureCodeVersion(
  repo: Repo,
  env: Env,
  identity: Identity | Promise<Identity>,
  options: {
    snapshot?: boolean;
    /**
     * Takes over the snapshot's new objects. Given, git writes them into a private objects dir
     * (`quarantine`, read through before it is removed) instead of the repository's, where a
     * concurrent `git gc --prune=now` would delete them before any ref reaches them.
     */
    adopt?: (snapshot: string, quarantine: string) => void;
  } = {},
): Promise<CapturedCode> {
  const head = resolveHead(repo);
  const remote = readRemoteUrl(repo, head.branch);
  const code: CodeVersion = { commit: head.commit, branch: head.branch, dirty: false, ...(remote ? { remote } : {}) };
  if (repo.workTree === null) return { code };
  const status = await runGit(['--no-optional-locks', 'status', '--porcelain=v2', '-z', '--untracked-files=no'], {
    cwd: repo.workTree,
    env,
  });
  const submodules = await readSubmodules(repo, env, status.stdout);
  if (submodules.length) code.submodules = submodules;
  if (status.stdout.length === 0) return { code };
  code.dirty = true;
  if (options.snapshot === false) return { code };
  const quarantine = options.adopt ? mkdtempSync(join(tmpDirOf(repo), 'objects-')) : undefined;
  try {
    const patch = await writeSnapshot(repo, env, identity, head, code, quarantine);
    if (quarantine) options.adopt!(code.snapshot!, quarantine);
    return { code, patch };
  } finally {
    if (quarantine) rmSync(quarantine, { recursive: true, force: true });
  }
}

/** Write the snapshot commit (setting `code.snapshot`) and return the patch. */
async function writeSnapshot(
  repo: Repo,
  env: Env,
  identity: Identity | Promise<Identity>,
  head: { commit: string | null; branch: string | null },
  code: CodeVersion,
  quarantine: string | undefined,
): Promise<Buffer> {
  const objects = quarantine ? quarantineVars(repo, quarantine) : {};
  const tree = await writeWorkTreeSnapshot(repo, env, objects);
  // Only a snapshot commit needs the identity: callers may still be looking it up.
  const who = await identity;
  const parents = head.commit ? ['-p', head.commit] : [];
  // `git commit-tree` ignores commit.gpgSign: ask for the signature git would make.
  const sign = (await resolveSigning(repo, env)) ? ['-S'] : [];
  const when = `${Math.floor(env.now().getTime() / 1000)} +0000`;
  const commit = await runGit(['commit-tree', ...sign, tree, ...parents, '-m', `git-track snapshot of uncommitted changes${head.branch ? ` on ${head.branch}` : ''}`], {
    cwd: repo.workTree!,
    env,
    vars: {
      ...objects,
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_DATE: when,
    },
  });
  code.snapshot = commit.stdout.trim();
  // Bytes, not text: a Latin-1 file's patch must apply again. Every option that could make the
  // patch unappliable whatever the user's config says (textconv, no prefixes, submodule logs).
  const patch = await runGitBytes(
    ['diff', '--binary', '--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/', '--submodule=short', head.commit ?? repo.format.objectFormat.emptyTree, tree],
    { cwd: repo.workTree!, env, vars: objects },
  );
  return patch.stdout;
}

/**
 * git's own quarantine (what `receive-pack` does with a push): new objects go to a private
 * dir, existing ones are read through the repository's objects dir and its alternates.
 */
function quarantineVars(repo: Repo, quarantine: string): Record<string, string> {
  const read = [repo.objectsDir, ...repo.alternates].map((dir) => (/[:"\\]/.test(dir) ? `"${dir.replace(/[\\"]/g, (c) => `\\${c}`)}"` : dir));
  return { GIT_OBJECT_DIRECTORY: quarantine, GIT_ALTERNATE_OBJECT_DIRECTORIES: read.join(':') };
}

function tmpDirOf(repo: Repo): string {
  const dir = join(repo.stateDir, 'tmp');
  mkdirState(dir);
  return dir;
}

/**
 * Every submodule (named in `.gitmodules`, or reported by status), with its checked-out commit
 * and whether it holds uncommitted changes. Costs nothing in a repository without submodules;
 * otherwise one `git ls-files`, plus one `rev-parse` per submodule whose HEAD moved.
 */
async function readSubmodules(repo: Repo, env: Env, porcelainV2: string): Promise<SubmoduleState[]> {
  const flags = new Map<string, string>();
  const records = porcelainV2.split('\0');
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const kind = r[0];
    // `1 XY sub mH mI mW hH hI path`, `2 … X score path` (then the original path), `u …`.
    const fixed = kind === '1' ? 8 : kind === '2' ? 9 : kind === 'u' ? 10 : -1;
    if (kind === '2') i++;
    if (fixed < 0) continue;
    const fields = r.split(' ');
    if (fields[2]?.startsWith('S')) flags.set(fields.slice(fixed).join(' '), fields[2]);
  }
  const gitmodules = join(repo.workTree!, '.gitmodules');
  const named = existsSync(gitmodules) ? submodulePaths(readFileSync(gitmodules, 'utf8')) : [];
  const paths = [...new Set([...named, ...flags.keys()])];
  if (paths.length === 0) return [];
  const listed = await runGit(['ls-files', '--stage', '-z', '--', ...paths.map((p) => `:(literal)${p}`)], { cwd: repo.workTree!, env });
  const out: SubmoduleState[] = [];
  for (const line of listed.stdout.split('\0')) {
    const m = SUBMODULE_LINE.exec(line);
    if (!m) continue;
    const [, indexed, path] = m as unknown as [string, string, string];
    const flag = flags.get(path) ?? 'S...';
    // `S C..`: the submodule's HEAD is not the commit recorded for it; `add -u` puts that HEAD
    // into the snapshot, so it is the one to record.
    const commit = flag[1] === 'C' ? await checkedOutCommit(repo, env, path, indexed) : indexed;
    const dirty = flag[2] === 'M';
    out.push({ path, commit, dirty, ...(dirty ? { changes_in_snapshot: false as const } : {}) });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function submodulePaths(text: string): string[] {
  const config = parseGitConfig(text);
  return config
    .keys()
    .filter((k) => k.startsWith('submodule.') && k.endsWith('.path'))
    .map((k) => config.get(k)!)
    .filter((p) => p && !p.startsWith('/') && !p.split('/').includes('..'));
}

async function checkedOutCommit(repo: Repo, env: Env, path: string, fallback: string): Promise<string> {
  const r = await runGit(['-C', path, 'rev-parse', '--verify', '-q', 'HEAD'], { cwd: repo.workTree!, env, allowFailure: true });
  const oid = r.stdout.trim();
  return r.code === 0 && repo.format.objectFormat.oidPattern.test(oid) ? oid : fallback;
}

/** Tree of every tracked file as it is in the working tree, written via a private index. */
async function writeWorkTreeSnapshot(repo: Repo, env: Env, objects: Record<string, string>): Promise<string> {
  const indexFile = join(tmpDirOf(repo), `index-${process.pid}-${env.random(4).toString('hex')}`);
  const userIndex = join(repo.gitDir, 'index');
  if (existsSync(userIndex)) {
    copyFileSync(userIndex, indexFile);
    // Keep the index's mtime: git trusts the stat data of entries not newer than the index, so
    // a fresh mtime would hide a same-size edit made in the same second as the last commit.
    const { atime, mtime } = statSync(userIndex);
    utimesSync(indexFile, atime, mtime);
  }
  try {
    const vars = { ...objects, GIT_INDEX_FILE: indexFile };
    const cwd = repo.workTree!;
    await runGit(['add', '-u', '--', ':/'], { cwd, env, vars });
    return (await runGit(['write-tree'], { cwd, env, vars })).stdout.trim();
  } finally {
    rmSync(indexFile, { force: true });
  }
}

/** URL of the branch's upstream remote, else origin's, with any credentials removed. */
function readRemoteUrl(repo: Repo, branch: string | null): string | undefined {
  const config = readGitConfig(repo.commonDir);
  const remoteName = (branch && config.get(`branch.${branch}.remote`)) || 'origin';
  const url = config.get(`remote.${remoteName}.url`);
  return url ? stripCredentials(url) : undefined;
}

/**
 * Remove a password or token from a remote URL: they must never reach a manifest (see
 * credentials.ts, the one implementation).
 *
 * @example
 * stripCredentials('https://ada:tok@github.com/x/y.git'); // 'https://github.com/x/y.git'
 */
export const stripCredentials = scrubUrl;
