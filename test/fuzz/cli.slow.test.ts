/**
 * The CLI against hostile and random input: every refusal is exit 1 or 2 with exactly one
 * `git-track: …` line on stderr, no stack trace, the `runs` branch unchanged, and each case
 * inside a time bound (generous for a loaded CI machine; the backtracking LIKE took 59 s and
 * the unbounded params read never ended). Seeded: a failure names its seed and case.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, git, makeRepo, testGitEnv } from '../helpers/repo.js';
import { rng } from '../manifest/random.js';
import { randomFileText, randomFilter, randomParamArg } from './fuzz-cases.js';

const SEED = Number(process.env.FUZZ_SEED ?? 16);
/** Per case. A case that backtracks or hangs blows through it by minutes. */
const CASE_MS = 20_000;

let dir: string;
const tip = () => git(dir, 'rev-parse', 'runs').trim();

beforeAll(() => {
  dir = makeRepo({ commit: true });
  for (const [m, d] of [['xgb', 4], ['rf', 8]] as const) {
    execFileSync(process.execPath, [BIN, 'log', '-p', `model=${m}`, '-p', `depth=${d}`, '-m', 'f1=0.5', '-t', 'team=growth'], { cwd: dir, env: testGitEnv() });
  }
});

interface Outcome {
  code: number;
  stderr: string;
  ms: number;
}

function run(args: string[]): Outcome {
  const start = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env: testGitEnv(), encoding: 'utf8', timeout: 4 * CASE_MS, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stderr: r.stderr ?? '', ms: Date.now() - start };
}

function describeCase(args: string[]): string {
  return JSON.stringify(args.map((a) => (a.length > 80 ? `${a.slice(0, 80)}…(${a.length})` : a)));
}

/** A refusal: exit 1 or 2, one line, no stack, nothing written, in time. */
function expectRefused(args: string[]): Outcome {
  const before = tip();
  const o = run(args);
  const what = `seed ${SEED}: ${describeCase(args)} → ${JSON.stringify(o.stderr.slice(0, 300))}`;
  expect([1, 2], what).toContain(o.code);
  expect(o.stderr, what).toMatch(/^git-track: [^\n]+\n$/);
  expect(o.stderr, what).not.toMatch(/unexpected error|\n\s+at |Maximum call stack/);
  expect(o.stderr.length, what).toBeLessThan(1500);
  expect(tip(), what).toBe(before);
  expect(o.ms, what).toBeLessThan(CASE_MS);
  return o;
}

/** Random input may be valid: then it succeeds; if not, it is refused as above. */
function expectHandled(args: string[]): void {
  const before = tip();
  const o = run(args);
  const what = `seed ${SEED}: ${describeCase(args)} → ${JSON.stringify(o.stderr.slice(0, 300))}`;
  expect(o.ms, what).toBeLessThan(CASE_MS);
  expect(o.stderr, what).not.toMatch(/unexpected error|\n\s+at |Maximum call stack/);
  if (o.code === 0) return;
  expect([1, 2], what).toContain(o.code);
  expect(o.stderr, what).toMatch(/^git-track: [^\n]+\n$/);
  expect(tip(), what).toBe(before);
}

describe(`fuzz: the CLI refuses hostile input cleanly (seed ${SEED})`, () => {
  it('the cases the reviews found', () => {
    writeFileSync(join(dir, 'deep.json'), `{"a":${'['.repeat(10000)}${']'.repeat(10000)}}`);
    writeFileSync(join(dir, 'deep.yaml'), `a:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`);
    writeFileSync(join(dir, 'keys.yaml'), Array.from({ length: 400_000 }, (_, i) => `k${i}: ${i}`).join('\n'));
    writeFileSync(join(dir, 'seed.json'), '{"seed": 9007199254740993}');
    writeFileSync(join(dir, 'rec.json'), `{"params": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
    mkdirSync(join(dir, 'adir'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    // Valid, and answered at once.
    expectHandled(['list', '--filter', `params.model LIKE '${'%'.repeat(2000)}x'`]);
    expectHandled(['list', '--filter', `params.model ILIKE '${'%_'.repeat(2400)}x'`]);
    const cases: string[][] = [
      ['list', '--filter', `${'('.repeat(10000)}name = 'a'${')'.repeat(10000)}`],
      ['list', '--filter', `${'('.repeat(3000)}name = 'a'${')'.repeat(3000)}`],
      ['list', '--filter', `${'NOT '.repeat(10000)}name = 'a'`],
      ['list', '--filter', `${'NOT '.repeat(2000)}name = 'a'`],
      ['log', '--params', '/dev/zero'],
      ['log', '--metrics', '/dev/urandom'],
      ['log', '--params', 'fifo'],
      ['log', '--from', 'fifo'],
      ['log', '--series', 'fifo'],
      ['log', '--params', 'adir'],
      ['log', '--params', 'keys.yaml'],
      ['log', '--params', 'deep.json'],
      ['log', '--params', 'deep.yaml'],
      ['log', '--from', 'deep.json'],
      ['log', '--from', 'rec.json'],
      ['log', '--params', 'seed.json'],
      ['log', '-p', 'k=9007199254740993'],
      ['log', '-p', 'k=[9007199254740993]'],
      ['log', '-m', 'k=-9007199254740993'],
      ['log', '-p', `big=${'x'.repeat(100_000)}`],
      ['log', '-t', `t=${'x'.repeat(100_000)}`],
      ['log', '--note', 'x'.repeat(100_000)],
      ['log', '-p', `bad\nname=1`],
      ['log', '-p', `${'k'.repeat(100_000)} x=1`],
      ['run', '--params', '/dev/zero', '--', 'true'],
      ['run', '-p', `big=${'x'.repeat(7000)}`, '--', 'true'],
      ['show', `nope\n${'x'.repeat(50_000)}`],
      ['list', '--sort', `\u0001${'y'.repeat(50_000)}`],
    ];
    for (const args of cases) expectRefused(args);
  });

  it('random filters', () => {
    const r = rng(SEED);
    for (let i = 0; i < 30; i++) expectHandled(['list', '--filter', randomFilter(r), '--format', 'json']);
  });

  it('random values and files', () => {
    const r = rng(SEED + 1);
    for (let i = 0; i < 20; i++) expectHandled(['log', '--dry-run', '-p', randomParamArg(r)]);
    for (let i = 0; i < 20; i++) {
      const json = r() < 0.5;
      const name = `f${i}.${json ? 'json' : 'yaml'}`;
      writeFileSync(join(dir, name), randomFileText(r, json));
      const flag = json && r() < 0.3 ? '--from' : r() < 0.5 ? '--metrics' : '--params';
      expectHandled(['log', '--dry-run', flag, name]);
    }
  });
});
