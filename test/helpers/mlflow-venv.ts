/**
 * The real MLflow, for tests that check we agree with it: cached Python venvs with the versions
 * pinned in test/requirements/.
 *
 * - `client`: mlflow-skinny (the tracking client) over Debian's /usr/bin/python3 with
 *   `--system-site-packages`, so the python3-sklearn that .ci/run installs is importable too.
 * - `server`: the full mlflow package, for `mlflow server` (SQLite backend), isolated from
 *   Debian's packages (Debian's older SQLAlchemy breaks mlflow's SQL store).
 *
 * Each venv is built once per requirements file (its content hash names the directory) under
 * `.cache/test-tools/` (gitignored), under a file lock so parallel test files wait for one
 * install instead of racing. A venv is complete only once its marker file is written; an
 * interrupted install is removed and redone by the next caller.
 *
 * No network is a test failure with a message saying so, never a silent skip: set
 * GIT_TRACK_SKIP_MLFLOW=1 to skip these tests on purpose on an offline machine (they warn).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CACHE = join(ROOT, '.cache', 'test-tools');
const SYSTEM_PYTHON = '/usr/bin/python3';

/** Which venv: the tracking client (mlflow-skinny) or the full package with `mlflow server`. */
export type MlflowVenvKind = 'client' | 'server';

const REQUIREMENTS: Record<MlflowVenvKind, string> = {
  client: join(ROOT, 'test', 'requirements', 'mlflow-skinny.txt'),
  server: join(ROOT, 'test', 'requirements', 'mlflow-server.txt'),
};

/**
 * Why the MLflow tests are skipped, or undefined when they run. Only an explicit
 * GIT_TRACK_SKIP_MLFLOW=1 skips (and says so); everything else runs and fails loudly.
 *
 * @example
 * describe.skipIf(mlflowSkipReason())('import from the real MLflow', () => { ... });
 */
export function mlflowSkipReason(): string | undefined {
  if (process.env.GIT_TRACK_SKIP_MLFLOW !== '1') return undefined;
  const reason = 'GIT_TRACK_SKIP_MLFLOW=1: the tests against the real MLflow are skipped';
  console.warn(reason);
  return reason;
}

/**
 * The python of a venv with MLflow installed (built on first use, then reused). Throws an Error
 * whose message says what is missing (no venv module, no network to PyPI) when it cannot.
 * Synchronous and slow the first time (minutes for `server`): call it in `beforeAll` with a
 * long timeout.
 *
 * @example
 * let python: string;
 * beforeAll(() => { python = mlflowPython('client'); }, 600_000);
 */
export function mlflowPython(kind: MlflowVenvKind = 'client'): string {
  const requirements = REQUIREMENTS[kind];
  const pins = readFileSync(requirements, 'utf8');
  const systemSite = kind === 'client' ? '--system-site-packages' : '';
  const key = createHash('sha256').update(`${SYSTEM_PYTHON}\n${kind}\n${systemSite}\n${pins}`).digest('hex').slice(0, 12);
  const dir = join(CACHE, `mlflow-${kind}-${key}`);
  const python = join(dir, 'bin', 'python');
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return python;
  if (!existsSync(SYSTEM_PYTHON)) throw new Error(`mlflow-venv: ${SYSTEM_PYTHON} is missing (apt-get install python3 python3-venv)`);
  mkdirSync(CACHE, { recursive: true });
  // flock(1) holds the lock for the whole install and drops it if the process dies.
  const script = [
    'set -e',
    '[ -f "$VENV/.complete" ] && exit 0',
    'rm -rf "$VENV"',
    '"$SYSTEM_PYTHON" -m venv $SYSTEM_SITE "$VENV"',
    '"$VENV/bin/python" -m pip install --disable-pip-version-check -q --retries 2 --timeout 30 -r "$REQS"',
    'touch "$VENV/.complete"',
  ].join('\n');
  const r = spawnSync('flock', [join(CACHE, `mlflow-${kind}.lock`), 'sh', '-c', script], {
    encoding: 'utf8',
    env: { ...process.env, VENV: dir, SYSTEM_PYTHON, SYSTEM_SITE: systemSite, REQS: requirements, PIP_NO_INPUT: '1' },
    timeout: 1_200_000,
  });
  if (r.status === 0 && existsSync(marker)) return python;
  const output = `${r.stderr ?? ''}\n${r.stdout ?? ''}`;
  const last = output.trim().split('\n').filter((l) => l.trim()).slice(-3).join(' | ') || String(r.error ?? `exit ${r.status}`);
  const offline = /NewConnectionError|Temporary failure in name resolution|Network is unreachable|No matching distribution|ConnectTimeout|ProxyError/.test(output);
  if (/No module named (venv|ensurepip)|ensurepip is not available/.test(output)) {
    throw new Error(`mlflow-venv: ${SYSTEM_PYTHON} cannot make venvs (apt-get install python3-venv): ${last}`);
  }
  throw new Error(
    `mlflow-venv: cannot install ${requirements.slice(ROOT.length + 1)} into ${dir.slice(ROOT.length + 1)}` +
      `${offline ? ' (no network to PyPI?)' : ''}: ${last}. These tests need the real MLflow; ` +
      'set GIT_TRACK_SKIP_MLFLOW=1 to skip them on purpose offline.',
  );
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that cannot take port 0). */
export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A running `mlflow server`: its URL, and `stop()` to end it (and its workers). */
export interface MlflowServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Start the real `mlflow server` (full mlflow from the `server` venv) with a SQLite backend and
 * the artifact proxy rooted in `dir` (or, with `serveArtifacts: false`, a local artifact root
 * clients write to themselves), on 127.0.0.1 and a free port; resolves once it answers
 * `/health`. Retries on another port if the one it picked was taken meanwhile.
 *
 * @example
 * const server = await startMlflowServer(tempDir());
 * try { ... server.url ... } finally { await server.stop(); }
 */
export async function startMlflowServer(
  dir: string,
  options: { timeoutMs?: number; workers?: number; serveArtifacts?: boolean; artifactsDestination?: string; defaultArtifactRoot?: string; env?: Record<string, string> } = {},
): Promise<MlflowServer> {
  const python = mlflowPython('server');
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      python,
      [
        '-m', 'mlflow', 'server',
        '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`,
        // Without the proxy, clients write artifacts straight into a local folder (file: URIs).
        // (An s3:// root or destination needs boto3, in the server venv, and AWS_* / MLFLOW_S3_ENDPOINT_URL in `env`.)
        ...(options.serveArtifacts === false
          ? ['--no-serve-artifacts', '--default-artifact-root', options.defaultArtifactRoot ?? `file://${join(dir, 'mlartifacts')}`]
          : ['--artifacts-destination', options.artifactsDestination ?? join(dir, 'mlartifacts')]),
        '--host', '127.0.0.1', '--port', String(port),
        '--workers', String(options.workers ?? 1),
      ],
      // A process group of its own, so stop() also ends gunicorn's workers.
      { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MLFLOW_TRACKING_URI: '', ...options.env } },
    );
    let output = '';
    child.stdout?.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
    child.stderr?.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
    const url = `http://127.0.0.1:${port}`;
    const stop = async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5_000);
      await exited;
      clearTimeout(timer);
    };
    const deadline = Date.now() + (options.timeoutMs ?? 90_000);
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        const response = await fetch(`${url}/health`);
        if (response.ok) return { url, process: child, stop };
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 250));
    }
    await stop();
    lastError = output.trim().split('\n').slice(-5).join(' | ');
  }
  throw new Error(`mlflow-venv: mlflow server did not start: ${lastError}`);
}
