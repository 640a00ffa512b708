/**
 * What the later facts say about each run: whether it is archived, and its current name.
 */
import { lookupPath } from '../git/tree-edit.js';
import { MAX_TREE_ENTRIES } from '../limits.js';
import type { RunManifest } from '../manifest/schema.js';
import { runsTip } from '../runs/read-runs.js';
import { RUN_ID_PATTERN, shardOf } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { decodeFact, FACTS_DIR, type Fact } from './fact-records.js';
import { isGitTrackError } from '../errors.js';

/** A run's state after its facts. */
export interface RunFacts {
  archived: boolean;
  /** The last archive fact, while archived. */
  archivedBy?: { at: string; by: Fact['by'] };
  /** The name of the last rename. */
  name?: string;
}

/**
 * Every run's facts, by run id (one walk of the `facts` tree). A bad fact file costs a
 * warning and is skipped.
 *
 * @example
 * runFacts(ctx).get('3f9a21c0b7d4')?.archived; // true
 */
export function runFacts(ctx: TrackerContext): Map<string, RunFacts> {
  const out = new Map<string, RunFacts>();
  const tip = runsTip(ctx);
  const top = tip && lookupPath(ctx.store, ctx.store.readCommit(tip).tree, FACTS_DIR);
  if (!top || top.mode !== '040000') return out;
  // One command asks several times (query, then manifests): read, and warn, once per tree.
  const cached = readCache.get(ctx);
  if (cached?.tree === top.oid) return cached.facts;
  readCache.set(ctx, { tree: top.oid, facts: out });
  for (const shard of entries(ctx, top.oid)) {
    if (shard.mode !== '040000') continue;
    for (const run of entries(ctx, shard.oid)) {
      if (run.mode !== '040000' || !RUN_ID_PATTERN.test(run.name)) continue;
      const facts = readFacts(ctx, run.name, run.oid);
      if (facts) out.set(run.name, facts);
    }
  }
  return out;
}

/**
 * One run's facts (reads only its directory).
 *
 * @example
 * factsOf(ctx, id)?.name; // 'baseline-v2'
 */
export function factsOf(ctx: TrackerContext, id: string): RunFacts | undefined {
  const tip = runsTip(ctx);
  const dir = tip && lookupPath(ctx.store, ctx.store.readCommit(tip).tree, `${FACTS_DIR}/${shardOf(id)}/${id}`);
  if (!dir || dir.mode !== '040000') return undefined;
  return readFacts(ctx, id, dir.oid);
}

/**
 * The manifest as readers show it: the name of its last rename.
 *
 * @example
 * withFacts(manifest, factsOf(ctx, manifest.id)).name;
 */
export function withFacts(m: RunManifest, facts: RunFacts | undefined): RunManifest {
  return facts?.name === undefined ? m : { ...m, name: facts.name };
}

const readCache = new WeakMap<TrackerContext, { tree: string; facts: Map<string, RunFacts> }>();

function entries(ctx: TrackerContext, tree: string) {
  const list = ctx.store.readTree(tree);
  return list.length > MAX_TREE_ENTRIES ? list.slice(0, MAX_TREE_ENTRIES) : list;
}

function readFacts(ctx: TrackerContext, id: string, tree: string): RunFacts | undefined {
  const files = entries(ctx, tree)
    .filter((f) => f.mode === '100644' && f.name.endsWith('.yaml'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let state: RunFacts | undefined;
  for (const f of files) {
    const source = `runs:${FACTS_DIR}/${shardOf(id)}/${id}/${f.name}`;
    let fact: Fact;
    try {
      fact = decodeFact(ctx.store.readBlob(f.oid), source);
    } catch (err) {
      if (!isGitTrackError(err)) throw err;
      ctx.env.warn(`${err.message}; ignored`);
      continue;
    }
    if (fact.run !== id) {
      ctx.env.warn(`${source}: names run ${fact.run}, not ${id}; ignored`);
      continue;
    }
    state ??= { archived: false };
    if (fact.kind === 'rename') state.name = fact.name;
    else if (fact.kind === 'archive') state = { ...state, archived: true, archivedBy: { at: fact.at, by: fact.by } };
    else state = { ...(state.name !== undefined ? { name: state.name } : {}), archived: false };
  }
  return state;
}
