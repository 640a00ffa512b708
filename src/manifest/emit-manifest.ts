/**
 * The canonical YAML emitter of a manifest (see codec.ts), in a module of its own so that
 * `git-track log` writes manifests without loading zod or the `yaml` package.
 */
import { compareCodePoints, formatScalar, formatString, LITERAL_CHARS, quoteString } from './scalars.js';
import type { RunManifest, Scalar } from './schema.js';

type Lines = string[];

function scalarOrList(v: Scalar | Scalar[]): string {
  return Array.isArray(v) ? `[${v.map((x) => formatScalar(x, true)).join(', ')}]` : formatScalar(v);
}

/** A map with sorted keys, written as a block map (or `{}`), skipping undefined values. */
function blockMap(out: Lines, name: string, map: Record<string, Scalar | Scalar[] | undefined>): void {
  const keys = Object.keys(map)
    .filter((k) => map[k] !== undefined)
    .sort(compareCodePoints);
  if (keys.length === 0) {
    out.push(`${name}: {}`);
    return;
  }
  out.push(`${name}:`);
  for (const k of keys) out.push(`  ${formatString(k)}: ${scalarOrList(map[k]!)}`);
}

/** A map of a fixed shape, keys in the given order (the schema rejects any other key). */
function fixedMap(out: Lines, name: string, map: object, order: readonly string[]): void {
  out.push(`${name}:`);
  for (const k of order) {
    const v = (map as Record<string, Scalar | undefined>)[k];
    if (v !== undefined) out.push(`  ${k}: ${formatScalar(v)}`);
  }
}

/** A list of maps in a fixed key order, as a block sequence of block maps (or `[]`). */
function blockList<T extends object>(out: Lines, name: string, items: readonly T[], order: readonly string[]): void {
  if (items.length === 0) {
    out.push(`${name}: []`);
    return;
  }
  out.push(`${name}:`);
  for (const item of items) {
    let lead = '  - ';
    for (const k of order) {
      const v = (item as Record<string, unknown>)[k] as Scalar | undefined;
      if (v === undefined) continue;
      out.push(`${lead}${k}: ${formatScalar(v)}`);
      lead = '    ';
    }
  }
}

/**
 * A block literal keeps a multi-line note readable in diffs. The chomping indicator keeps
 * trailing newlines exact; the indentation indicator is needed when the text starts with a
 * space or blank line, which would otherwise change the detected indentation.
 */
function note(out: Lines, text: string): void {
  if (!text.includes('\n')) {
    out.push(`note: ${formatString(text)}`);
    return;
  }
  const body = text.replace(/\n+$/, '');
  // YAML parsers disagree on whether a trailing spaces-only line is content or chomped.
  if (body === '' || !LITERAL_CHARS.test(text) || /(^|\n)[ \t]+$/.test(body)) {
    out.push(`note: ${quoteString(text)}`);
    return;
  }
  const trailing = text.length - body.length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const indent = text[0] === ' ' || text[0] === '\n' ? '2' : '';
  out.push(`note: |${indent}${chomp}`);
  const lines = text.split('\n');
  if (trailing > 0) lines.pop(); // the empty string after the final newline
  for (const line of lines) out.push(line === '' ? '' : `  ${line}`);
}

const DATA_ORDER = ['path', 'kind', 'sha256', 'size', 'files', 'label'] as const;
// Maps of a fixed shape read best in their natural order; free-form maps (params, metrics,
// tags) are sorted.
const AUTHOR_ORDER = ['name', 'email'] as const;
const CODE_ORDER = ['commit', 'branch', 'dirty', 'snapshot', 'patch', 'remote'] as const;
const SUBMODULE_ORDER = ['path', 'commit', 'dirty', 'changes_in_snapshot'] as const;
const ENV_ORDER = ['os', 'arch', 'hostname', 'node', 'python', 'packages', 'git_track'] as const;
const SOURCE_ORDER = ['kind', 'file'] as const;
const ARTIFACT_ORDER = ['path', 'kind', 'sha256', 'size', 'files', 'role'] as const;

/**
 * `encodeManifest` (codec.ts) for a manifest that `validateManifest` just returned: writing a run
 * validates once, not twice, on the hot path.
 *
 * @example
 * const manifest = validateManifest(draft);
 * const yaml = encodeValidManifest(manifest);
 */
export function encodeValidManifest(v: RunManifest): string {
  const out: Lines = [];
  out.push(`format: ${formatString(v.format)}`);
  out.push(`id: ${formatString(v.id)}`);
  if (v.name !== undefined) out.push(`name: ${formatString(v.name)}`);
  if (v.experiment !== undefined) out.push(`experiment: ${formatString(v.experiment)}`);
  if (v.parent !== undefined) out.push(`parent: ${formatString(v.parent)}`);
  out.push(`status: ${v.status}`);
  // Validated as ISO-8601 UTC, so plain is safe; YAML 1.1 readers see the timestamp it is.
  out.push(`created: ${v.created}`);
  if (v.duration_s !== undefined) out.push(`duration_s: ${formatScalar(v.duration_s)}`);
  fixedMap(out, 'author', v.author, AUTHOR_ORDER);
  if (v.command !== undefined) out.push(`command: ${scalarOrList(v.command)}`);
  if (v.code !== undefined) fixedMap(out, 'code', v.code, CODE_ORDER);
  if (v.submodules !== undefined) blockList(out, 'submodules', v.submodules, SUBMODULE_ORDER);
  blockList(out, 'data', v.data, DATA_ORDER);
  blockMap(out, 'params', v.params);
  blockMap(out, 'metrics', v.metrics);
  if (v.series !== undefined) out.push(`series: ${scalarOrList(v.series)}`);
  blockList(out, 'artifacts', v.artifacts, ARTIFACT_ORDER);
  if (v.env !== undefined) fixedMap(out, 'env', v.env, ENV_ORDER);
  blockMap(out, 'tags', v.tags);
  if (v.note !== undefined) note(out, v.note);
  if (v.source !== undefined) fixedMap(out, 'source', v.source, SOURCE_ORDER);
  return `${out.join('\n')}\n`;
}

