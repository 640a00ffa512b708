/**
 * Turning what a user types into a run: an id or unique id prefix, `latest`, `stage:NAME` (the
 * run last promoted to that stage), a run name (the latest run with it), or the id of the
 * run's commit on `runs`.
 */
import { GitTrackError, quoteInput } from '../errors.js';
import type { RunManifest } from '../manifest/schema.js';
import type { TrackerContext } from '../tracker-context.js';
import { queryRuns } from '../query/query-runs.js';
import { currentRunOfStageAt } from '../stages/stage-head.js';
import { warnSkipped } from '../stages/record-file.js';
import { STAGES_DIR } from '../stages/records.js';
import { lookupPath } from '../git/tree-edit.js';
import { nearestNames } from './nearest-names.js';
import { findRunEntries, readRunManifest, runsTip, type RunEntry } from './read-runs.js';

export interface ResolvedRun {
  entry: RunEntry;
  manifest: RunManifest;
  /** When `ref` was a name: how many runs carry it (the newest was picked). */
  sameName?: number;
}

/** An id prefix shorter than this could match too much to be a useful reference (as in git). */
export const MIN_ID_PREFIX = 4;

const TRAILER = /^Git-Track-Run: ([0-9a-f]{12})$/m;

/**
 * Find the run `ref` names. Throws `RUN_NOT_FOUND`, or `AMBIGUOUS_RUN` listing the candidates.
 *
 * @example
 * resolveRun(ctx, '3f9a').manifest.id; // '3f9a21c0b7d4'
 * resolveRun(ctx, 'latest');
 * resolveRun(ctx, 'churn-baseline');
 * resolveRun(ctx, 'stage:production'); // the run last promoted to production
 */
export function resolveRun(ctx: TrackerContext, ref: string): ResolvedRun {
  const tip = runsTip(ctx);
  if (!tip) throw new GitTrackError('RUN_NOT_FOUND', `no runs recorded yet (the 'runs' branch does not exist), so ${quoteInput(ref)} matches nothing`, { ref });
  if (ref.startsWith('stage:')) return byId(ctx, tip, currentRunOfStage(ctx, tip, ref.slice('stage:'.length)));
  if (ref === 'latest') {
    const latest = latestWhere(ctx);
    if (!latest) throw new GitTrackError('RUN_NOT_FOUND', 'no runs recorded yet', { ref });
    return byId(ctx, tip, latest);
  }
  if (/^[0-9a-f]{4,12}$/.test(ref)) {
    const matches = findRunEntries(ctx, tip, ref);
    if (matches.length === 1) return withManifest(ctx, matches[0]!);
    if (matches.length > 1) {
      const ids = matches.map((m) => m.id).sort();
      throw new GitTrackError('AMBIGUOUS_RUN', `run prefix ${quoteInput(ref)} is ambiguous: ${ids.join(', ')}`, { ref, candidates: ids });
    }
  }
  const named = runsNamed(ctx, ref);
  if (named.length > 0) return { ...byId(ctx, tip, named[0]!), sameName: named.length };
  if (/^[0-9a-f]+$/.test(ref) && ref.length >= 7 && ref.length <= ctx.store.format.hexLength) {
    const id = runOfCommit(ctx, tip, ref);
    if (id) return byId(ctx, tip, id);
  }
  throw notFound(ctx, ref);
}

/** RUN_NOT_FOUND, saying why a short prefix cannot match and which names come closest. */
function notFound(ctx: TrackerContext, ref: string): GitTrackError {
  const { table, rows, get } = queryRuns(ctx);
  const names = rows.map((r) => get(r, { scope: 'attr', name: 'name' })).filter((n): n is string => typeof n === 'string');
  const near = nearestNames(names, ref);
  const tooShort = /^[0-9a-f]{1,3}$/i.test(ref) ? `; an id prefix needs at least ${MIN_ID_PREFIX} characters` : '';
  const suggestion = near.length > 0 ? `; did you mean ${near.map((n) => quoteInput(n)).join(', ')}?` : '';
  return new GitTrackError(
    'RUN_NOT_FOUND',
    `no run matches ${quoteInput(ref)} (not an id, id prefix, name or run commit)${tooShort}${suggestion}`,
    { ref, suggestions: near, runs: table.size },
  );
}

/** Id of the newest run, from the query index. */
function latestWhere(ctx: TrackerContext): string | undefined {
  const { table, rows } = queryRuns(ctx, { limit: 1 });
  return rows[0] === undefined ? undefined : table.id(rows[0]);
}

/** Ids of the runs named `name`, newest first. */
function runsNamed(ctx: TrackerContext, name: string): string[] {
  const filter = { kind: 'compare', field: { scope: 'attr', name: 'name' }, op: '=', value: { type: 'string', value: name } } as const;
  const { table, rows } = queryRuns(ctx, { filter });
  return rows.map((r) => table.id(r));
}

function byId(ctx: TrackerContext, tip: string, id: string): ResolvedRun {
  const entry = findRunEntries(ctx, tip, id).find((e) => e.id === id);
  if (!entry) throw new GitTrackError('RUN_NOT_FOUND', `run ${id} is not on the runs branch`, { ref: id });
  return withManifest(ctx, entry);
}

function withManifest(ctx: TrackerContext, entry: RunEntry): ResolvedRun {
  return { entry, manifest: readRunManifest(ctx, entry) };
}

/** The run recorded by the first-parent commit of `runs` whose id starts with `prefix`. */
function runOfCommit(ctx: TrackerContext, tip: string, prefix: string): string | null {
  for (let oid: string | undefined = tip; oid; ) {
    const commit = ctx.store.readCommit(oid);
    if (oid.startsWith(prefix)) return TRAILER.exec(commit.message)?.[1] ?? null;
    oid = commit.parents[0];
  }
  return null;
}


function currentRunOfStage(ctx: TrackerContext, tip: string, stage: string): string {
  const id = currentRunOfStageAt(ctx.store, ctx.store.readCommit(tip).tree, stage, warnSkipped(ctx));
  if (!id) {
    // The stage directories name the stages that have promotions: the likely intended one is among them.
    const dir = lookupPath(ctx.store, ctx.store.readCommit(tip).tree, STAGES_DIR);
    const stages = dir?.mode === '040000' ? ctx.store.readTree(dir.oid).filter((e) => e.mode === '040000').map((e) => e.name) : [];
    const near = nearestNames(stages, stage);
    const hint = near.length > 0 ? `; did you mean ${near.map((n) => `stage:${n}`).join(', ')}?` : stages.length > 0 ? `; stages with promotions: ${stages.join(', ')}` : '';
    throw new GitTrackError('RUN_NOT_FOUND', `no run has been promoted to stage ${quoteInput(stage)}${hint}`, { ref: `stage:${stage}`, stages });
  }
  return id;
}
