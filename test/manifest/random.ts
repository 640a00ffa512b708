/** Seeded randomness for the property-style tests: failures reproduce from the seed. */
import type { RunManifest } from '../../src/manifest/schema.js';
import { seededRandom } from '../../src/seeded-random.js';

export type Rng = () => number;

/** mulberry32, the product's own seeded generator: tiny, fast, good enough to spread test inputs. */
export const rng: (seed: number) => Rng = seededRandom;

export const pick = <T>(r: Rng, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

/** Any finite double, uniformly over bit patterns (so tiny, huge and subnormal ones come up). */
export function randomDouble(r: Rng): number {
  const view = new DataView(new ArrayBuffer(8));
  for (;;) {
    view.setUint32(0, Math.floor(r() * 2 ** 32));
    view.setUint32(4, Math.floor(r() * 2 ** 32));
    const n = view.getFloat64(0);
    if (Number.isFinite(n)) return n;
  }
}

/** Numbers people actually log, plus the awkward ones. */
export function randomNumber(r: Rng): number {
  switch (Math.floor(r() * 6)) {
    case 0:
      return randomDouble(r);
    case 1:
      return Math.floor(r() * 1e6) - 5e5;
    case 2:
      return Math.round(r() * 1e4) / 1e4;
    case 3:
      return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    case 4:
      return pick(r, [0, -0, 1e21, -1e21, 5e-324, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, -(2 ** 53) - 2, 0.1 + 0.2, 1e-7]);
    default:
      return r() * 1000;
  }
}

// Pieces that stress quoting: YAML indicators, look-alikes of other types, separators,
// whitespace, escapes and non-ASCII (including an astral character and a lone surrogate).
const PIECES = [
  'a', 'Z', 'x1', '0', '7', '1e3', '.5', '-', '+', '.', ':', ': ', ' #', '#', ',', '[', ']', '{', '}',
  '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '?', ' ', '  ', '\t', '\n', '\r', '\\', '/', '=',
  'true', 'null', 'yes', 'No', '~', '0x1F', '0o7', '.inf', '.NaN', '2026-05-30', '12:30', '1_000',
  '---', '...', 'é', '☃', '🚀', '\u0085', '\u2028', '\ufeff', '\u0000', '\u007f', '\ud800',
];

export function randomString(r: Rng, maxPieces = 5): string {
  let s = '';
  const n = Math.floor(r() * (maxPieces + 1));
  for (let i = 0; i < n; i++) s += pick(r, PIECES);
  return s;
}

/** A random valid name (param, metric or tag key): dotted segments of printable non-space text. */
export function randomName(r: Rng): string {
  const segs = 1 + Math.floor(r() * 3);
  const parts: string[] = [];
  for (let i = 0; i < segs; i++) {
    let seg = randomString(r, 3).replace(/[\s.=\x00-\x1f\x7f-\x9f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
    if (seg === '') seg = pick(r, ['lr', 'f1', 'x', '007', 'true', '#', '-a', 'a:b', 'ü']);
    parts.push(seg);
  }
  return parts.join('.');
}

/** A random valid manifest, exercising every optional field and awkward values. */
export function randomManifest(r: Rng): RunManifest {
  const hex = (n: number) => Array.from({ length: n }, () => pick(r, [...'0123456789abcdef'])).join('');
  const maybe = <T>(v: T): T | undefined => (r() < 0.5 ? v : undefined);
  const scalar = () => pick(r, [() => randomNumber(r), () => randomString(r), () => r() < 0.5, () => null])();
  const record = <T>(n: number, value: () => T) => Object.fromEntries(Array.from({ length: n }, () => [randomName(r), value()]));
  const m: Record<string, unknown> = {
    format: 'git-track/run@1',
    id: hex(12),
    name: maybe(randomString(r).replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, '') || 'x'),
    status: pick(r, ['finished', 'failed', 'killed'] as const),
    created: new Date(Math.floor(r() * 4e12)).toISOString().replace(r() < 0.5 ? /\.\d{3}Z$/ : /$^/, 'Z'),
    duration_s: maybe(Math.abs(randomNumber(r))),
    author: { name: 'Ada', email: randomString(r).replace(/[<>\r\n]/g, '') },
    command: maybe(Array.from({ length: Math.floor(r() * 4) }, () => randomString(r))),
    code: maybe({ commit: r() < 0.8 ? hex(40) : null, branch: maybe(r() < 0.5 ? 'main' : null), dirty: false }),
    data: Array.from({ length: Math.floor(r() * 3) }, (_, i) => ({ path: `data/${i}.csv`, kind: 'file', sha256: hex(64), size: Math.floor(r() * 1e9), label: maybe('v1') })),
    params: record(Math.floor(r() * 20), () => (r() < 0.2 ? Array.from({ length: Math.floor(r() * 4) }, scalar) : scalar())),
    metrics: record(Math.floor(r() * 10), () => randomNumber(r)),
    series: maybe(['loss']),
    artifacts: Array.from({ length: Math.floor(r() * 3) }, (_, i) =>
      r() < 0.2
        ? { path: `out/${i}`, kind: 'dir', sha256: hex(64), size: 10, files: 3 }
        : { path: `out/${i}.bin`, kind: 'file', sha256: hex(64), size: 10, role: maybe(randomString(r).replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, '') || 'model') },
    ),
    env: maybe({ os: 'linux', arch: 'x64', hostname: randomString(r), node: '20.20.2', python: maybe('3.11.7'), git_track: '0.1.0' }),
    tags: record(Math.floor(r() * 4), () => randomString(r)),
    note: maybe(randomNote(r)),
    source: maybe({ kind: 'record', file: 'run.json' }),
    parent: r() < 0.3 ? hex(12) : undefined,
  };
  if (m.parent === m.id) delete m.parent;
  for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
  for (const k of ['code', 'env'] as const) {
    const o = m[k] as Record<string, unknown> | undefined;
    if (o) for (const j of Object.keys(o)) if (o[j] === undefined) delete o[j];
  }
  for (const list of [m.data, m.artifacts] as Record<string, unknown>[][]) {
    for (const o of list) for (const j of Object.keys(o)) if (o[j] === undefined) delete o[j];
  }
  return m as RunManifest;
}

/** Multi-line notes: leading spaces, blank lines, trailing newlines, tabs. */
export function randomNote(r: Rng): string {
  const lines = Array.from({ length: Math.floor(r() * 5) }, () => pick(r, ['', ' ', '  x', 'text', '\tt', 'a: b', '# h', '- i', randomString(r, 3)]));
  return lines.join('\n') + '\n'.repeat(Math.floor(r() * 3));
}
