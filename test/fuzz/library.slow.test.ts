/**
 * The library against hostile and random input: the filter language, value parsing, params
 * files, manifests read back, and `logRun` itself. Only GitTrackError ever comes out (never a
 * RangeError from a stack overflow or a TypeError), each case within a time bound, and a
 * refused run leaves the branch as it was.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitTrackError } from '../../src/errors.js';
import { decodeManifest } from '../../src/manifest/codec.js';
import { parseAssignment, parseMetricAssignment, flattenValues, readValuesFile, toMetrics } from '../../src/manifest/values.js';
import { parseFilter } from '../../src/query/parse.js';
import { queryRuns } from '../../src/query/query-runs.js';
import { logRun } from '../../src/runs/log-run.js';
import { runsTip } from '../../src/runs/read-runs.js';
import { makeRuns } from '../helpers/runs.js';
import { tempDir } from '../helpers/repo.js';
import { mutate } from '../manifest/fuzz.js';
import { rng } from '../manifest/random.js';
import { randomFileText, randomFilter, randomParamArg } from './fuzz-cases.js';

const SEED = Number(process.env.FUZZ_SEED ?? 16);

/** Runs `f`; anything thrown must be a GitTrackError, and it must return within `ms`. */
function contained<T>(what: string, ms: number, f: () => T): T | GitTrackError {
  const start = performance.now();
  let out: T | GitTrackError;
  try {
    out = f();
  } catch (err) {
    if (!(err instanceof GitTrackError)) expect.fail(`seed ${SEED}: ${what.slice(0, 200)}: threw ${String(err).slice(0, 300)}`);
    expect(err.message, what.slice(0, 200)).not.toMatch(/\n/);
    expect(err.message.length, what.slice(0, 200)).toBeLessThan(1500);
    out = err;
  }
  expect(performance.now() - start, `seed ${SEED}: ${what.slice(0, 200)}`).toBeLessThan(ms);
  return out;
}

describe(`fuzz: the library (seed ${SEED})`, () => {
  it('filters: parsed, refused or evaluated over real runs, never a crash, never slow', async () => {
    const { ctx } = await makeRuns(6, (i) => ({
      name: `run-${i}`,
      params: { model: ['xgb', 'rf', 'a'.repeat(5000), `${'1'.repeat(5000)}x`][i % 4]!, depth: i, layers: [i, 2] },
      metrics: { f1: i / 10 },
      tags: { team: i % 2 ? 'growth' : 'risk' },
    }));
    const r = rng(SEED);
    let parsed = 0;
    for (let i = 0; i < 1500; i++) {
      const text = randomFilter(r);
      const expr = contained(text, 2000, () => parseFilter(text));
      if (expr instanceof GitTrackError) continue;
      parsed++;
      // Six runs, two holding 5,000-character values: a backtracking LIKE or number test needs minutes here.
      contained(text, 2000, () => queryRuns(ctx, { filter: expr }));
    }
    expect(parsed).toBeGreaterThan(100);
  });

  it('values and files: refused with GitTrackError or read', () => {
    const r = rng(SEED + 1);
    for (let i = 0; i < 3000; i++) {
      const arg = randomParamArg(r);
      contained(arg, 1000, () => parseAssignment(arg, '-p'));
      contained(arg, 1000, () => parseMetricAssignment(arg, '-m'));
    }
    const dir = tempDir();
    for (let i = 0; i < 300; i++) {
      const json = r() < 0.5;
      const path = join(dir, `f${i}.${json ? 'json' : 'yaml'}`);
      writeFileSync(path, randomFileText(r, json));
      contained(path, 3000, () => toMetrics(flattenValues(readValuesFile(path), path), path));
    }
  });

  it('manifests read back: mutated, deep, huge, odd bytes', async () => {
    const { ctx } = await makeRuns(0, () => ({}));
    const { yaml: base, manifest } = await logRun(
      ctx,
      { code: { commit: null, branch: null, dirty: false }, params: { max_depth: 8, model: 'xgb', layers: [64, 32] }, metrics: { f1: 0.842 }, tags: { team: 'growth' } },
      { dryRun: true },
    );
    expect(decodeManifest(base).id).toBe(manifest.id);
    const r = rng(SEED + 2);
    const hostile = [
      base.replace('params:\n', `params:\n  deep: ${'['.repeat(10000)}${']'.repeat(10000)}\n`),
      base.replace('params:', `params:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')} 1\nx:`),
      base.replace('f1: 0.842', 'f1: 9007199254740993'),
      base.replace('max_depth: 8', `max_depth: ${'9'.repeat(400)}`),
      base + `note: "${'x'.repeat(2 * 1024 * 1024)}"\n`,
      `a: &a [${Array(50).fill('x').join(',')}]\nb: &b [${Array(50).fill('*a').join(',')}]\nc: &c [${Array(50).fill('*b').join(',')}]\nd: [${Array(50).fill('*c').join(',')}]\n`,
      Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a]).toString('latin1') + base,
      base.replace(`id: ${manifest.id}`, 'id: ../../../etc'),
    ];
    for (const text of hostile) contained(text, 5000, () => decodeManifest(text, 'run.yaml'));
    for (let i = 0; i < 2000; i++) {
      const text = mutate(r, base);
      contained(text, 1000, () => decodeManifest(text, 'run.yaml'));
    }
  });

  it('logRun refuses oversized values at once and leaves the branch as it was', async () => {
    const { ctx } = await makeRuns(1, () => ({ params: { a: 1 } }));
    const before = runsTip(ctx);
    const code = { commit: null, branch: null, dirty: false } as const;
    const cases = [
      { params: { big: 'x'.repeat(50 * 1024 * 1024) } },
      { params: { list: Array(100_000).fill('abc') } },
      { tags: { t: 'y'.repeat(1_000_000) } },
      { note: 'n'.repeat(100_000) },
      { params: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`p${i}`, 'v'.repeat(5000)])) },
    ];
    for (const input of cases) {
      const start = performance.now();
      const err = await logRun(ctx, { code, ...input }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GitTrackError);
      expect((err as GitTrackError).code).toBe('BAD_INPUT');
      expect((err as GitTrackError).message).toMatch(/\(MAX_[A-Z_]+\)/);
      expect(performance.now() - start).toBeLessThan(5000);
      expect(runsTip(ctx)).toBe(before);
    }
  });
});
