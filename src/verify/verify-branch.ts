/**
 * `verify`: the integrity of the whole `runs` branch, every problem collected (not the first).
 */
import { isGitTrackError } from '../errors.js';
import { FACTS_DIR } from '../facts/fact-records.js';
import { readExperimentRecords } from '../mlflow/server/experiment-records.js';
import { readAllFacts } from '../facts/read-facts.js';
import { lookupPath } from '../git/tree-edit.js';
import { hashedData } from '../manifest/hashed-data.js';
import type { RunManifest } from '../manifest/schema.js';
import { listRunEntries, readManifestText, readRunManifest, runsTip } from '../runs/read-runs.js';
import { allTagRecords, listPromotionsAt } from '../stages/read-stages.js';
import type { TrackerContext } from '../tracker-context.js';
import { checkHistory, type HistoryProblem } from './history.js';
import { MAX_HISTORY_PATHS_PER_COMMIT } from '../limits.js';
import { missingParents } from './parents.js';
import { checkCachedPointers } from './pointers.js';
import { checkStorePointers } from './store-pointers.js';
import { damageMessage, findRunsDamage } from './runs-damage.js';

export interface VerifyProblem {
  kind: 'manifest' | 'artifact' | 'history' | 'promotion' | 'tags' | 'facts' | 'stage-file' | 'policy' | 'signature' | 'objects';
  message: string;
}

export interface VerifyReport {
  problems: VerifyProblem[];
  runs: number;
  commits: number;
  promotions: number;
  /** Pointers whose bytes were found in the local cache and re-hashed. */
  pointersChecked: number;
  /** Pointers whose bytes are not in the local cache (not an error). */
  pointersMissing: number;
  /** Objects of the `git` store (refs/git-track/artifacts) re-hashed. */
  storeObjectsChecked: number;
}

/**
 * Verify the branch: manifests valid and filed under their own id, cached bytes matching
 * their pointers, append-only history, every promotion, tag record and fact valid and naming
 * an existing run, every `parent` naming a run on the branch.
 *
 * @example
 * const report = await verifyBranch(ctx);
 * report.problems.length === 0; // intact
 */
export async function verifyBranch(ctx: TrackerContext): Promise<VerifyReport & { manifests: Map<string, RunManifest> }> {
  const report: VerifyReport = { problems: [], runs: 0, commits: 0, promotions: 0, pointersChecked: 0, pointersMissing: 0, storeObjectsChecked: 0 };
  const manifests = new Map<string, RunManifest>();
  const tip = runsTip(ctx);
  if (!tip) return { ...report, manifests };
  // Nothing else can be read reliably from a branch that reaches missing objects.
  const damage = await findRunsDamage(ctx);
  if (damage) {
    report.problems.push({ kind: 'objects', message: damageMessage(damage) }, ...runsWithMissingObjects(ctx, tip));
    return { ...report, manifests };
  }
  const entries = listRunEntries(ctx, tip);
  const ids = new Set(entries.map((e) => e.id));
  report.runs = entries.length;
  for (const entry of entries) {
    try {
      manifests.set(entry.id, readRunManifest(ctx, entry));
    } catch (err) {
      if (!isGitTrackError(err)) throw err;
      report.problems.push({ kind: 'manifest', message: err.message.startsWith(`run ${entry.id}`) ? err.message : `run ${entry.id}: ${err.message}` });
    }
  }

  for (const m of manifests.values()) {
    if (m.parent !== undefined && !ids.has(m.parent)) report.problems.push({ kind: 'manifest', message: `run ${m.id} names parent run ${m.parent}, which is not on the branch` });
  }

  const pointers = [...manifests.values()].flatMap((m) => [
    ...hashedData(m.data).map((d) => ({ kind: d.kind, sha256: d.sha256 })),
    ...m.artifacts.flatMap((a) => (a.sha256 ? [{ kind: a.kind, sha256: a.sha256 }] : [])),
  ]);
  const cached = await checkCachedPointers(ctx.repo.stateDir, pointers);
  report.pointersChecked = cached.checked;
  report.pointersMissing = cached.missing;
  for (const p of cached.problems) {
    const users = [...manifests.values()].filter((m) => [...hashedData(m.data), ...m.artifacts].some((x) => x.sha256 === p.sha256)).map((m) => m.id);
    report.problems.push({ kind: 'artifact', message: `${p.message}; used by run ${users.join(', ')}` });
  }

  const labelled = [...manifests.values()].flatMap((m) => [
    ...hashedData(m.data).map((d) => ({ kind: d.kind, sha256: d.sha256, label: `data ${d.path} of run ${m.id}` })),
    ...m.artifacts.flatMap((a) => (a.sha256 ? [{ kind: a.kind, sha256: a.sha256, label: `artifact ${a.path} of run ${m.id}` }] : [])),
  ]);
  const stored = checkStorePointers(ctx, labelled);
  report.storeObjectsChecked = stored.checked;
  for (const message of stored.problems) report.problems.push({ kind: 'artifact', message });

  const history = await checkHistory(ctx, tip);
  for (const message of perCommit(history.problems)) report.problems.push({ kind: 'history', message });
  report.commits = history.commits;
  for (const { commit, parent } of await missingParents(ctx, tip)) {
    report.problems.push({
      kind: 'history',
      message: `commit ${commit.slice(0, 12)} on runs names parent ${parent.slice(0, 12)}, which is not in the repository (git log runs and push fail on it)`,
    });
  }

  try {
    const promotions = listPromotionsAt(ctx.store, ctx.store.readCommit(tip).tree, undefined, (path, message) =>
      report.problems.push({ kind: 'promotion', message: `runs:${path}: ${message}` }),
    );
    report.promotions = promotions.length;
    for (const p of promotions) {
      if (!ids.has(p.run)) report.problems.push({ kind: 'promotion', message: `${p.path} promotes run ${p.run}, which is not on the branch` });
      if (p.previous && !ids.has(p.previous)) report.problems.push({ kind: 'promotion', message: `${p.path} names previous run ${p.previous}, which is not on the branch` });
    }
  } catch (err) {
    if (!isGitTrackError(err)) throw err;
    report.problems.push({ kind: 'promotion', message: err.message });
  }
  try {
    const records = allTagRecords(ctx, (path, message) => report.problems.push({ kind: 'tags', message: `runs:${path}: ${message}` }));
    for (const id of records.keys()) {
      if (!ids.has(id)) report.problems.push({ kind: 'tags', message: `tags recorded for run ${id}, which is not on the branch` });
    }
  } catch (err) {
    if (!isGitTrackError(err)) throw err;
    report.problems.push({ kind: 'tags', message: err.message });
  }
  const factsDir = lookupPath(ctx.store, ctx.store.readCommit(tip).tree, FACTS_DIR);
  if (factsDir && factsDir.mode !== '040000') report.problems.push({ kind: 'facts', message: `runs:${FACTS_DIR}: is not a directory` });
  else if (factsDir) {
    const facts = readAllFacts(ctx, factsDir.oid, (path, message) => report.problems.push({ kind: 'facts', message: `runs:${path}: ${message}` }));
    for (const id of facts.keys()) {
      if (!ids.has(id)) report.problems.push({ kind: 'facts', message: `archive or rename recorded for run ${id}, which is not on the branch` });
    }
  }
  // Experiments recorded by `git-track server`: each record valid and filed under its experiment.
  readExperimentRecords(ctx, ctx.store.readCommit(tip).tree, (path, message) => report.problems.push({ kind: 'facts', message: `runs:${path}: ${message}` }));
  return { ...report, manifests };
}

/**
 * The runs of a damaged tip whose own objects (manifest, directory) are missing, each named,
 * as the listings name them; none when the run directories themselves cannot be listed.
 */
function runsWithMissingObjects(ctx: TrackerContext, tip: string): VerifyProblem[] {
  let entries;
  try {
    entries = listRunEntries(ctx, tip);
  } catch (err) {
    if (isGitTrackError(err)) return [];
    throw err;
  }
  return entries.flatMap((entry) => {
    try {
      readManifestText(ctx, entry);
      return [];
    } catch (err) {
      if (isGitTrackError(err, 'OBJECT_NOT_FOUND') && err.data.id === entry.id) return [{ kind: 'objects' as const, message: err.message }];
      if (isGitTrackError(err)) return [];
      throw err;
    }
  });
}

/** History messages, at most {@link MAX_HISTORY_PATHS_PER_COMMIT} per commit, the rest counted. */
function perCommit(problems: readonly HistoryProblem[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, number>();
  for (const p of problems) {
    const n = (seen.get(p.commit) ?? 0) + 1;
    seen.set(p.commit, n);
    if (n <= MAX_HISTORY_PATHS_PER_COMMIT) out.push(p.message);
  }
  for (const [commit, n] of seen) {
    if (n > MAX_HISTORY_PATHS_PER_COMMIT) out.push(`commit ${commit.slice(0, 12)} removed or modified ${n - MAX_HISTORY_PATHS_PER_COMMIT} more paths of runs`);
  }
  return out;
}
