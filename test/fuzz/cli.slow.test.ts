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
import { BIN, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';
import { mutate } from '../manifest/fuzz.js';
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

  it('crafted manifests on the branch: list, show and verify answer without a crash', () => {
    const r = rng(SEED + 2);
    const good = git(dir, 'show', `runs:${git(dir, 'ls-tree', '-r', '--name-only', 'runs').split('\n').find((p) => p.endsWith('run.yaml'))}`);
    const id = (n: number) => `fe${n.toString(16).padStart(10, '0')}`;
    const texts = [
      good.replace(/^params:\n/m, `params:\n  deep: ${'['.repeat(10000)}${']'.repeat(10000)}\n`),
      good.replace(/^params:\n/m, `params:\n  seed: 9007199254740993\n`),
      good.replace(/^params:\n/m, `params:\n  many: ${'*a '.repeat(10)}\n`),
      `${good}note: "${'x'.repeat(2 * 1024 * 1024)}"\n`,
      `a: &a [${Array(40).fill('x').join(',')}]\nb: &b [${Array(40).fill('*a').join(',')}]\nc: [${Array(40).fill('*b').join(',')}]\n`,
      '\u0000\u0001binary\n',
      ...Array.from({ length: 6 }, () => mutate(r, good)),
    ];
    // Written with git's plumbing, as a teammate's push could: one commit holding every run.
    const index = join(tempDir(), 'index');
    const env = { ...testGitEnv(), GIT_INDEX_FILE: index };
    execFileSync('git', ['read-tree', 'runs'], { cwd: dir, env });
    texts.forEach((text, n) => {
      const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, env, input: text }).toString().trim();
      const path = `runs/${id(n).slice(0, 2)}/${id(n)}/run.yaml`;
      execFileSync('git', ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { cwd: dir, env });
    });
    const tree = execFileSync('git', ['write-tree'], { cwd: dir, env }).toString().trim();
    const commit = execFileSync('git', ['commit-tree', tree, '-p', 'runs', '-m', 'crafted'], { cwd: dir, env }).toString().trim();
    git(dir, 'update-ref', 'refs/heads/runs', commit);
    for (const args of [['list'], ['list', '--json'], ['list', '--filter', "params.seed > 0 OR params.deep = 1"], ['show', id(1)], ['show', id(3)], ['verify']]) {
      const o = run(args);
      const what = `seed ${SEED}: ${args.join(' ')} → ${JSON.stringify(o.stderr.slice(0, 500))}`;
      if (process.env.FUZZ_VERBOSE) console.log(what, o.code, o.ms);
      expect(o.ms, what).toBeLessThan(CASE_MS);
      expect([0, 1], what).toContain(o.code);
      expect(o.stderr, what).not.toMatch(/unexpected error|\n\s+at |Maximum call stack/);
      for (const line of o.stderr.split('\n').filter(Boolean)) expect(line, what).toMatch(/^(git-track|warning): /);
    }
  });
});
