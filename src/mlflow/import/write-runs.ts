/**
 * Writing imported runs to `runs`: one commit per run, as `git-track log` writes it (the run's
 * summary and trailer, its MLflow start time as the author date, its code commit as second
 * parent when this repository has it), so `git log --first-parent runs` lists every run.
 *
 * The commits are written in batches: a chain of up to {@link MLFLOW_IMPORT_BATCH_RUNS} run
 * commits is built on the tip, then the ref moves once, with the same compare-and-swap (and
 * rebuild on a new tip) as every other write. Moving the ref and syncing the objects was most
 * of the cost of a run written alone (measured: 93 ms a run one by one, see
 * bench/import-mlflow.mjs). A process killed mid-batch loses no MLflow run: the runs of the
 * batch are simply not on the branch, and the next import writes them.
 */
import { GitTrackError } from '../../errors.js';
import type { Identity } from '../../git/identity.js';
import { editTree, lookupPath, type TreeEdit } from '../../git/tree-edit.js';
import { MLFLOW_IMPORT_BATCH_RUNS } from '../../limits.js';
import { encodeValidManifest } from '../../manifest/codec.js';
import { newRunId } from '../../runs/ids.js';
import { MANIFEST_FILE, runDirPath } from '../../runs/layout.js';
import { advanceRef, ensureRunsBranch, writeCommit } from '../../runs/runs-branch.js';
import { summariseRun } from '../../runs/summary.js';
import type { TrackerContext } from '../../tracker-context.js';
import type { ImportedManifest } from './to-manifest.js';

interface Pending {
  run: ImportedManifest;
  /** The run directory's tree (run.yaml and series), for the current manifest id. */
  tree: string;
}

/** Appends imported runs to `runs`, a batch at a time. */
export class RunWriter {
  private pending: Pending[] = [];
  /** Ids handed out and not yet on the branch: a fresh id never repeats one of them. */
  private readonly taken = new Set<string>();

  constructor(
    private readonly ctx: TrackerContext,
    private readonly identity: Identity,
  ) {}

  /** A fresh run id. */
  newId(): string {
    for (;;) {
      const id = newRunId(this.ctx.env);
      if (!this.taken.has(id)) {
        this.taken.add(id);
        return id;
      }
    }
  }

  /** Queue one run; a full batch is written at once. Returns the run's id. */
  async add(run: ImportedManifest): Promise<string> {
    this.pending.push({ run, tree: this.runTree(run) });
    if (this.pending.length >= MLFLOW_IMPORT_BATCH_RUNS) await this.flush();
    return run.manifest.id;
  }

  /**
   * Write every queued run. A queued id found already on the branch (about 1 in 10⁷ at
   * 100,000 runs) makes the whole batch fail with CONFLICT rather than overwrite that run.
   */
  async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    await ensureRunsBranch(this.ctx, this.identity);
    const message = `import ${batch.length} MLflow run${batch.length > 1 ? 's' : ''}`;
    await advanceRef(this.ctx, this.identity, async (tip) => {
      let parent = tip!;
      let root = this.ctx.store.readCommit(parent).tree;
      for (const { run, tree } of batch) {
        const dir = runDirPath(run.manifest.id);
        if (lookupPath(this.ctx.store, root, dir)) throw new GitTrackError('CONFLICT', `run ${run.manifest.id} is already recorded`, { id: run.manifest.id });
        root = editTree(this.ctx.store, root, [{ path: dir, entry: { mode: '040000', oid: tree } }]);
        const code = run.codeCommit && this.ctx.store.has(run.codeCommit) ? [run.codeCommit] : [];
        parent = await writeCommit(this.ctx, {
          tree: root,
          parents: [parent, ...code],
          message: summariseRun(run.manifest),
          identity: this.identity,
          authorDate: new Date(run.manifest.created),
        });
      }
      return { oid: parent, message };
    });
    for (const { run } of batch) this.taken.delete(run.manifest.id);
  }

  private runTree(run: ImportedManifest): string {
    const files = { ...run.files, [MANIFEST_FILE]: Buffer.from(encodeValidManifest(run.manifest)) };
    const edits: TreeEdit[] = Object.entries(files).map(([name, content]) => ({ path: name, entry: { mode: '100644', oid: this.ctx.store.write('blob', content) } }));
    return editTree(this.ctx.store, null, edits);
  }
}
