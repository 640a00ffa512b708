/**
 * Recording a finished run: hash its inputs and outputs, capture code and environment, build
 * and validate the manifest, then write it as one commit on `runs`.
 *
 * Everything that can fail because of the user's input (a missing file, an invalid value)
 * fails before the first write, so a refused run leaves the branch exactly as it was.
 */
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { GitTrackError, isGitTrackError, quoteInput } from '../errors.js';
import { hashPath, type ContentHash } from '../artifacts/hash.js';
import { cachePath } from '../artifacts/cache.js';
import { captureCodeVersion, type CapturedCode, type CodeVersion } from '../git/code-version.js';
import { copyNewObjects } from '../git/copy-new-objects.js';
import { resolveIdentity, type Identity } from '../git/identity.js';
import { editTree, lookupPath, type TreeEdit } from '../git/tree-edit.js';
import { validateManifestQuickly } from '../manifest/check-manifest.js';
import { encodeValidManifest } from '../manifest/emit-manifest.js';
import type { RunManifest } from '../manifest/schema.js';
import { checkManifestSize, checkValueSizes } from '../manifest/value-limits.js';
import { MANIFEST_FORMAT } from '../manifest/names.js';
import type { TrackerContext } from '../tracker-context.js';
import { gitTrackVersion } from '../version.js';
import { captureEnvironment } from './environment.js';
import { resolveRecordedCommit } from './import-record.js';
import { newRunId } from './ids.js';
import { MANIFEST_FILE, PATCH_FILE, runDirPath } from './layout.js';
import { appendToRuns } from './runs-branch.js';
import { summariseRun } from './summary.js';

export type Scalar = string | number | boolean | null;

export interface LogRunInput {
  name?: string;
  experiment?: string;
  /**
   * Id of the run this one is nested under. Not checked against the branch: the parent may
   * still be running (a sweep records its children before itself).
   */
  parent?: string;
  note?: string;
  status?: RunManifest['status'];
  params?: Record<string, Scalar | Scalar[]>;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  /** Data inputs, hashed; `label` is a human version such as a date or a dataset release. */
  data?: { path: string; label?: string }[];
  /** A data version declared without files to hash (an imported record's `data_version`). */
  dataVersion?: string;
  /**
   * Outputs, hashed and copied into the local cache. `optional` ones that are missing are kept
   * as path-only references; `as` is the path recorded in the manifest when it differs from
   * where the file is now (a file staged by `git-track run`).
   */
  artifacts?: { path: string; role?: string; optional?: boolean; as?: string }[];
  command?: string[];
  /** When the run started; defaults to now. */
  created?: Date;
  durationS?: number;
  /** The code version as given (an imported record); captured from the working tree when absent. */
  code?: CodeVersion;
  /**
   * The commit an imported record names, as it wrote it (full or short). Resolved against the
   * repository into `code.commit`; one that does not exist is kept as tag `record.git_commit`
   * with a warning, and never becomes a parent of the run commit.
   */
  recordedCommit?: string;
  /** Extra files stored beside run.yaml (metric series and the like). */
  files?: Record<string, Buffer>;
  series?: string[];
  source?: RunManifest['source'];
  /** Directory relative data and artifact paths resolve against and are recorded relative to (default: the work tree). */
  base?: string;
  /**
   * A run id fixed in advance (a run being captured owns its id from the start). If a run with
   * this id is already on the branch, nothing is written and `CONFLICT` is thrown, so a retried
   * recording can never create a duplicate.
   */
  id?: string;
  /** The environment as the program reported it (the interpreter that ran, its libraries), over what is probed. */
  environment?: { python?: string; packages?: string };
  /** Who ran it, when a client said so (MLflow's `mlflow.user`); default: the git identity. */
  author?: { name: string; email: string };
}

export interface LogRunResult {
  manifest: RunManifest;
  /** The canonical YAML of the manifest. */
  yaml: string;
  /** The run commit on `runs`; null for a dry run. */
  commit: string | null;
}

/**
 * Record a run. With `dryRun`, returns the manifest that would be written and writes nothing.
 *
 * @example
 * const { manifest } = await logRun(ctx, { name: 'baseline', params: { lr: 0.01 }, metrics: { f1: 0.84 } });
 * manifest.id; // '3f9a21c0b7d4'
 */
export async function logRun(ctx: TrackerContext, input: LogRunInput, options: { dryRun?: boolean } = {}): Promise<LogRunResult> {
  const { repo, env } = ctx;
  // Before hashing anything: a value over its limit fails fast, whatever the caller.
  checkValueSizes(input);
  const base = input.base ?? repo.workTree ?? process.cwd();
  const data = await Promise.all(
    (input.data ?? []).map(async (d) => ({ input: d, hash: await hashPath(resolve(base, d.path), { stateDir: repo.stateDir, env, label: `hashing ${displayPath(base, d.path)}` }) })),
  );
  const artifacts = await Promise.all((input.artifacts ?? []).map((a) => hashArtifact(ctx, base, a)));
  // `git var` (identity) and `git status` (code) run side by side.
  const identityP = resolveIdentity(repo, env);
  identityP.catch(() => {});
  // A dry run detects a dirty tree but writes no snapshot commit.
  const tags = { ...input.tags };
  const captured = input.code
    ? { code: { ...input.code, ...recordedCode(ctx, input, tags, base) }, patch: undefined }
    : await captureHeldCode(ctx, identityP, !options.dryRun);
  const identity = await identityP;
  // Submodules sit beside `code` in the manifest (a list has no place in its flat map).
  const { submodules, ...codeVersion } = captured.code as CodeVersion;
  // An imported record ran elsewhere: this machine's OS, host and versions would be wrong.
  const record = input.source?.kind === 'record' ? input.source : undefined;
  const environment = record ? undefined : await captureEnvironment({ stateDir: repo.stateDir, env, version: gitTrackVersion() });

  const draft = {
    format: MANIFEST_FORMAT,
    id: input.id ?? newRunId(env),
    name: input.name,
    experiment: input.experiment,
    parent: input.parent,
    status: input.status ?? 'finished',
    created: (input.created ?? env.now()).toISOString().replace(/\.000Z$/, 'Z'),
    duration_s: input.durationS,
    author: input.author ?? { name: identity.name, email: identity.email },
    command: input.command,
    code: { ...codeVersion, ...(captured.patch ? { patch: PATCH_FILE } : {}) },
    submodules: submodules?.length ? submodules : undefined,
    data: [
      ...data.map(({ input: d, hash }) => ({ path: displayPath(base, d.path), ...pointer(hash), ...(d.label ? { label: d.label } : {}) })),
      ...(input.dataVersion ? [{ kind: 'version', label: input.dataVersion }] : []),
    ],
    params: input.params ?? {},
    metrics: input.metrics ?? {},
    series: input.series?.length ? input.series : undefined,
    artifacts: artifacts.map((a) => a.entry),
    env: environment && { ...environment, ...input.environment },
    tags,
    note: input.note,
    source: record ? { kind: record.kind, file: recordPath(base, record.file) } : undefined,
  };
  // Checked without zod: loading it was most of `git-track log`'s start-up (check-manifest.ts).
  let manifest = await validateManifestQuickly(stripUndefined(draft), record ? recordPath(base, record.file) : undefined, record ? 'run record' : undefined);
  checkManifestSize(encodeValidManifest(manifest));
  if (options.dryRun) return { manifest, yaml: encodeValidManifest(manifest), commit: null };

  for (const a of artifacts) if (a.hash) await cachePath(repo.stateDir, a.absolute, a.hash);
  const files: Record<string, Buffer> = { ...(input.files ?? {}) };
  if (captured.patch) files[PATCH_FILE] = Buffer.from(captured.patch);

  // A fresh id is drawn if it collides with a run already on the branch (~2e-5 at 100k runs);
  // an id the caller fixed is never redrawn.
  // A snapshot taken when a captured run started (`run`, startRun) has waited, unreachable,
  // for the whole run: take its objects over now, or leave it out if a gc took them.
  const snapshotHeld = !input.code?.snapshot || holdSnapshot(ctx, input.code.snapshot);
  for (;;) {
    const yaml = encodeValidManifest(manifest);
    const runTree = writeRunTree(ctx, { ...files, [MANIFEST_FILE]: Buffer.from(yaml) });
    const dir = runDirPath(manifest.id);
    const id = manifest.id;
    try {
      const result = await appendToRuns(ctx, {
        edits: (root) => {
          // Throwing (not returning no edits) keeps a collision from committing an empty change.
          if (lookupPath(ctx.store, root, dir)) throw new GitTrackError('CONFLICT', `run ${id} is already recorded`, { id, idTaken: true });
          return [{ path: dir, entry: { mode: '040000', oid: runTree } }];
        },
        message: summariseRun(manifest),
        identity,
        extraParents: codeParent(ctx, snapshotHeld ? captured.code : { ...captured.code, snapshot: undefined }),
        authorDate: input.created,
      });
      if (manifest.artifacts.some((a) => a.sha256 !== null)) {
        // Loaded only for a run with artifact bytes: a plain log pays nothing for it.
        const { warnOverStoreCap } = await import('../artifacts/store-cap.js');
        await warnOverStoreCap(ctx, manifest).catch((err: unknown) => {
          // A bad store setting is push's to report; the run is recorded either way.
          if (!isGitTrackError(err)) throw err;
        });
      }
      return { manifest, yaml, commit: result.commit };
    } catch (err) {
      if (input.id || !isGitTrackError(err, 'CONFLICT') || !err.data.idTaken) throw err;
    }
    manifest = { ...manifest, id: newRunId(env) };
  }
}

async function hashArtifact(
  ctx: TrackerContext,
  base: string,
  a: { path: string; role?: string; optional?: boolean; as?: string },
): Promise<{ entry: Record<string, unknown>; absolute: string; hash: ContentHash | null }> {
  const absolute = resolve(base, a.path);
  const path = a.as ?? displayPath(base, a.path);
  const role = a.role ? { role: a.role } : {};
  try {
    const hash = await hashPath(absolute, { stateDir: ctx.repo.stateDir, env: ctx.env, label: `hashing ${path}` });
    return { entry: { path, ...pointer(hash), ...role }, absolute, hash };
  } catch (err) {
    if (!(a.optional && err instanceof GitTrackError && err.code === 'FILE_NOT_FOUND')) throw err;
    ctx.env.warn(`artifact ${a.path} no longer exists; kept as a path-only reference`);
    return { entry: { path, kind: 'file', sha256: null, size: null, ...role }, absolute, hash: null };
  }
}

function pointer(hash: ContentHash): Record<string, unknown> {
  return { kind: hash.kind, sha256: hash.sha256, size: hash.size, ...(hash.files !== undefined ? { files: hash.files } : {}) };
}

/** Paths inside the work tree are recorded relative to it, with '/' separators. */
function displayPath(base: string, path: string): string {
  const absolute = resolve(base, path);
  const rel = relative(base, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return absolute;
  return rel.split(sep).join('/');
}

function writeRunTree(ctx: TrackerContext, files: Record<string, Buffer>): string {
  const edits: TreeEdit[] = Object.entries(files).map(([name, content]) => ({
    path: name,
    entry: { mode: '100644', oid: ctx.store.write('blob', content) },
  }));
  return editTree(ctx.store, null, edits);
}

/**
 * The code version, with a snapshot commit's new objects written through our store so the
 * run's guarded pack holds them too (git writes them into a private objects dir first). An
 * object the snapshot shares with an unreachable one in the repository may still be pruned
 * before we read it, and git loses races for fan-out dirs a prune removes: then try again.
 */
async function captureHeldCode(ctx: TrackerContext, identity: Promise<Identity>, snapshot: boolean): Promise<CapturedCode> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await captureCodeVersion(ctx.repo, ctx.env, identity, {
        snapshot,
        adopt: (commit, quarantine) => copyNewObjects(ctx.store, commit, quarantine),
      });
    } catch (err) {
      if (!prunedMeanwhile(err) || attempt >= 5) throw err;
    }
  }
}

/** Take over an earlier snapshot's objects; false (with a warning) when some are already gone. */
function holdSnapshot(ctx: TrackerContext, snapshot: string): boolean {
  try {
    copyNewObjects(ctx.store, snapshot);
    return true;
  } catch (err) {
    if (!isGitTrackError(err, 'OBJECT_NOT_FOUND')) throw err;
    ctx.env.warn(`the snapshot commit ${snapshot.slice(0, 12)} of the run's uncommitted changes was deleted (git gc?); the run keeps its patch, its commit links to HEAD`);
    return false;
  }
}

/**
 * An object git or we had just written was gone when the next step read it, or git lost the
 * race for a fan-out directory that a prune removed (git does not retry that itself).
 */
function prunedMeanwhile(err: unknown): boolean {
  if (isGitTrackError(err, 'OBJECT_NOT_FOUND')) return true;
  const stderr = isGitTrackError(err, 'GIT_FAILED') ? String(err.data.stderr ?? '') : '';
  return /bad object|(not a valid|invalid) object|unable to read|unable to create temporary file|unable to write|missing/i.test(stderr);
}

/**
 * The run commit's second parent: the snapshot of uncommitted changes, else HEAD. Only a
 * commit that exists: a parent missing from the repository breaks `git log` and every push.
 */
function codeParent(ctx: TrackerContext, code: CodeVersion): string[] {
  const parent = code.snapshot ?? code.commit;
  // An id of the other object format (a `--code-commit` from elsewhere) cannot be in this repository.
  return parent && ctx.store.format.oidPattern.test(parent) && ctx.store.has(parent) ? [parent] : [];
}

/** `code.commit` of an imported record: its `git_commit` resolved, or kept as a tag when absent. */
function recordedCode(ctx: TrackerContext, input: LogRunInput, tags: Record<string, string>, base: string): Partial<CodeVersion> {
  const text = input.recordedCommit;
  if (text === undefined) return {};
  const { commit, ambiguous } = resolveRecordedCommit(ctx.store, text);
  if (commit) return { commit };
  tags['record.git_commit'] = text;
  const file = input.source ? recordPath(base, input.source.file) : 'run record';
  const why = ambiguous ? 'names more than one commit in this repository' : 'is not a commit in this repository';
  ctx.env.warn(`${file}: git_commit ${quoteInput(text)} ${why}; kept as tag record.git_commit, not linked to the run's code`);
  return { commit: null };
}

/**
 * A record's path as the manifest keeps it: relative to the work tree when inside it, else
 * its file name. An absolute path would publish the importer's home directory with the run.
 */
function recordPath(base: string, file: string): string {
  const rel = relative(base, resolve(base, file));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return basename(file);
  return rel.split(sep).join('/');
}

function stripUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
