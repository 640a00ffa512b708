/**
 * An MLflow tracking server as an import source, through its REST API (MLflow's
 * `service.proto`): experiments and runs from the search endpoints, page by page; each
 * metric's full history from `metrics/get-history`, paged; artifacts listed with
 * `artifacts/list` and downloaded through the server's artifact proxy (`mlflow-artifacts:`
 * roots), read from the run's artifact root when it is a local path and the server runs on
 * this machine. A root `s3://…` (a server with `--no-serve-artifacts`) is read through the
 * server when it can read that bucket itself (`artifacts/list`, `/get-artifact`, as its UI
 * does), else straight from S3 with this machine's AWS credentials (s3-artifacts.ts).
 * Credentials as the MLflow client takes them: MLFLOW_TRACKING_TOKEN (bearer),
 * or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (basic).
 *
 * The server is untrusted like any remote: response sizes are bounded, listed paths must stay
 * under the run's artifact root, a download may not exceed the size the listing gave.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../env.js';
import { GitTrackError, isGitTrackError, quoteInput } from '../../errors.js';
import { scrubUrl } from '../../git/credentials.js';
import { MAX_IMPORT_ARTIFACT_FILES, MAX_NESTING_DEPTH, MLFLOW_HISTORY_PAGE, MLFLOW_RUNS_PAGE } from '../../limits.js';
import { closeConnection, openLocalArtifacts, requestJson, downloadTo, type Connection } from './server-http.js';
import { openS3Artifacts, parseS3Root, type S3Artifacts } from './s3-artifacts.js';
import type { ArtifactFile, ArtifactReader, ImportSource, MetricPoint, RunStub, SourceRun } from './source.js';

interface ServerRun {
  info?: { run_id?: string; run_uuid?: string; experiment_id?: string; run_name?: string; user_id?: string; status?: string; start_time?: number | string; end_time?: number | string; artifact_uri?: string; lifecycle_stage?: string };
  data?: { params?: { key?: string; value?: string }[]; tags?: { key?: string; value?: string }[]; metrics?: { key?: string }[] };
}

interface Stub extends RunStub {
  run: ServerRun;
  experimentName?: string;
}

/**
 * Open the MLflow server at `url`. Throws USAGE for a URL that is not http(s).
 *
 * @example
 * const source = openServerSource('http://127.0.0.1:5000', env);
 */
export function openServerSource(url: string, env: Env): ImportSource {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new GitTrackError('USAGE', `--server ${quoteInput(url)} is not a URL (http://host:port)`, { url });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new GitTrackError('USAGE', `--server ${quoteInput(url)}: only http and https are supported`, { url });
  const label = scrubUrl(url).replace(/\/+$/, '');
  const conn: Connection = { base, label, headers: authHeaders(base, env), vars: env.vars };
  let tempDir: string | undefined;
  const temp = (): string => (tempDir ??= mkdtempSync(join(tmpdir(), 'git-track-mlflow-')));
  // Loaded only for a run whose artifacts are in S3 (the AWS SDK is heavy).
  let s3: Promise<S3Artifacts> | undefined;
  const openS3 = (): Promise<S3Artifacts> => (s3 ??= openS3Artifacts(env));
  /** Whether the server serves its runs' s3:// artifacts (asked with the first such run). */
  let serverReadsS3: boolean | undefined;

  return {
    label,
    key: `server:${label}`,
    async listRuns() {
      // Deleted ones too: the importer counts those it leaves out, and imports them when asked.
      const view = 'ALL';
      const experiments: { id: string; name: string; deleted: boolean }[] = [];
      await paged(async (token) => {
        const page = await requestJson(conn, 'POST', 'experiments/search', { max_results: MLFLOW_RUNS_PAGE, view_type: view, ...(token ? { page_token: token } : {}) });
        for (const e of arrayOf(page.experiments)) {
          const id = stringOf((e as { experiment_id?: unknown }).experiment_id);
          if (id !== undefined) experiments.push({ id, name: stringOf((e as { name?: unknown }).name) ?? id, deleted: (e as { lifecycle_stage?: unknown }).lifecycle_stage === 'deleted' });
        }
        return stringOf(page.next_page_token);
      });
      const out: RunStub[] = [];
      for (const experiment of experiments) {
        await paged(async (token) => {
          const page = await requestJson(conn, 'POST', 'runs/search', {
            experiment_ids: [experiment.id],
            max_results: MLFLOW_RUNS_PAGE,
            run_view_type: view,
            ...(token ? { page_token: token } : {}),
          });
          for (const run of arrayOf(page.runs) as ServerRun[]) {
            const runId = stringOf(run.info?.run_id) ?? stringOf(run.info?.run_uuid);
            if (!runId || !/^[\w-]{1,64}$/.test(runId)) {
              env.warn(`${label}: a run without a usable run_id in experiment ${experiment.id}; skipped`);
              continue;
            }
            const parent = tagList(run).find((t) => t.key === 'mlflow.parentRunId')?.value;
            const deleted = experiment.deleted || run.info?.lifecycle_stage === 'deleted';
            const stub: Stub = { runId, where: `MLflow run ${runId}`, run, experimentName: experiment.name, ...(parent ? { parentRunId: parent } : {}), ...(deleted ? { deleted } : {}) };
            out.push(stub);
          }
          return stringOf(page.next_page_token);
        });
      }
      return out;
    },

    async readRun(stub) {
      const { run, experimentName } = stub as Stub;
      const info = run.info ?? {};
      const label = `MLflow run ${stub.runId}`;
      const startTime = Number(info.start_time);
      if (!Number.isSafeInteger(startTime) || startTime < 0) throw new GitTrackError('BAD_INPUT', `${label}: no start_time`, { runId: stub.runId });
      const endTime = info.end_time === undefined || info.end_time === null ? undefined : Number(info.end_time);
      const metrics = new Map<string, MetricPoint[]>();
      const keys = [...new Set((run.data?.metrics ?? []).map((m) => stringOf(m.key)).filter((k): k is string => k !== undefined))];
      for (const key of keys) metrics.set(key, await history(conn, stub.runId, key));
      const params: Record<string, string> = {};
      for (const p of run.data?.params ?? []) if (typeof p.key === 'string' && typeof p.value === 'string') params[p.key] = p.value;
      const tags: Record<string, string> = {};
      for (const t of tagList(run)) tags[t.key] = t.value;
      return {
        runId: stub.runId,
        experimentId: stringOf(info.experiment_id) ?? '0',
        ...(experimentName !== undefined ? { experimentName } : {}),
        status: stringOf(info.status) ?? 'FINISHED',
        startTime,
        ...(endTime !== undefined && Number.isSafeInteger(endTime) && endTime > 0 ? { endTime } : {}),
        ...(stringOf(info.run_name) ? { runName: stringOf(info.run_name) } : {}),
        ...(stringOf(info.user_id) ? { userId: stringOf(info.user_id) } : {}),
        deleted: stub.deleted ?? false,
        params,
        tags,
        metrics,
        ...(stringOf(info.artifact_uri) ? { artifactLocation: stringOf(info.artifact_uri) } : {}),
      } satisfies SourceRun;
    },

    artifacts(run: SourceRun): ArtifactReader {
      const root = run.artifactLocation ?? '';
      return {
        async list() {
          const files: ArtifactFile[] = [];
          const walk = async (dir: string, depth: number): Promise<void> => {
            if (depth > MAX_NESTING_DEPTH) throw new GitTrackError('BAD_INPUT', `MLflow run ${run.runId}: artifact folders nested deeper than ${MAX_NESTING_DEPTH}`, { runId: run.runId });
            await paged(async (token) => {
              const query = new URLSearchParams({ run_id: run.runId, ...(dir ? { path: dir } : {}), ...(token ? { page_token: token } : {}) });
              const page = await requestJson(conn, 'GET', `artifacts/list?${query}`);
              for (const f of arrayOf(page.files) as { path?: unknown; is_dir?: unknown; file_size?: unknown }[]) {
                const path = stringOf(f.path);
                if (path === undefined || !isPlainPath(path) || (dir !== '' && !path.startsWith(`${dir}/`))) {
                  throw new GitTrackError('BAD_INPUT', `MLflow run ${run.runId}: the server listed artifact ${quoteInput(String(f.path))} outside ${dir || 'the artifact root'}`, { runId: run.runId });
                }
                if (f.is_dir === true) await walk(path, depth + 1);
                else {
                  const size = Number(f.file_size);
                  files.push({ path, ...(Number.isSafeInteger(size) && size >= 0 ? { size } : {}) });
                  if (files.length > MAX_IMPORT_ARTIFACT_FILES) throw new GitTrackError('BAD_INPUT', `MLflow run ${run.runId}: over ${MAX_IMPORT_ARTIFACT_FILES} artifact files`, { runId: run.runId });
                }
              }
              return stringOf(page.next_page_token);
            });
          };
          if (!root) return files;
          if (parseS3Root(root)) {
            if (serverReadsS3 !== false) {
              try {
                await walk('', 1);
                serverReadsS3 = true;
                return files;
              } catch (err) {
                // A server without access to the bucket answers 5xx: read S3 from here instead.
                if (serverReadsS3 === true || !isGitTrackError(err) || !((err.data.status as number) >= 500)) throw err;
                serverReadsS3 = false;
              }
            }
            return (await openS3()).list(root, run.runId);
          }
          if (!root.startsWith('mlflow-artifacts:') && !localRoot(root, base)) {
            env.warn(`MLflow run ${run.runId}: artifacts are at ${scrubUrl(root)}, which git-track cannot read; not imported`);
            return files;
          }
          await walk('', 1);
          return files;
        },
        async fetch(file) {
          if (parseS3Root(root)) {
            const target = join(temp(), `${Math.random().toString(36).slice(2)}`);
            if (serverReadsS3) {
              const query = new URLSearchParams({ path: file.path, run_uuid: run.runId });
              await downloadTo(conn, `/get-artifact?${query}`, target, file.size, `MLflow run ${run.runId}: artifact ${file.path}`);
            } else await (await openS3()).fetch(root, file, target, run.runId);
            return { path: target, cleanup: () => rmSync(target, { force: true }) };
          }
          const local = localRoot(root, base);
          if (local) return { path: openLocalArtifacts(local, file.path, run.runId), cleanup() {} };
          // mlflow-artifacts:/<path> or mlflow-artifacts://host:port/<path>: the proxy serves <path>.
          const rootPath = root.replace(/^mlflow-artifacts:(\/\/[^/]*)?/, '').replace(/^\/+|\/+$/g, '');
          const target = join(temp(), `${Math.random().toString(36).slice(2)}`);
          const segments = [...(rootPath ? rootPath.split('/') : []), ...file.path.split('/')].map(encodeURIComponent).join('/');
          await downloadTo(conn, `/api/2.0/mlflow-artifacts/artifacts/${segments}`, target, file.size, `MLflow run ${run.runId}: artifact ${file.path}`);
          return { path: target, cleanup: () => rmSync(target, { force: true }) };
        },
      };
    },

    async close() {
      closeConnection(conn);
      if (s3) (await s3.catch(() => undefined))?.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** The authorization headers the MLflow client would send. */
function authHeaders(base: URL, env: Env): Record<string, string> {
  const token = env.vars.MLFLOW_TRACKING_TOKEN;
  if (token) return { authorization: `Bearer ${token}` };
  const user = env.vars.MLFLOW_TRACKING_USERNAME ?? (base.username ? decodeURIComponent(base.username) : undefined);
  const password = env.vars.MLFLOW_TRACKING_PASSWORD ?? (base.password ? decodeURIComponent(base.password) : undefined);
  if (user && password !== undefined) return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
  return {};
}

/** A run's artifact root as a local folder, only for a server on this machine (a remote one's paths mean nothing here). */
function localRoot(root: string, base: URL): string | null {
  const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(base.hostname);
  if (!loopback) return null;
  try {
    if (root.startsWith('file:')) return fileURLToPath(root);
  } catch {
    return null;
  }
  return root.startsWith('/') ? root : null;
}

/** A relative path of plain segments ('a/b.txt'): no empty, '.', '..' or absolute part. */
function isPlainPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

async function history(conn: Connection, runId: string, key: string): Promise<MetricPoint[]> {
  const out: MetricPoint[] = [];
  await paged(async (token) => {
    const query = new URLSearchParams({ run_id: runId, metric_key: key, max_results: String(MLFLOW_HISTORY_PAGE), ...(token ? { page_token: token } : {}) });
    const page = await requestJson(conn, 'GET', `metrics/get-history?${query}`);
    for (const m of arrayOf(page.metrics) as { value?: unknown; timestamp?: unknown; step?: unknown }[]) {
      const timestamp = Number(m.timestamp);
      const step = Number(m.step ?? 0);
      // MLflow's JSON writes NaN and infinities as the strings "NaN", "Infinity".
      const value = typeof m.value === 'number' ? m.value : Number(m.value);
      if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(step)) {
        throw new GitTrackError('BAD_INPUT', `MLflow run ${runId}: metric ${quoteInput(key)} has a point without a timestamp and step`, { runId });
      }
      out.push({ timestamp, value, step });
    }
    return stringOf(page.next_page_token);
  });
  return out;
}

/** Calls `page` with each next-page token until there is none (a token seen twice ends it). */
async function paged(page: (token: string | undefined) => Promise<string | undefined>): Promise<void> {
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    token = await page(token);
    if (token !== undefined && seen.has(token)) throw new GitTrackError('BAD_INPUT', 'the MLflow server returned the same page token twice', {});
    if (token) seen.add(token);
  } while (token);
}

function tagList(run: ServerRun): { key: string; value: string }[] {
  return (run.data?.tags ?? []).filter((t): t is { key: string; value: string } => typeof t.key === 'string' && typeof t.value === 'string');
}

function arrayOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}
