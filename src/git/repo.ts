/**
 * Locating a repository exactly as git does: the work tree, the per-worktree git dir, the
 * common dir that holds refs and config, and the objects dir git writes to.
 *
 * git decides from the environment (GIT_DIR, GIT_WORK_TREE, GIT_COMMON_DIR,
 * GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES, ceilings), the config
 * (`core.worktree`, `core.bare`, `safe.directory`) and who owns the files. A walk up to a
 * `.git` directory or gitfile is provably git's answer only when none of those apply, so that
 * is the fast path; anything else asks git once ({@link askGitForRepo}, ~3 ms). Either way the
 * repository format and extensions are then checked ({@link checkRepoFormat}) before anything
 * is read or written.
 */
import { lstatSync, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { GitTrackError } from '../errors.js';
import { readGitConfigFile, type GitConfig } from './config.js';
import { askGitForRepo } from './repo-by-git.js';
import { objectFormatNamed, SHA1 } from './object-format.js';
import { checkRepoFormat, type RepoFormat } from './repo-format.js';
import { sharedPerm } from './shared-perm.js';
import { noteStatePerm } from './state-perm.js';

export interface Repo {
  /** Top of the working tree, or null for a bare repository. */
  workTree: string | null;
  /** The git dir of this worktree (holds HEAD and the index). */
  gitDir: string;
  /** The shared git dir (refs, config); equals gitDir outside linked worktrees. */
  commonDir: string;
  /** Where git reads and writes objects: GIT_OBJECT_DIRECTORY, else `<commonDir>/objects`. */
  objectsDir: string;
  /** Extra object dirs to read from (GIT_ALTERNATE_OBJECT_DIRECTORIES), absolute. */
  alternates: string[];
  /** The repository's config (`<commonDir>/config`, then `config.worktree` when enabled). */
  config: GitConfig;
  /** What the repository's extensions ask of us. */
  format: RepoFormat;
  /**
   * The location variables git processes started for this repository must see, absolute
   * (a relative GIT_DIR means something else in another cwd); empty on the fast path.
   */
  gitVars: Record<string, string>;
  /** git-track's local state: `<commonDir>/git-track`. */
  stateDir: string;
}

/** Variables that change where git looks; with any of them set git is asked. */
const LOCATION_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
];

/**
 * Find the repository containing `start` as git would, and check that git-track handles it.
 * Throws `NOT_A_GIT_REPO`, `UNSAFE_REPO` (owned by another user, not in `safe.directory`) or
 * `UNSUPPORTED_REPO` (a format version or extension we do not handle).
 *
 * @example
 * const repo = findRepo(process.cwd());
 * repo.commonDir; // '/home/ada/churn/.git'
 */
export function findRepo(
  start: string,
  options: { vars?: Record<string, string | undefined>; gitBinary?: string } = {},
): Repo {
  const vars = options.vars ?? process.env;
  const dir = resolve(start);
  if (!statOrNull(dir)?.isDirectory()) throw new GitTrackError('NOT_A_GIT_REPO', `not a git repository: ${dir} is not a directory`, { dir });
  const fast = LOCATION_VARS.some((v) => vars[v] !== undefined) ? null : discover(dir);
  if (fast) return fast;
  const where = askGitForRepo(dir, vars, options.gitBinary ?? vars.GIT_TRACK_GIT ?? 'git');
  if (!objectFormatNamed(where.objectFormat)) {
    throw new GitTrackError('UNSUPPORTED_REPO', `${where.commonDir}: objects are ${where.objectFormat}: git-track handles sha1 and sha256 repositories; nothing was read or written`, {
      objectFormat: where.objectFormat,
    });
  }
  const alternates = splitAlternates(vars.GIT_ALTERNATE_OBJECT_DIRECTORIES, dir);
  const gitVars: Record<string, string> = {};
  if (vars.GIT_DIR !== undefined) gitVars.GIT_DIR = where.gitDir;
  if (vars.GIT_WORK_TREE !== undefined && where.workTree) gitVars.GIT_WORK_TREE = where.workTree;
  if (vars.GIT_COMMON_DIR !== undefined) gitVars.GIT_COMMON_DIR = where.commonDir;
  if (vars.GIT_OBJECT_DIRECTORY !== undefined) gitVars.GIT_OBJECT_DIRECTORY = where.objectsDir;
  if (alternates.length > 0) gitVars.GIT_ALTERNATE_OBJECT_DIRECTORIES = alternates.join(process.platform === 'win32' ? ';' : ':');
  const repo = makeRepo(where, alternates, gitVars);
  // The config we read and git's answer must name the same hash, or objects would split.
  if (repo.format.objectFormat.name !== where.objectFormat) {
    throw new GitTrackError('UNSUPPORTED_REPO', `${where.commonDir}: git reports ${where.objectFormat} objects but the config declares ${repo.format.objectFormat.name}; nothing was read or written`, {
      objectFormat: where.objectFormat,
    });
  }
  return repo;
}

/**
 * The fast path: walk up from `dir` to a `.git` directory or gitfile, or return null when git
 * could decide otherwise (a bare repository, a file system boundary, files not owned by us,
 * `core.worktree`/`core.bare` in the config, anything unexpected).
 */
function discover(dir: string): Repo | null {
  const uid = process.geteuid?.();
  // git on Windows checks owners by SID; let it.
  if (uid === undefined) return null;
  let here = statOrNull(dir);
  if (!here) return null;
  for (;;) {
    const dotGit = join(dir, '.git');
    const entry = lstatOrNull(dotGit);
    if (entry) {
      let gitDir: string;
      if (entry.isDirectory()) gitDir = dotGit;
      else if (entry.isFile()) {
        const target = readGitFile(dotGit);
        if (!target) return null;
        gitDir = target;
      } else return null;
      const gitDirStat = statOrNull(gitDir);
      if (!gitDirStat || here.uid !== uid || entry.uid !== uid || gitDirStat.uid !== uid) return null;
      const commonDir = readCommonDir(gitDir);
      if (!isGitDir(gitDir, commonDir)) return null;
      const repo = makeRepo({ gitDir, commonDir, objectsDir: join(commonDir, 'objects'), workTree: dir }, [], {});
      const worktree = repo.config.get('core.worktree');
      const bare = repo.config.get('core.bare');
      if (worktree !== undefined || (bare !== undefined && !/^(false|no|off|0)$/i.test(bare))) return null;
      return repo;
    }
    // A bare repository found by discovery: safe.bareRepository and ownership are git's call.
    if (lstatOrNull(join(dir, 'HEAD')) && lstatOrNull(join(dir, 'objects'))) return null;
    const parent = dirname(dir);
    if (parent === dir) break;
    const up = statOrNull(parent);
    if (!up || up.dev !== here.dev) return null;
    dir = parent;
    here = up;
  }
  throw new GitTrackError('NOT_A_GIT_REPO', `not a git repository (or any parent up to /): ${dir}`, { dir });
}

function makeRepo(where: { gitDir: string; commonDir: string; objectsDir: string; workTree: string | null }, alternates: string[], gitVars: Record<string, string>): Repo {
  const { gitDir, commonDir } = where;
  let config = readGitConfigFile(join(commonDir, 'config'));
  const format = checkRepoFormat(config, commonDir);
  if (format.worktreeConfig) config = layered(config, readGitConfigFile(join(gitDir, 'config.worktree')));
  // git ≥ 2.3x marks a partial clone by its promisor remote alone, without extensions.partialClone.
  const promisor = config.keys().some((k) => /^remote\..*\.promisor$/.test(k) && /^(true|yes|on|1)$/i.test(config.get(k) ?? ''));
  if (promisor) format.partialClone = true;
  const stateDir = join(commonDir, 'git-track');
  noteStatePerm(stateDir, sharedPerm(config));
  return { ...where, alternates, config, format, gitVars, stateDir };
}

/** The target of a `.git` file (`gitdir: <path>`), or null when it is not one. */
function readGitFile(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const match = /^gitdir: (.+?)\r?\n?$/.exec(text);
  if (!match?.[1]) return null;
  return isAbsolute(match[1]) ? match[1] : resolve(dirname(path), match[1]);
}

function readCommonDir(gitDir: string): string {
  try {
    const rel = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
    return isAbsolute(rel) ? rel : resolve(gitDir, rel);
  } catch {
    return gitDir;
  }
}

/** A detached HEAD's id as git checks it during discovery, before it knows the hash: a sha1's worth of hex. */
const HEAD_OID = new RegExp(`^[0-9a-f]{${SHA1.hexLength}}`);

/** git's `is_git_directory`: a valid HEAD, and objects and refs in the common dir. */
function isGitDir(gitDir: string, commonDir: string): boolean {
  if (!statOrNull(join(commonDir, 'objects'))?.isDirectory() || !statOrNull(join(commonDir, 'refs'))?.isDirectory()) return false;
  try {
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8');
    // git reads a detached HEAD before it knows the repository's hash: 40 hex digits suffice.
    return head.startsWith('ref: refs/') || HEAD_OID.test(head);
  } catch {
    return false;
  }
}

/** GIT_ALTERNATE_OBJECT_DIRECTORIES: `:`-separated (`;` on Windows), entries maybe C-quoted. */
function splitAlternates(value: string | undefined, cwd: string): string[] {
  if (!value) return [];
  const sep = process.platform === 'win32' ? ';' : ':';
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    let entry = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        entry += value[i++];
      }
      i++;
      while (i < value.length && value[i] !== sep) i++;
    } else {
      const end = value.indexOf(sep, i);
      entry = value.slice(i, end === -1 ? value.length : end);
      i = end === -1 ? value.length : end;
    }
    i++;
    if (entry) out.push(resolve(cwd, entry));
  }
  return out;
}

function layered(base: GitConfig, over: GitConfig): GitConfig {
  if (over.keys().length === 0) return base;
  return {
    get: (key) => over.get(key) ?? base.get(key),
    getAll: (key) => [...base.getAll(key), ...over.getAll(key)],
    keys: () => [...new Set([...base.keys(), ...over.keys()])],
  };
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
