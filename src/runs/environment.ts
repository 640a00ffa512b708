/**
 * The environment a run was recorded in: OS, architecture, host, Node, Python, git-track.
 *
 * Python's version costs a process spawn (50–100 ms through a pyenv shim, which is a bash
 * script) against a ~100 ms budget for all of `git-track log`, so the answer is cached in
 * `<stateDir>/env-cache.json`, keyed by everything that can change which python3 runs:
 * PATH, the python3 found on it (path, real path, mtime, size), PYENV_VERSION, PYENV_ROOT,
 * PYENV_DIR, VIRTUAL_ENV, CONDA_PREFIX; and when python3 is a version-manager shim (it sits in
 * a `shims` directory: pyenv, asdf, mise), the cwd and the nearest `.python-version` /
 * `.tool-versions` files plus the manager's global `version` file, statted, not read.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { sealJson, unsealJson } from '../cache-seal.js';
import { hostname } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import type { Env } from '../env.js';
import { mkdirState, shareState } from '../git/state-perm.js';

export interface RunEnvironment {
  os: string;
  arch: string;
  hostname: string;
  node: string;
  python?: string;
  packages?: string;
  git_track: string;
}

/** Where the Python version came from: the cache file, a `python3 --version` run, or no python3. */
export interface PythonProbe {
  version?: string;
  source: 'cache' | 'spawn' | 'none';
}

export interface ProbeOptions {
  /** git-track's local state dir (holds env-cache.json). */
  stateDir: string;
  /** `env.vars` supplies PATH and the version-manager variables. */
  env: Env;
  /** Directory python3 would run in (pyenv picks a version from it); default: process.cwd(). */
  cwd?: string;
}

const CACHE_FORMAT = 'git-track/env-cache@1';
const MAX_CACHE_ENTRIES = 64;
const SPAWN_TIMEOUT_MS = 10_000;
const VERSION_FILES = ['.python-version', '.tool-versions'];

/**
 * Describe the machine and toolchain of a run; `python` is omitted when no python3 is on PATH
 * (or it does not answer `--version`).
 *
 * @example
 * await captureEnvironment({ stateDir: repo.stateDir, env, version: '0.1.0' });
 * // { os: 'linux', arch: 'x64', hostname: 'gpu-3', node: '20.20.2', python: '3.11.7', git_track: '0.1.0' }
 */
export async function captureEnvironment(opts: ProbeOptions & { version: string }): Promise<RunEnvironment> {
  const python = await probePython(opts);
  return {
    os: process.platform,
    arch: process.arch,
    hostname: hostname(),
    node: process.versions.node,
    ...(python.version === undefined ? {} : { python: python.version }),
    git_track: opts.version,
  };
}

/**
 * The version of the python3 first on `env.vars.PATH`, and whether answering it needed a
 * spawn (exported so tests and benchmarks can see the cache work without mocking).
 *
 * @example
 * await probePython({ stateDir, env }); // { version: '3.11.7', source: 'spawn' }
 * await probePython({ stateDir, env }); // { version: '3.11.7', source: 'cache' }
 */
export async function probePython(opts: ProbeOptions): Promise<PythonProbe> {
  const vars = opts.env.vars;
  const found = findExecutable('python3', vars.PATH);
  if (!found) return { source: 'none' };
  const cwd = resolve(opts.cwd ?? process.cwd());
  const key = cacheKey(found, cwd, vars);
  const file = join(opts.stateDir, 'env-cache.json');
  const cache = readCache(file);
  const hit = cache.get(key);
  if (hit !== undefined) return hit === null ? { source: 'cache' } : { version: hit, source: 'cache' };

  const answer = await runVersion(found, cwd, vars);
  if (answer.settled) {
    cache.delete(key);
    cache.set(key, answer.version ?? null);
    writeCache(file, cache);
  }
  return answer.version === undefined ? { source: 'spawn' } : { version: answer.version, source: 'spawn' };
}

/**
 * The first executable file called `name` in a PATH string, found by stat-ing each entry
 * (a `which` process would cost more than the whole lookup). Empty entries are skipped rather
 * than meaning the cwd.
 *
 * @example
 * findExecutable('python3', '/usr/local/bin:/usr/bin'); // '/usr/bin/python3' or null
 */
export function findExecutable(name: string, pathVar: string | undefined): string | null {
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const candidate of names) {
      const path = join(dir, candidate);
      const info = statSync(path, { throwIfNoEntry: false });
      if (info?.isFile() && (process.platform === 'win32' || (info.mode & 0o111) !== 0)) return path;
    }
  }
  return null;
}

function cacheKey(found: string, cwd: string, vars: Record<string, string | undefined>): string {
  let real = found;
  try {
    real = realpathSync(found);
  } catch {
    // a link that vanished between stat and realpath: key on the found path alone
  }
  const info = statSync(real, { throwIfNoEntry: false });
  const parts: unknown[] = [
    vars.PATH,
    found,
    real,
    info?.mtimeMs,
    info?.size,
    ...['PYENV_VERSION', 'PYENV_ROOT', 'PYENV_DIR', 'VIRTUAL_ENV', 'CONDA_PREFIX'].map((name) => vars[name]),
  ];
  if (basename(dirname(real)) === 'shims') {
    // A shim picks the version from files near the cwd: stat-walk up (measured in µs).
    const start = resolve(cwd, vars.PYENV_DIR ?? '.');
    parts.push(cwd, ...VERSION_FILES.map((f) => nearestStamp(start, f)), fileStamp(join(dirname(dirname(real)), 'version')));
  }
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

function nearestStamp(start: string, name: string): string | null {
  for (let dir = start; ; dir = dirname(dir)) {
    const stamp = fileStamp(join(dir, name));
    if (stamp) return stamp;
    if (dirname(dir) === dir) return null;
  }
}

function fileStamp(path: string): string | null {
  const info = statSync(path, { throwIfNoEntry: false });
  return info ? `${path}:${info.mtimeMs}:${info.size}:${info.ino}` : null;
}

/** `settled` is false when the answer may be transient (a timeout) and must not be cached. */
function runVersion(python: string, cwd: string, vars: Record<string, string | undefined>): Promise<{ version?: string; settled: boolean }> {
  const childEnv = Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined));
  return new Promise((done) => {
    execFile(python, ['--version'], { cwd, env: childEnv, timeout: SPAWN_TIMEOUT_MS, windowsHide: true }, (err, stdout, stderr) => {
      // Python 2 printed its version on stderr; 3 prints it on stdout.
      const match = /Python\s+(\S+)/.exec(`${stdout}\n${stderr}`);
      if (match?.[1] && !err) return done({ version: match[1], settled: true });
      const timedOut = err !== null && (err.killed || err.signal !== null);
      done({ settled: !timedOut });
    });
  });
}

function readCache(file: string): Map<string, string | null> {
  try {
    // Checksummed: a damaged cache must not put a wrong Python version into a run.
    const parsed = (unsealJson(readFileSync(file, 'utf8')) ?? {}) as { format?: unknown; entries?: unknown };
    if (parsed.format !== CACHE_FORMAT || typeof parsed.entries !== 'object' || parsed.entries === null) return new Map();
    const entries = Object.entries(parsed.entries).filter((e): e is [string, string | null] => e[1] === null || typeof e[1] === 'string');
    return new Map(entries);
  } catch {
    return new Map(); // missing or corrupt: rebuilt by the next spawn
  }
}

function writeCache(file: string, cache: Map<string, string | null>): void {
  while (cache.size > MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  const tmp = `${file}.${randomUUID()}.tmp`;
  try {
    mkdirState(dirname(file));
    writeFileSync(tmp, sealJson({ format: CACHE_FORMAT, entries: Object.fromEntries(cache) }));
    shareState(tmp);
    renameSync(tmp, file); // atomic: concurrent loggers may lose an entry, never corrupt the file
  } catch {
    // An unwritable cache (read-only repo) only costs a spawn next time.
    rmSync(tmp, { force: true });
  }
}
