/**
 * A small params/metrics diff between two runs, printed by `promote` against the stage's
 * previous run. Kept minimal on purpose: `src/compare/` owns the full diff.
 */
import type { RunManifest } from '../manifest/schema.js';

export interface ValueChange {
  section: 'params' | 'metrics' | 'data' | 'code';
  key: string;
  before: unknown;
  after: unknown;
}

/**
 * What changed from `before` to `after`: params, metrics, data hashes and code commit.
 *
 * @example
 * diffRuns(prod, candidate); // [{ section: 'metrics', key: 'f1', before: 0.8, after: 0.84 }]
 */
export function diffRuns(before: RunManifest, after: RunManifest): ValueChange[] {
  const out: ValueChange[] = [];
  const maps = (section: 'params' | 'metrics', a: Record<string, unknown>, b: Record<string, unknown>) => {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out.push({ section, key, before: a[key], after: b[key] });
    }
  };
  maps('params', before.params, after.params);
  maps('metrics', before.metrics, after.metrics);
  const data = (m: RunManifest) => Object.fromEntries(m.data.map((d) => (d.kind === 'version' ? [d.path ?? 'version', d.label] : [d.path, d.sha256.slice(0, 12)])));
  for (const c of diffMaps(data(before), data(after))) out.push({ section: 'data', ...c });
  const code = (m: RunManifest) => (m.code ? `${m.code.commit?.slice(0, 12) ?? 'none'}${m.code.dirty ? '+dirty' : ''}` : undefined);
  if (code(before) !== code(after)) out.push({ section: 'code', key: 'commit', before: code(before), after: code(after) });
  return out;
}

function diffMaps(a: Record<string, unknown>, b: Record<string, unknown>): { key: string; before: unknown; after: unknown }[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((k) => a[k] !== b[k])
    .map((key) => ({ key, before: a[key], after: b[key] }));
}
