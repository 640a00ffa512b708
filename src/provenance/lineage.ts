/**
 * `lineage RUN`: the run's code and inputs, and — since pointers are content hashes — the
 * earlier runs whose artifacts are its inputs, recursively.
 */
import type { CodeVersion, RunManifest } from '../manifest/schema.js';
import { resolveRun } from '../runs/resolve-run.js';
import type { TrackerContext } from '../tracker-context.js';
import { buildContentIndex, type ContentIndex } from './content-index.js';

export interface LineageInput {
  /** Absent for a declared data version without a path. */
  path: string | null;
  /** Null for a declared data version (not hashed, so no producer can be found). */
  sha256: string | null;
  label?: string;
  /** Runs that produced these bytes as an artifact (earlier than the consumer), each with its own lineage. */
  producers: { artifact: string; node: LineageNode }[];
}

export interface LineageNode {
  id: string;
  name?: string;
  created: string;
  code: CodeVersion | null;
  inputs: LineageInput[];
  /** True when this run already appears higher up (a shared ancestor): not expanded again. */
  seen?: boolean;
  /** True when the depth limit stopped the walk here. */
  truncated?: boolean;
}

/** Generations shown by default; a deeper walk is asked for explicitly. */
export const DEFAULT_LINEAGE_DEPTH = 20;

/**
 * The lineage tree of `ref`.
 *
 * @example
 * const tree = lineage(ctx, 'eval-run');
 * tree.inputs[0]?.producers[0]?.node.id; // the training run whose model eval read
 */
export function lineage(ctx: TrackerContext, ref: string, options: { depth?: number; index?: ContentIndex } = {}): LineageNode {
  const root = resolveRun(ctx, ref).manifest;
  // A caller asking for many runs' lineage (the dashboard) passes the index it built once.
  return build(root, options.index ?? buildContentIndex(ctx), new Set(), options.depth ?? DEFAULT_LINEAGE_DEPTH);
}

function build(run: RunManifest, index: ContentIndex, expanded: Set<string>, depth: number): LineageNode {
  const node: LineageNode = { id: run.id, ...(run.name ? { name: run.name } : {}), created: run.created, code: run.code ?? null, inputs: [] };
  if (expanded.has(run.id)) return { ...node, seen: true };
  if (depth <= 0) return run.data.length ? { ...node, truncated: true } : node;
  expanded.add(run.id);
  for (const d of run.data) {
    if (d.kind === 'version') {
      node.inputs.push({ path: d.path ?? null, sha256: null, label: d.label, producers: [] });
      continue;
    }
    // Only earlier runs can have produced an input; this also rules out cycles.
    const producers = index
      .uses(d.sha256)
      .filter((u) => u.as === 'artifact' && u.run.id !== run.id && u.run.created <= run.created)
      .map((u) => ({ artifact: u.path, node: build(u.run, index, expanded, depth - 1) }));
    node.inputs.push({ path: d.path, sha256: d.sha256, ...(d.label ? { label: d.label } : {}), producers });
  }
  return node;
}
