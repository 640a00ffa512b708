/**
 * `git-track server` for tests: the built binary in a test repository, on 127.0.0.1 and a port
 * the OS picks; resolves once it prints its URL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect } from 'vitest';
import { BIN, testGitEnv } from '../helpers/repo.js';
import { mlflowPython, mlflowSkipReason } from '../helpers/mlflow-venv.js';

export interface TestServer {
  url: string;
  process: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then wait for the exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

export async function startGitTrackServer(dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<TestServer> {
  const child = spawn(process.execPath, [BIN, 'server', '--port', '0', ...args], { cwd: dir, env: testGitEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout!.on('data', () => {});
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`git-track server did not start: ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /API on (http:\/\/\S+?)[\s(]/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`git-track server exited (${code}): ${err}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url,
    process: child,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** POST (or GET with query fields) to `/api/2.0/mlflow/<endpoint>`; returns status and JSON. */
export async function api(url: string, endpoint: string, body?: Record<string, unknown>, options: { method?: 'GET' | 'POST'; headers?: Record<string, string> } = {}): Promise<{ status: number; json: any }> {
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  let target = `${url}/api/2.0/mlflow/${endpoint}`;
  if (method === 'GET' && body) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
    target += `?${q}`;
  }
  const res = await fetch(target, {
    method,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/**
 * What the tests of `git-track server` through the real MLflow client share: the pinned
 * client's Python (set up once, before the tests) and the server a test starts (`t.server`),
 * stopped after it.
 *
 * @example
 * const t = mlflowClientTests();
 * t.server = await startGitTrackServer(dir);
 * const out = t.runPython(dir, t.server.url, 'import json; print(json.dumps(1))');
 */
export function mlflowClientTests(): {
  server: TestServer | undefined;
  /** The client's Python, once set up. */
  readonly python: string;
  runPython(dir: string, url: string, script: string, options?: { env?: Record<string, string>; input?: unknown }): any;
} {
  let python = '';
  const t = {
    server: undefined as TestServer | undefined,
    get python() {
      return python;
    },
    /** Run a Python script with the MLflow client against `url`; its last stdout line is JSON. */
    runPython(dir: string, url: string, script: string, options: { env?: Record<string, string>; input?: unknown } = {}): any {
      const file = join(dir, `script-${Math.random().toString(36).slice(2)}.py`);
      writeFileSync(file, script);
      const r = spawnSync(python, [file], {
        cwd: dir,
        encoding: 'utf8',
        ...(options.input === undefined ? {} : { input: JSON.stringify(options.input) }),
        timeout: 300_000,
        env: { ...process.env, MLFLOW_TRACKING_URI: url, GIT_PYTHON_REFRESH: 'quiet', PYTHONIOENCODING: 'utf-8', ...options.env },
      });
      expect(r.status, `${r.stderr}\n${r.stdout}`).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop()!);
    },
  };
  beforeAll(() => {
    if (!mlflowSkipReason()) python = mlflowPython('client');
  }, 1_200_000);
  afterEach(async () => {
    await t.server?.stop();
    t.server = undefined;
  });
  return t;
}

