/**
 * Turning what a user types into a run: an id or unique id prefix, `latest`, `stage:NAME` (the
 * run last promoted to that stage), a run name (the latest run with it), or the id of the
 * run's commit on `runs`.
 */
import { GitTrackError } from '../errors.js';
import type { RunManifest } from '../manifest/schema.js';
import type { TrackerContext } from '../tracker-context.js';
import { currentRunOfStageAt } from '../stages/stage-head.js';
import { findRunEntries, loadAllRuns, readRunManifest, runsTip, type RunEntry } from './read-runs.js';

export interface ResolvedRun {
  entry: RunEntry;
  manifest: RunManifest;
}

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
  if (!tip) throw new GitTrackError('RUN_NOT_FOUND', `no runs recorded yet (the 'runs' branch does not exist), so '${ref}' matches nothing`, { ref });
  if (ref.startsWith('stage:')) return byId(ctx, tip, currentRunOfStage(ctx, tip, ref.slice('stage:'.length)));
  if (ref === 'latest') {
    const latest = loadAllRuns(ctx)[0];
    if (!latest) throw new GitTrackError('RUN_NOT_FOUND', 'no runs recorded yet', { ref });
    return byId(ctx, tip, latest.id);
  }
  if (/^[0-9a-f]{4,12}$/.test(ref)) {
    const matches = findRunEntries(ctx, tip, ref);
    if (matches.length === 1) return withManifest(ctx, matches[0]!);
    if (matches.length > 1) {
      const ids = matches.map((m) => m.id).sort();
      throw new GitTrackError('AMBIGUOUS_RUN', `run prefix '${ref}' is ambiguous: ${ids.join(', ')}`, { ref, candidates: ids });
    }
  }
  const named = loadAllRuns(ctx).find((m) => m.name === ref);
  if (named) return byId(ctx, tip, named.id);
  if (/^[0-9a-f]{7,40}$/.test(ref)) {
    const id = runOfCommit(ctx, tip, ref);
    if (id) return byId(ctx, tip, id);
  }
  throw new GitTrackError('RUN_NOT_FOUND', `no run matches '${ref}' (not an id, id prefix, name or run commit)`, { ref });
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
  const id = currentRunOfStageAt(ctx.store, ctx.store.readCommit(tip).tree, stage);
  if (!id) throw new GitTrackError('RUN_NOT_FOUND', `no run has been promoted to stage '${stage}'`, { ref: `stage:${stage}` });
  return id;
}
