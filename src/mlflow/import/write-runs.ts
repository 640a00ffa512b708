/**
 * Writing imported runs to `runs`: one commit per run, as `git-track log` writes it (the run's
 * summary and trailer, its MLflow start time as the author date, its code commit as second
 * parent when this repository has it).
 */
import { GitTrackError, isGitTrackError } from '../../errors.js';
import type { Identity } from '../../git/identity.js';
import { editTree, lookupPath, type TreeEdit } from '../../git/tree-edit.js';
import { encodeValidManifest } from '../../manifest/codec.js';
import { newRunId } from '../../runs/ids.js';
import { MANIFEST_FILE, runDirPath } from '../../runs/layout.js';
import { appendToRuns } from '../../runs/runs-branch.js';
import { summariseRun } from '../../runs/summary.js';
import type { TrackerContext } from '../../tracker-context.js';
import type { ImportedManifest } from './to-manifest.js';

/** Appends imported runs to `runs`. */
export class RunWriter {
  constructor(
    private readonly ctx: TrackerContext,
    private readonly identity: Identity,
  ) {}

  /** A fresh run id. */
  newId(): string {
    return newRunId(this.ctx.env);
  }

  /**
   * Write one run. A run id already on the branch (about 1 in 10⁷ at 100,000 runs) is drawn
   * again; nothing else changes.
   */
  async add(run: ImportedManifest): Promise<string> {
    let manifest = run.manifest;
    for (;;) {
      const tree = this.runTree({ ...run.files, [MANIFEST_FILE]: Buffer.from(encodeValidManifest(manifest)) });
      const dir = runDirPath(manifest.id);
      const id = manifest.id;
      try {
        await appendToRuns(this.ctx, {
          edits: (root) => {
            if (lookupPath(this.ctx.store, root, dir)) throw new GitTrackError('CONFLICT', `run ${id} is already recorded`, { id, idTaken: true });
            return [{ path: dir, entry: { mode: '040000', oid: tree } }];
          },
          message: summariseRun(manifest),
          identity: this.identity,
          extraParents: run.codeCommit && this.ctx.store.has(run.codeCommit) ? [run.codeCommit] : [],
          authorDate: new Date(manifest.created),
        });
        return manifest.id;
      } catch (err) {
        if (!isGitTrackError(err, 'CONFLICT') || !err.data.idTaken) throw err;
      }
      manifest = { ...manifest, id: this.newId() };
    }
  }

  /** Everything added is on the branch. */
  async flush(): Promise<void> {}

  private runTree(files: Record<string, Buffer>): string {
    const edits: TreeEdit[] = Object.entries(files).map(([name, content]) => ({ path: name, entry: { mode: '100644', oid: this.ctx.store.write('blob', content) } }));
    return editTree(this.ctx.store, null, edits);
  }
}
