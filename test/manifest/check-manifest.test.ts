// The zod-free manifest check of `git-track log` against the zod schema it stands in for:
// every valid and invalid manifest below must get the same verdict from both, the same value
// back when valid, and the same first issue path when not (the path decides which field the
// error names). A change to the zod schema that the check does not follow fails here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../helpers/errors.js';
import { decodeManifest } from '../../src/manifest/codec.js';
import { CHECKED_FIELDS, checkManifest, validateManifestQuickly } from '../../src/manifest/check-manifest.js';
import { artifactSchema, authorSchema, codeSchema, dataEntrySchema, envSchema, runManifestSchema, submoduleSchema, validateManifest } from '../../src/manifest/schema.js';
import { GitTrackError } from '../../src/errors.js';
import { pick, randomManifest, rng, type Rng } from './random.js';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'manifests');
const full = decodeManifest(readFileSync(resolve(FIXTURES, 'valid', 'full.yaml'), 'utf8'));

/** A manifest with every optional field present, so every field of the schema gets mutated. */
const everything: Record<string, any> = {
  ...structuredClone(full),
  parent: 'aaaaaaaaaaaa',
  submodules: [
    { path: 'vendor/lib', commit: '1'.repeat(40), dirty: false },
    { path: 'vendor/two', commit: '2'.repeat(64), dirty: true, changes_in_snapshot: false },
  ],
  source: { kind: 'record', file: 'runs/record.json' },
};
everything.data.push({ kind: 'version', label: 'v2' }, { path: 'data/dir', kind: 'dir', sha256: 'c'.repeat(64), size: 0, files: 0 });
everything.artifacts.push({ path: 'gone.bin', kind: 'file', sha256: null, size: null });
everything.env.packages = 'numpy 1.24.2';

/** What the two checks make of `value`, as one comparable line (with the value's description on a mismatch). */
function compare(value: unknown): { same: boolean; detail: string } {
  const z = runManifestSchema.safeParse(value);
  const c = checkManifest(value);
  if (z.success !== c.ok) return { same: false, detail: `zod ${z.success ? 'accepts' : `refuses at ${String(z.error!.issues[0]!.path.map(String))}`}, check ${c.ok ? 'accepts' : `refuses at ${String(c.path.map(String))}`}` };
  if (z.success && c.ok) {
    const same = shape(z.data) === shape(c.manifest);
    return { same, detail: same ? '' : `outputs differ: ${shape(z.data)} vs ${shape(c.manifest)}` };
  }
  const zodPath = z.error!.issues[0]!.path;
  const path = (c as { path: PropertyKey[] }).path;
  const same = zodPath.length === path.length && zodPath.every((k, i) => Object.is(k, path[i]));
  return { same, detail: same ? '' : `first issue at ${String(zodPath.map(String))} (zod) vs ${String(path.map(String))} (check)` };
}

/** Values with key order, undefined fields, -0 and prototypes made visible. */
function shape(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? String(v);
  if (Array.isArray(v)) return `[${v.map(shape).join(',')}]`;
  const proto = Object.getPrototypeOf(v) === Object.prototype ? '' : '<proto>';
  return `${proto}{${Reflect.ownKeys(v).map((k) => `${String(k)}:${shape((v as Record<PropertyKey, unknown>)[k])}`).join(',')}}`;
}

function expectAllSame(cases: [label: string, value: unknown][]): void {
  const bad = cases.map(([label, value]) => ({ label, ...compare(value) })).filter((r) => !r.same);
  expect(bad.slice(0, 10).map((b) => `${b.label}: ${b.detail}`)).toEqual([]);
}

/** Every path inside `value` that leads to an object, a list or a value. */
function paths(value: unknown, at: PropertyKey[] = []): PropertyKey[][] {
  const out: PropertyKey[][] = [at];
  const plain = value !== null && typeof value === 'object' && (Array.isArray(value) || [Object.prototype, null].includes(Object.getPrototypeOf(value)));
  if (plain) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, Array.isArray(value) ? Number(k) : k]));
  return out;
}

/** A deep copy keeping holes, prototypes and symbol keys (structuredClone refuses symbols and functions). */
function clone(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const copy: any = Array.isArray(v) ? new Array(v.length) : Object.create(Object.getPrototypeOf(v));
  for (const k of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, k)!;
    if (Array.isArray(v) && k === 'length') continue;
    Object.defineProperty(copy, k, 'value' in d ? { ...d, value: clone(d.value) } : d);
  }
  return copy;
}

function withValue(base: unknown, path: PropertyKey[], value: unknown, op: 'set' | 'delete' = 'set'): unknown {
  if (path.length === 0) return value;
  const copy = clone(base) as Record<PropertyKey, any>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k];
  if (op === 'delete') delete cur[path.at(-1)!];
  else cur[path.at(-1)!] = value;
  return copy;
}

const hex = (n: number, c = 'a') => c.repeat(n);
/** The edges of every rule in the schema, and values of every other type. */
const VALUES: unknown[] = [
  undefined, null, true, false, 0, -0, 1, -1, 1.5, -0.5, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), NaN, Infinity, -Infinity, 1e308,
  '', ' ', 'x', 'a\nb', 'a\rb', 'a\tb', 'a\u2028b', 'a\u0085b', 'a\u007fb', '\ud800', '🚀', 'Ada <x>', 'a>b',
  'a'.repeat(199), 'a'.repeat(200), 'a'.repeat(201), 'a'.repeat(255), 'a'.repeat(256), 'a'.repeat(257), 'a'.repeat(2048), 'a'.repeat(2049), 'a'.repeat(4096), 'a'.repeat(4097),
  hex(11), hex(12), hex(13), hex(12, 'A'), hex(12, 'g'), hex(39), hex(40), hex(41), hex(40, 'F'), hex(63), hex(64), hex(65), hex(64, 'G'),
  '2026-05-30T10:15:02Z', '2026-05-30T10:15:02.123Z', '2026-05-30T10:15:02.12Z', '2026-02-30T00:00:00Z', '2028-02-29T00:00:00Z', '2026-05-30T24:00:00Z', '2026-05-30 10:15:02Z', '2026-05-30T10:15:02+02:00',
  'https://u:tok@host/x', 'https://tok@github.com/a/b', 'git@github.com:a/b.git', 'user:TOKEN@host:path', 'ssh://git@h/x', 'https://github.com/a/b',
  '../x', '/abs', 'a/./b', 'a\\b', 'a//b', 'a/', '.', 'ok/path.bin',
  'file', 'dir', 'version', 'record', 'mlflow', 'finished', 'failed', 'killed', 'FINISHED', 'git-track/run@1', 'git-track/run@2',
  [], [1], ['x'], ['x', 'x'], [[1]], [null], [1, 'a', true, null], [1, NaN], [{}], [undefined], {}, { a: 1 }, { kind: 'version', label: 'v' },
  Object.create(null), new Date(0), new Map(), new String('x'), Symbol('s'), () => 1,
];
/** Keys for params, metrics and tags: valid names, and every way a name can be invalid. */
const KEYS = ['a b', 'a=b', 'a..b', '.a', 'a.', '', 'x'.repeat(256), 'x'.repeat(257), '\ud800', 'a\ud800b', '🚀', 'ü', '1', '0', '007', 'constructor', 'toString', 'a\u0085', 'a\ufffe', 'model.depth', 'val/acc@5'];

describe('the zod-free manifest check', () => {
  it('knows exactly the fields of each object of the zod schema, in its order', () => {
    const [hashed, declared] = dataEntrySchema.options;
    expect(CHECKED_FIELDS).toEqual({
      manifest: Object.keys(runManifestSchema.shape),
      author: Object.keys(authorSchema.shape),
      code: Object.keys(codeSchema.shape),
      submodule: Object.keys(submoduleSchema.shape),
      hashedData: Object.keys(hashed.shape),
      declaredData: Object.keys(declared.shape),
      artifact: Object.keys(artifactSchema.shape),
      env: Object.keys(envSchema.shape),
      source: Object.keys(runManifestSchema.shape.source.unwrap().shape),
    });
  });

  it('accepts every valid fixture and the manifest with every field, returning what zod returns', () => {
    const valid = ['design-sketch', 'full', 'imported-record', 'minimal', 'nested-child', 'no-commits', 'sha256-commit', 'tricky-values'];
    const cases: [string, unknown][] = valid.map((n) => [n, decodeManifest(readFileSync(resolve(FIXTURES, 'valid', `${n}.yaml`), 'utf8'))]);
    cases.push(['everything', everything]);
    for (const [, v] of cases) expect(checkManifest(v).ok).toBe(true);
    expectAllSame(cases);
  });

  it('agrees with zod on every edge value at every field', () => {
    const cases: [string, unknown][] = [];
    for (const path of paths(everything)) {
      const where = path.map(String).join('.');
      cases.push([`delete ${where}`, withValue(everything, path, undefined, 'delete')]);
      for (const [i, v] of VALUES.entries()) cases.push([`${where} = VALUES[${i}]`, withValue(everything, path, v)]);
    }
    expect(cases.length).toBeGreaterThan(10_000);
    expectAllSame(cases);
  });

  it('agrees on names: every way a param, metric, tag or series name can be wrong', () => {
    const cases: [string, unknown][] = [];
    for (const map of ['params', 'metrics', 'tags'] as const) {
      for (const key of KEYS) {
        for (const value of [1, 'x', NaN, [1]]) cases.push([`${map}[${key}] = ${String(value)}`, withValue(everything, [map, key], value)]);
      }
      const m = structuredClone(everything);
      Object.defineProperty(m[map], 'hidden', { value: 'not enumerable', enumerable: false });
      cases.push([`${map} with a non-enumerable key`, m]);
      const s = structuredClone(everything);
      s[map][Symbol('k')] = 1;
      cases.push([`${map} with a symbol key`, s]);
      cases.push([`${map} with __proto__`, { ...everything, [map]: JSON.parse(`{"__proto__": 1, "a": ${map === 'tags' ? '"x"' : 1}}`) }]);
      cases.push([`${map} without a prototype`, { ...everything, [map]: Object.assign(Object.create(null), { a: map === 'tags' ? 'x' : 1 }) }]);
      cases.push([`${map} as a class instance`, { ...everything, [map]: new (class Box {})() }]);
    }
    for (const key of KEYS) cases.push([`series ${key}`, { ...everything, series: ['loss', key] }]);
    expectAllSame(cases);
  });

  it('agrees on unknown, inherited and __proto__ fields of every object, and on the rules across fields', () => {
    const cases: [string, unknown][] = [];
    for (const path of paths(everything)) {
      const at = path.reduce<any>((o, k) => o[k], everything);
      if (at === null || typeof at !== 'object' || Array.isArray(at)) continue;
      const where = path.map(String).join('.') || 'top';
      cases.push([`${where} + unknown`, withValue(everything, path, { ...at, extra: 1 })]);
      cases.push([`${where} + unknown first`, withValue(everything, path, { extra: 1, ...at })]);
      cases.push([`${where} inherited`, withValue(everything, path, Object.assign(Object.create({ inherited: 1 }), at))]);
      cases.push([`${where} fields inherited`, withValue(everything, path, Object.create(at))]);
      cases.push([`${where} + __proto__`, withValue(everything, path, Object.assign(JSON.parse('{"__proto__": 1}'), at))]);
    }
    const rule = (label: string, mutate: (m: Record<string, any>) => void) => {
      const m = structuredClone(everything);
      mutate(m);
      cases.push([label, m]);
    };
    rule('snapshot of a clean tree', (m) => (m.code.dirty = false));
    rule('snapshot of a clean tree and a bad remote', (m) => ((m.code.dirty = false), (m.code.remote = 'https://u:p@h/x')));
    rule('snapshot undefined on a clean tree', (m) => ((m.code.dirty = false), (m.code.snapshot = undefined)));
    rule('submodule dirty without the flag', (m) => delete m.submodules[1].changes_in_snapshot);
    rule('submodule clean with the flag', (m) => (m.submodules[0].changes_in_snapshot = false));
    rule('submodule flag true', (m) => (m.submodules[1].changes_in_snapshot = true));
    rule('duplicate submodule', (m) => m.submodules.push({ ...m.submodules[0] }));
    rule('files on a file', (m) => (m.data[0].files = 1));
    rule('files on a file artifact and a bad size', (m) => ((m.artifacts[0].files = 1), (m.artifacts[0].size = null)));
    rule('size without sha', (m) => (m.artifacts[0].sha256 = null));
    rule('sha without size', (m) => (m.artifacts[0].size = null));
    rule('duplicate data path', (m) => m.data.push({ ...m.data[0] }));
    rule('duplicate data version', (m) => m.data.push({ kind: 'version', label: 'v2' }));
    rule('data version with the path of a file', (m) => m.data.push({ kind: 'version', label: 'v3', path: 'data/train.csv' }));
    rule('duplicate artifact', (m) => m.artifacts.push({ ...m.artifacts[1] }));
    rule('duplicate artifact and a bad one', (m) => m.artifacts.push({ ...m.artifacts[1] }, { path: '../x' }));
    rule('duplicate series', (m) => (m.series = ['a', 'b', 'a']));
    rule('parent is the run', (m) => (m.parent = m.id));
    rule('parent is the run and an unknown field', (m) => ((m.parent = m.id), (m.extra = 1)));
    rule('a sparse list', (m) => (m.data = [, m.data[0]]));
    rule('kind inherited', (m) => (m.data[0] = Object.assign(Object.create({ kind: 'file' }), { ...m.data[0], kind: undefined })));
    rule('an array top level', (m) => Object.setPrototypeOf(m, Array.prototype));
    expectAllSame(cases);
  });

  it('agrees on random manifests and random damage to them (seeded)', () => {
    const r: Rng = rng(20261125);
    const cases: [string, unknown][] = [];
    for (let i = 0; i < 3000; i++) {
      let m: unknown = randomManifest(r);
      cases.push([`random ${i}`, m]);
      const n = 1 + Math.floor(r() * 3);
      for (let j = 0; j < n; j++) {
        const path = pick(r, paths(m));
        m = r() < 0.15 ? withValue(m, path, undefined, 'delete') : withValue(m, path, pick(r, VALUES));
      }
      cases.push([`random ${i} damaged`, m]);
    }
    expectAllSame(cases);
  });

  it('throws exactly the error validateManifest throws, and zod loads only to word it', async () => {
    for (const mutate of [(m: any) => (m.metrics.f1 = NaN), (m: any) => (m.code.remote = 'https://u:tok@h/x'), (m: any) => (m.extra = 1), (m: any) => (m.data[0].kind = 'link')]) {
      const m = structuredClone(everything);
      mutate(m);
      const expected = errorOf(() => validateManifest(m, 'record.json', 'run record'));
      const got = await validateManifestQuickly(m, 'record.json', 'run record').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(got).toBeInstanceOf(GitTrackError);
      expect((got as GitTrackError).message).toBe(expected.message);
      expect((got as GitTrackError).code).toBe('INVALID_MANIFEST');
      expect((got as GitTrackError).data).toEqual(expected.data);
      expect((got as GitTrackError).message).not.toContain('tok');
    }
    await expect(validateManifestQuickly(structuredClone(everything))).resolves.toEqual(validateManifest(structuredClone(everything)));
  });
});
