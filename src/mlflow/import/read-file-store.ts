/**
 * An MLflow file store (`mlruns/`) as an import source:
 *
 * ```
 * mlruns/<experiment id>/meta.yaml              experiment: id, name, lifecycle_stage
 * mlruns/<experiment id>/<run id>/meta.yaml     run: id, status, times, user, lifecycle_stage
 * mlruns/<experiment id>/<run id>/params/<key>  the value (a key with '/' is a subfolder)
 * mlruns/<experiment id>/<run id>/metrics/<key> 'timestamp value step' lines
 * mlruns/<experiment id>/<run id>/tags/<key>    the value
 * mlruns/<experiment id>/<run id>/artifacts/    the files
 * mlruns/.trash/<experiment id>/                a deleted experiment
 * ```
 *
 * A deleted experiment (in `.trash`, or marked deleted) and a deleted run are left out unless
 * asked for. Nothing outside the folder is read: symlinks are skipped with a warning.
 */
import { realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../env.js';
import { GitTrackError, isGitTrackError } from '../../errors.js';
import { MAX_IMPORT_ARTIFACT_FILES, MAX_MLFLOW_META_BYTES, MAX_PARAM_VALUE_CHARS, MAX_SERIES_BYTES, MAX_TAG_VALUE_CHARS } from '../../limits.js';
import { parseExperimentMeta, parseMetricLines, parseRunMeta, type ExperimentMeta } from './parse-store.js';
import type { ArtifactFile, ArtifactReader, ImportSource, MetricPoint, RunStub, SourceRun } from './source.js';
import { keyFiles, listDir, lstatOrNull, readStoreFile } from './store-files.js';

/** Folders inside an experiment folder that are not runs. */
const NOT_RUNS = new Set(['tags', 'datasets', 'traces', 'models', 'logged_models']);

/** A run found on disk: its folder, and its experiment as read. */
interface FoundRun extends RunStub {
  dir: string;
  experiment: ExperimentMeta;
}

/**
 * Open `root` (the `mlruns/` folder) as an import source. Throws FILE_NOT_FOUND or BAD_INPUT
 * when it is not a folder. `label` is how messages name it (what the user typed).
 *
 * @example
 * const source = openFileStore('/home/ada/churn/mlruns', 'mlruns', env);
 */
export function openFileStore(root: string, label: string, env: Env): ImportSource {
  const stat = lstatOrNull(root);
  if (!stat) throw new GitTrackError('FILE_NOT_FOUND', `${label}: no such directory`, { path: root });
  if (!stat.isDirectory()) throw new GitTrackError('BAD_INPUT', `${label}: not a directory${stat.isSymbolicLink() ? ' (a symlink: give the folder it points to)' : ''}`, { path: root });
  // A folder one level too deep (an experiment's or a run's) has a meta.yaml of its own.
  if (lstatOrNull(join(root, 'meta.yaml'))) {
    throw new GitTrackError('BAD_INPUT', `${label}: an MLflow experiment or run folder; give the mlruns folder that holds the experiments`, { path: root });
  }
  const where = (path: string): string => {
    const rel = relative(root, path);
    return rel === '' ? label : `${label.replace(/\/+$/, '')}/${rel.split(sep).join('/')}`;
  };
  const warned = new Set<string>();
  const onSymlink = (path: string): void => {
    if (warned.has(path)) return;
    warned.add(path);
    env.warn(`${where(path)}: a symlink; not followed, not imported`);
  };
  const found = new Map<string, FoundRun>();

  return {
    label,
    key: `file:${realpathSync(root)}`,
    async listRuns() {
      const out: RunStub[] = [];
      const { dirs } = listDir(root, onSymlink);
      const experimentDirs = dirs.filter((d) => !d.startsWith('.')).map((d) => join(root, d));
      const trash = join(root, '.trash');
      if (lstatOrNull(trash)?.isDirectory()) experimentDirs.push(...listDir(trash, onSymlink).dirs.map((d) => join(trash, d)));
      let experiments = 0;
      let malformed = 0;
      for (const dir of experimentDirs) {
        let experiment: ExperimentMeta;
        try {
          experiment = parseExperimentMeta(readStoreFile(join(dir, 'meta.yaml'), MAX_MLFLOW_META_BYTES, where), where(join(dir, 'meta.yaml')));
        } catch (err) {
          if (!isGitTrackError(err)) throw err;
          // A folder without meta.yaml is not an experiment (MLflow ignores it too).
          if (err.code !== 'FILE_NOT_FOUND') {
            malformed++;
            env.warn(`${err.message}; the runs of experiment ${where(dir)} are not imported`);
          }
          continue;
        }
        experiments++;
        for (const name of listDir(dir, onSymlink).dirs) {
          if (NOT_RUNS.has(name) || name.startsWith('.')) continue;
          const runDir = join(dir, name);
          if (!lstatOrNull(join(runDir, 'meta.yaml'))) continue;
          const stub: FoundRun = { runId: name, where: where(runDir), dir: runDir, experiment, ...(experiment.deleted ? { deleted: true } : {}) };
          const parent = lstatOrNull(join(runDir, 'tags', 'mlflow.parentRunId'));
          if (parent?.isFile()) {
            try {
              stub.parentRunId = readStoreFile(join(runDir, 'tags', 'mlflow.parentRunId'), MAX_TAG_VALUE_CHARS * 4, where).trim();
            } catch (err) {
              if (!isGitTrackError(err)) throw err;
              // readRun reports it, once, with the run.
            }
          }
          found.set(`${experiment.experimentId}/${name}`, stub);
          out.push(stub);
        }
      }
      if (experiments === 0 && malformed === 0) {
        throw new GitTrackError('BAD_INPUT', `${label}: no MLflow experiments in it (folders with a meta.yaml); is it the mlruns folder?`, { path: root });
      }
      return out;
    },

    async readRun(stub) {
      const run = found.get(findKey(found, stub))!;
      const metaFile = join(run.dir, 'meta.yaml');
      const meta = parseRunMeta(readStoreFile(metaFile, MAX_MLFLOW_META_BYTES, where), where(metaFile));
      if (meta.runId !== run.runId) throw new GitTrackError('BAD_INPUT', `${where(metaFile)}: run_id ${meta.runId} is not the folder's name ${run.runId}`, { file: metaFile });
      const values = (folder: string, max: number): Record<string, string> => {
        const out: Record<string, string> = {};
        for (const [key, file] of keyFiles(join(run.dir, folder), where, onSymlink)) out[key] = readStoreFile(file, max, where);
        return out;
      };
      const metrics = new Map<string, MetricPoint[]>();
      for (const [key, file] of keyFiles(join(run.dir, 'metrics'), where, onSymlink)) {
        metrics.set(key, parseMetricLines(readStoreFile(file, MAX_SERIES_BYTES, where), where(file)));
      }
      return {
        runId: meta.runId,
        experimentId: meta.experimentId,
        experimentName: run.experiment.name,
        status: meta.status,
        startTime: meta.startTime,
        ...(meta.endTime !== undefined ? { endTime: meta.endTime } : {}),
        ...(meta.runName !== undefined ? { runName: meta.runName } : {}),
        ...(meta.userId !== undefined ? { userId: meta.userId } : {}),
        deleted: meta.deleted || run.experiment.deleted,
        // UTF-8 bytes: MLflow's limits are in characters, a character is up to 4 bytes.
        params: values('params', MAX_PARAM_VALUE_CHARS * 4),
        tags: values('tags', MAX_TAG_VALUE_CHARS * 4),
        metrics,
        ...(meta.artifactUri !== undefined ? { artifactLocation: meta.artifactUri } : {}),
      };
    },

    artifacts(source: SourceRun, stub: RunStub): ArtifactReader {
      const run = found.get(findKey(found, stub))!;
      const dir = join(run.dir, 'artifacts');
      return {
        async list() {
          const stat = lstatOrNull(dir);
          if (stat?.isSymbolicLink()) {
            onSymlink(dir);
            return [];
          }
          if (!stat?.isDirectory()) {
            warnElsewhere(source, run, env, where);
            return [];
          }
          const files: ArtifactFile[] = [];
          const walk = (path: string, prefix: string): void => {
            const listing = listDir(path, onSymlink);
            for (const f of listing.files) {
              files.push({ path: prefix + f, size: lstatOrNull(join(path, f))?.size });
              if (files.length > MAX_IMPORT_ARTIFACT_FILES) {
                throw new GitTrackError('BAD_INPUT', `${where(dir)}: over ${MAX_IMPORT_ARTIFACT_FILES} artifact files`, { path: dir, limit: MAX_IMPORT_ARTIFACT_FILES });
              }
            }
            for (const d of listing.dirs) walk(join(path, d), `${prefix}${d}/`);
          };
          walk(dir, '');
          if (files.length === 0) warnElsewhere(source, run, env, where);
          return files;
        },
        async fetch(file) {
          const path = join(dir, ...file.path.split('/'));
          // Checked again right before hashing: the listing may be stale.
          const stat = lstatOrNull(path);
          if (!stat?.isFile()) throw new GitTrackError('BAD_INPUT', `${where(path)}: no longer a regular file`, { path });
          return { path, cleanup() {} };
        },
      };
    },
  };
}

function findKey(found: Map<string, FoundRun>, stub: RunStub): string {
  const run = stub as FoundRun;
  return `${run.experiment.experimentId}/${run.runId}`;
}

/**
 * A run whose artifact root is not its `artifacts/` folder in this store (an S3 bucket, a
 * mount elsewhere) has its artifacts there: say they were not imported, rather than nothing.
 */
function warnElsewhere(source: SourceRun, run: FoundRun, env: Env, where: (p: string) => string): void {
  const uri = source.artifactLocation;
  if (!uri) return;
  let local: string | undefined;
  try {
    local = uri.startsWith('file:') ? fileURLToPath(uri) : uri.startsWith('/') ? uri : undefined;
  } catch {
    local = undefined;
  }
  if (local !== undefined && local.replace(/\/+$/, '').endsWith(`/${run.runId}/artifacts`)) return;
  env.warn(`${where(run.dir)}: artifacts are at ${uri}, outside the store; not imported`);
}
