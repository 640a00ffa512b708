/**
 * The difference between two runs as data: params, metrics (with deltas and which side is
 * better), tags, data inputs (with hashes), code, artifacts and environment, plus warnings
 * such as "evaluated on different data". Pure: rendering is in src/cli/render/run-diff.ts.
 */
import type { RunManifest } from '../manifest/schema.js';
import { metricDirection, type Direction, type DirectionOptions } from './direction.js';

export type ChangeKind = 'same' | 'changed' | 'added' | 'removed';

export interface ValueChange<T = unknown> {
  key: string;
  kind: ChangeKind;
  a?: T;
  b?: T;
}

export interface MetricChange extends ValueChange<number> {
  /** b − a, when both sides have the metric. */
  delta?: number;
  /** (b − a) / |a|; undefined when a is 0. */
  relative?: number;
  direction?: Direction;
  /** Which run is better, when the direction is known and the values differ. */
  better?: 'a' | 'b';
}

export interface FileChange {
  path: string;
  kind: ChangeKind;
  a?: { sha256: string | null; size: number | null; label?: string };
  b?: { sha256: string | null; size: number | null; label?: string };
}

export interface RunDiff {
  a: RunSummary;
  b: RunSummary;
  params: ValueChange[];
  metrics: MetricChange[];
  tags: ValueChange<string>[];
  data: FileChange[];
  artifacts: FileChange[];
  env: ValueChange<string>[];
  code: { same: boolean; a: string | null; b: string | null; aBranch?: string | null; bBranch?: string | null; aDirty: boolean; bDirty: boolean };
  warnings: string[];
}

export interface RunSummary {
  id: string;
  name?: string;
  created: string;
  status: string;
}

/**
 * Compare two maps key by key, keys sorted; values compared by their JSON.
 *
 * @example
 * diffMaps({ lr: 0.1, depth: 4 }, { lr: 0.2 }); // [{ key: 'depth', kind: 'removed', a: 4 }, { key: 'lr', kind: 'changed', a: 0.1, b: 0.2 }]
 */
export function diffMaps<T>(a: Record<string, T>, b: Record<string, T>): ValueChange<T>[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.map((key) => {
    const inA = Object.hasOwn(a, key);
    const inB = Object.hasOwn(b, key);
    const kind: ChangeKind = !inA ? 'added' : !inB ? 'removed' : JSON.stringify(a[key]) === JSON.stringify(b[key]) ? 'same' : 'changed';
    return { key, kind, ...(inA ? { a: a[key] } : {}), ...(inB ? { b: b[key] } : {}) };
  });
}

/**
 * A metric's change with its delta and the better side.
 *
 * @example
 * diffMetric('loss', 0.5, 0.4); // { kind: 'changed', delta: -0.1, relative: -0.2, direction: 'lower', better: 'b', … }
 */
export function diffMetric(key: string, a: number | undefined, b: number | undefined, options: DirectionOptions = {}): MetricChange {
  const direction = metricDirection(key, options);
  const base = diffMaps<number>(a === undefined ? {} : { [key]: a }, b === undefined ? {} : { [key]: b })[0]!;
  const out: MetricChange = { ...base, ...(direction ? { direction } : {}) };
  if (a !== undefined && b !== undefined) {
    out.delta = b - a;
    if (a !== 0) out.relative = (b - a) / Math.abs(a);
    if (direction && a !== b) out.better = (direction === 'higher') === b > a ? 'b' : 'a';
  }
  return out;
}

type FileEntry = { path?: string; kind: string; sha256?: string | null; size?: number | null; label?: string };

/** Data and artifacts by path; a declared data version (no hash) compares by its label. */
function files(a: readonly FileEntry[], b: readonly FileEntry[]): FileChange[] {
  const pick = (e: FileEntry) => ({ sha256: e.sha256 ?? null, size: e.size ?? null, ...(e.label ? { label: e.label } : {}) });
  const key = (e: FileEntry) => e.path ?? 'version';
  const byA = new Map(a.map((e) => [key(e), pick(e)]));
  const byB = new Map(b.map((e) => [key(e), pick(e)]));
  const paths = [...new Set([...byA.keys(), ...byB.keys()])].sort();
  return paths.map((path) => {
    const x = byA.get(path);
    const y = byB.get(path);
    const same = x && y && x.sha256 === y.sha256 && x.size === y.size && (x.sha256 !== null || x.label === y.label);
    const kind: ChangeKind = !x ? 'added' : !y ? 'removed' : same ? 'same' : 'changed';
    return { path, kind, ...(x ? { a: x } : {}), ...(y ? { b: y } : {}) };
  });
}

const summary = (m: RunManifest): RunSummary => ({ id: m.id, ...(m.name ? { name: m.name } : {}), created: m.created, status: m.status });

/**
 * Diff two runs.
 *
 * @example
 * const d = diffRuns(baseline, candidate, { lowerIsBetter: ['latency_ms'] });
 * d.metrics.find((m) => m.key === 'f1')?.better; // 'b'
 * d.warnings; // ["different data: data/train.csv has sha256 1a2b… in A and 9f8e… in B"]
 */
export function diffRuns(a: RunManifest, b: RunManifest, options: DirectionOptions = {}): RunDiff {
  const metricKeys = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort();
  const data = files(a.data, b.data);
  const warnings: string[] = [];
  for (const d of data) {
    if (d.kind !== 'changed') continue;
    if (d.a?.sha256 || d.b?.sha256) warnings.push(`different data: ${d.path} has sha256 ${short(d.a?.sha256)} in A and ${short(d.b?.sha256)} in B`);
    else warnings.push(`different data: ${d.path} is version '${d.a?.label ?? ''}' in A and '${d.b?.label ?? ''}' in B`);
  }
  const onlyA = data.filter((d) => d.kind === 'removed').map((d) => d.path);
  const onlyB = data.filter((d) => d.kind === 'added').map((d) => d.path);
  if (onlyA.length || onlyB.length) {
    warnings.push(`different data: ${[onlyA.length ? `only A read ${onlyA.join(', ')}` : '', onlyB.length ? `only B read ${onlyB.join(', ')}` : ''].filter(Boolean).join('; ')}`);
  }
  const envOf = (m: RunManifest): Record<string, string> => Object.fromEntries(Object.entries(m.env ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const commitA = a.code?.snapshot ?? a.code?.commit ?? null;
  const commitB = b.code?.snapshot ?? b.code?.commit ?? null;
  return {
    a: summary(a),
    b: summary(b),
    params: diffMaps(a.params, b.params),
    metrics: metricKeys.map((k) => diffMetric(k, a.metrics[k], b.metrics[k], options)),
    tags: diffMaps(a.tags, b.tags),
    data,
    artifacts: files(a.artifacts, b.artifacts),
    env: diffMaps(envOf(a), envOf(b)),
    code: {
      same: commitA === commitB,
      a: commitA,
      b: commitB,
      aBranch: a.code?.branch ?? null,
      bBranch: b.code?.branch ?? null,
      aDirty: a.code?.dirty ?? false,
      bDirty: b.code?.dirty ?? false,
    },
    warnings,
  };
}

function short(sha: string | null | undefined): string {
  return sha ? `${sha.slice(0, 12)}…` : 'none';
}
