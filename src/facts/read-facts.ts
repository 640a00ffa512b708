/**
 * What the later facts say about each run: whether it is archived, and its current name.
 */
import { lookupPath } from '../git/tree-edit.js';
import type { RunManifest } from '../manifest/schema.js';
import { runsTip } from '../runs/read-runs.js';
import { shardOf } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { boundedEntries, readRecordFile, subdirectories, warnSkipped, type OnBadRecord } from '../stages/record-file.js';
import { decodeFact, factPath, FACTS_DIR, type Fact } from './fact-records.js';

/** A run's state after its facts. */
export interface RunFacts {
  archived: boolean;
  /** The last archive fact, while archived. */
  archivedBy?: { at: string; by: Fact['by'] };
  /** The name of the last rename. */
  name?: string;
}

/**
 * Every run's facts, by run id (one walk of the `facts` tree). A bad fact file (invalid,
 * over the size limit, not a regular file, filed under another run) costs a warning and is
 * skipped.
 *
 * @example
 * runFacts(ctx).get('3f9a21c0b7d4')?.archived; // true
 */
export function runFacts(ctx: TrackerContext): Map<string, RunFacts> {
  const tip = runsTip(ctx);
  const top = tip && lookupPath(ctx.store, ctx.store.readCommit(tip).tree, FACTS_DIR);
  if (!top) return new Map();
  if (top.mode !== '040000') {
    warnSkipped(ctx)(FACTS_DIR, 'is not a directory');
    return new Map();
  }
  // One command asks several times (query, then manifests): read, and warn, once per tree.
  const cached = readCache.get(ctx);
  if (cached?.tree === top.oid) return cached.facts;
  const facts = readAllFacts(ctx, top.oid, warnSkipped(ctx));
  readCache.set(ctx, { tree: top.oid, facts });
  return facts;
}

/**
 * Every run's facts below the `facts` tree `tree`, by run id; each bad fact file goes to
 * `onBad` (`verify` collects them) and is skipped.
 *
 * @example
 * readAllFacts(ctx, factsTree, (path, message) => problems.push(`${path}: ${message}`));
 */
export function readAllFacts(ctx: TrackerContext, tree: string, onBad: OnBadRecord): Map<string, RunFacts> {
  const out = new Map<string, RunFacts>();
  for (const shard of subdirectories(ctx.store, tree, FACTS_DIR, onBad)) {
    for (const run of subdirectories(ctx.store, shard.oid, `${FACTS_DIR}/${shard.name}`, onBad)) {
      // Each fact is checked to be filed under its own run: a good one here is about `run.name`.
      const facts = readFacts(ctx, `${FACTS_DIR}/${shard.name}/${run.name}`, run.oid, onBad);
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
  return readFacts(ctx, `${FACTS_DIR}/${shardOf(id)}/${id}`, dir.oid, warnSkipped(ctx));
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

function readFacts(ctx: TrackerContext, dirPath: string, tree: string, onBad: OnBadRecord): RunFacts | undefined {
  // File names start with the time: name order is time order.
  const files = boundedEntries(ctx.store, tree, dirPath, onBad).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let state: RunFacts | undefined;
  for (const f of files) {
    const fact = readRecordFile(ctx.store, f, `${dirPath}/${f.name}`, onBad, (text, source) => decodeFact(Buffer.from(text, 'utf8'), source), (r, rand) => factPath(r.run, r.at, rand));
    if (!fact) continue;
    state ??= { archived: false };
    if (fact.kind === 'rename') state.name = fact.name;
    else if (fact.kind === 'archive') state = { ...state, archived: true, archivedBy: { at: fact.at, by: fact.by } };
    else state = { ...(state.name !== undefined ? { name: state.name } : {}), archived: false };
  }
  return state;
}
