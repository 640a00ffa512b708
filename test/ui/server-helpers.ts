/**
 * The real `git-track ui` as a child process in a real repository, and plain HTTP to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { BIN, cli, makeRepo, testGitEnv } from '../helpers/repo.js';

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started.splice(0)) child.kill('SIGTERM');
});

export interface RunningUi {
  url: string;
  port: number;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

/**
 * Start `git-track ui ARGS…` in `dir` and wait for the URL it prints.
 *
 * @example
 * const ui = await startUi(dir, '--filter', 'metrics.f1 > 0.5');
 */
export function startUi(dir: string, ...args: string[]): Promise<RunningUi> {
  const child = spawn(process.execPath, [BIN, 'ui', ...args], { cwd: dir, env: testGitEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/\S+?:(\d+)\/)/.exec(out);
      if (m)
        resolve({
          url: m[1]!,
          port: Number(m[2]),
          child,
          stderr: () => err,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill('SIGINT');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`git-track ui exited ${code}: ${err}`)));
  });
}

/** GET a JSON answer of the API. */
export async function getJson(ui: RunningUi, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, ui.url));
  return { status: res.status, body: await res.json() };
}

/** A raw HTTP request with the Host header given (fetch does not let a caller set it). */
export function rawGet(port: number, path: string, host: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { Host: host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Log a run with the real binary; returns its id. */
export function logRun(dir: string, ...args: string[]): string {
  const r = cli(dir, 'log', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

/**
 * A repository with: `prep` (artifact clean.csv), `train` (reads clean.csv, artifact
 * model.bin, series loss/acc, dirty patch, experiment churn), `child` under train, `other`
 * (experiment ads), train promoted to production.
 */
export function dashboardRepo(): { dir: string; prep: string; train: string; child: string; other: string } {
  const dir = makeRepo({ commit: true });
  writeFileSync(join(dir, 'clean.csv'), 'a,b\n1,2\n');
  const prep = logRun(dir, '--name', 'prep', '-a', 'clean.csv:dataset', '--experiment', 'churn', '-m', 'rows=2');
  writeFileSync(join(dir, 'model.bin'), 'weights v1');
  const rows = ['step,loss,acc'];
  for (let s = 0; s < 500; s++) rows.push(`${s},${(1 / (s + 1)).toFixed(6)},${(s / 500).toFixed(6)}`);
  writeFileSync(join(dir, 'series.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'train.py'), 'print(2)\n');
  const train = logRun(dir, '--name', 'train', '-d', 'clean.csv', '-a', 'model.bin:model', '--series', 'series.csv', '--experiment', 'churn', '-p', 'lr=0.1', '-p', 'depth=4', '-m', 'f1=0.8', '-t', 'team=growth');
  const child = logRun(dir, '--name', 'child', '--parent', train, '--experiment', 'churn', '-p', 'lr=0.01', '-p', 'depth=4', '-m', 'f1=0.85');
  const other = logRun(dir, '--name', 'other', '--experiment', 'ads', '-p', 'lr=0.5', '-p', 'depth=4', '-m', 'f1=0.5');
  const promoted = cli(dir, 'promote', train, '--stage', 'production', '--reason', 'best so far');
  expect(promoted.code).toBe(0);
  return { dir, prep, train, child, other };
}
