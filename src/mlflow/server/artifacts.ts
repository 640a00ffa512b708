/**
 * Artifacts: MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>`:
 * PUT uploads, GET downloads, `?path=` lists) and the tracking API's artifacts/list.
 *
 * An upload to a run in progress lands in its staging dir's `artifacts/` (a temp file renamed
 * into place when complete); when the run is recorded, every file there is hashed into the
 * content-addressed cache and becomes an artifact pointer, as with `git-track log -a`.
 * Downloads of a recorded run come from the cache by the pointer's sha256.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { cachedPath } from '../../artifacts/cache.js';
import { MLFLOW_MAX_ARTIFACT_BYTES } from '../../limits.js';
import { invalid, MlflowError, notFound } from './errors.js';
import type { RunStore } from './run-store.js';

/** One listed entry: a file with its size, or a directory. */
export interface ArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/**
 * The run id and the path inside its artifacts of a proxy path `<exp>/<run>/artifacts[/<path>]`.
 * Refuses empty, `.` and `..` segments and backslashes: the path names a file inside the run.
 */
export function parseArtifactPath(text: string): { runId: string; path: string } {
  const parts = text.split('/').filter((p, i) => !(p === '' && i === 0));
  if (parts.length < 3 || parts[2] !== 'artifacts') throw invalid(`Invalid artifact path '${text.slice(0, 200)}': expected <experiment>/<run>/artifacts/...`);
  const rest = parts.slice(3);
  if (rest.length && rest[rest.length - 1] === '') rest.pop();
  checkRelative(rest.join('/'));
  return { runId: parts[1]!, path: rest.join('/') };
}

function checkRelative(path: string): void {
  if (path === '') return;
  if (path.includes('\\') || path.includes('\0') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw invalid(`Invalid artifact path '${path.slice(0, 200)}': it must be a relative path without '.', '..' or empty segments`);
  }
}

/** Receive an upload into the staging dir of the run in progress. */
export async function putArtifact(store: RunStore, req: IncomingMessage, proxyPath: string): Promise<void> {
  const { runId, path } = parseArtifactPath(proxyPath);
  if (path === '') throw invalid('An artifact upload needs a file path after artifacts/');
  const run = store.active.get(runId);
  if (!run) {
    if (store.recorded(runId)) throw new MlflowError('INVALID_STATE', `The run ${runId} has ended and is recorded on 'runs'; upload artifacts before ending it`);
    throw notFound(`Run with id=${runId} not found`);
  }
  if (run.status !== 'RUNNING') throw new MlflowError('INVALID_STATE', `The run ${runId} is ${run.status}; upload artifacts before ending it`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MLFLOW_MAX_ARTIFACT_BYTES) throw invalid(`Artifact '${path}' is ${declared} bytes, over the limit of ${MLFLOW_MAX_ARTIFACT_BYTES} (MLFLOW_MAX_ARTIFACT_BYTES)`);
  const root = run.artifactsDir();
  const target = join(root, ...path.split('/'));
  const segments = path.split('/');
  let dir = root;
  for (const s of segments.slice(0, -1)) {
    dir = join(dir, s);
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw invalid(`Artifact path '${path}' crosses a file`);
    }
  }
  const tmp = `${target}.${process.pid}.${Date.now()}.upload`;
  let received = 0;
  try {
    await pipeline(
      req,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          received += chunk.length;
          if (received > MLFLOW_MAX_ARTIFACT_BYTES) throw invalid(`Artifact '${path}' is over the limit of ${MLFLOW_MAX_ARTIFACT_BYTES} bytes (MLFLOW_MAX_ARTIFACT_BYTES)`);
          yield chunk;
        }
      },
      createWriteStream(tmp, { flags: 'wx' }),
    );
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw invalid(`Artifact path '${path}' is a directory`);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The files of a run's artifacts (active: its staging dir; recorded: its pointers). */
function runFiles(store: RunStore, runId: string): { files: { path: string; size: number; dir?: boolean; sha256?: string | null }[]; active: string | null } {
  const run = store.active.get(runId);
  if (run) {
    const root = join(run.dir, 'artifacts');
    const files: { path: string; size: number }[] = [];
    const walk = (dir: string, prefix: string) => {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        if (name.endsWith('.upload')) continue;
        const st = statSync(join(dir, name), { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory()) walk(join(dir, name), `${prefix}${name}/`);
        else if (st.isFile()) files.push({ path: `${prefix}${name}`, size: st.size });
      }
    };
    walk(root, '');
    return { files, active: root };
  }
  const rec = store.recorded(runId);
  if (!rec) throw notFound(`Run with id=${runId} not found`);
  return { files: rec.manifest.artifacts.map((a) => ({ path: a.path, size: a.size ?? 0, dir: a.kind === 'dir', sha256: a.sha256 })), active: null };
}

/**
 * The entries directly under `path` of a run's artifacts, paths relative to the artifacts root
 * (`full`) or to `path` (the proxy's listing).
 */
export function listArtifacts(store: RunStore, runId: string, path: string, relativeTo: 'root' | 'dir'): ArtifactFile[] {
  checkRelative(path);
  const { files } = runFiles(store, runId);
  const prefix = path === '' ? '' : `${path}/`;
  const out = new Map<string, ArtifactFile>();
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const shown = relativeTo === 'root' ? `${prefix}${name}` : name;
    if (slash >= 0 || f.dir) out.set(name, { path: shown, is_dir: true });
    else out.set(name, { path: shown, is_dir: false, file_size: f.size });
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Send one artifact file. */
export async function getArtifact(store: RunStore, res: ServerResponse, proxyPath: string): Promise<void> {
  const { runId, path } = parseArtifactPath(proxyPath);
  const { files, active } = runFiles(store, runId);
  const file = files.find((f) => f.path === path && !f.dir);
  if (!file) throw notFound(`No artifact '${path}' in run ${runId}`);
  let source: string | null;
  if (active) source = join(active, ...path.split('/'));
  else {
    source = file.sha256 ? cachedPath(store.ctx.repo.stateDir, file.sha256) : null;
    if (!source) throw notFound(`Artifact '${path}' of run ${runId} is not in the local cache (git-track get ${runId} fetches it from the shared store)`);
  }
  const size = statSync(source).size;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
  await pipeline(createReadStream(source), res);
}
