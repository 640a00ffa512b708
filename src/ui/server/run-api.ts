/**
 * `/api/run/:ref` (one run in full) and `/api/run/:ref/output` (a part of its output.log):
 * see docs/ui-api.md.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { cachedPath } from '../../artifacts/cache.js';
import { OUTPUT_FILE } from '../../capture/staging.js';
import { GitTrackError, isGitTrackError, quoteInput } from '../../errors.js';
import { factsOf, withFacts } from '../../facts/read-facts.js';
import { childRuns } from '../../facts/run-children.js';
import { readBoundedBlob } from '../../git/bounded-read.js';
import { lookupPath } from '../../git/tree-edit.js';
import { MAX_UI_BLOB_BYTES, MAX_UI_TEXT_BYTES } from '../../limits.js';
import type { RunManifest } from '../../manifest/schema.js';
import { buildContentIndex, type ContentIndex } from '../../provenance/content-index.js';
import { lineage } from '../../provenance/lineage.js';
import { runsTip } from '../../runs/read-runs.js';
import { resolveRun, type ResolvedRun } from '../../runs/resolve-run.js';
import { readRunSeries } from '../../series/read-series.js';
import { currentStages, listPromotions, tagRecordsOf, withTags } from '../../stages/read-stages.js';
import { liveRuns, type LiveRun } from './live-runs.js';
import { intParam } from './query-params.js';
import { cached, type UiState } from './ui-state.js';

/** How much of output.log the run page shows at first: the end is what people look for. */
const OUTPUT_TAIL_BYTES = 64 * 1024;

/** A run by reference, or the run in progress whose id starts with it. */
export function findRun(state: UiState, ref: string): { resolved: ResolvedRun } | { live: LiveRun } {
  try {
    return { resolved: resolveRun(state.ctx, ref) };
  } catch (err) {
    if (!isGitTrackError(err, 'RUN_NOT_FOUND') || ref.length < 4) throw err;
    const live = liveRuns(state.ctx).filter((r) => r.id.startsWith(ref));
    if (live.length === 1) return { live: live[0]! };
    throw err;
  }
}

/**
 * Everything the run page shows.
 *
 * @example
 * runAnswer(state, 'baseline').run.params;
 */
export function runAnswer(state: UiState, ref: string): object {
  const found = findRun(state, ref);
  const tip = runsTip(state.ctx);
  if ('live' in found) return liveAnswer(tip, found.live);
  const { manifest, entry } = found.resolved;
  const { ctx } = state;
  const laterTags = tagRecordsOf(ctx, manifest.id);
  const facts = factsOf(ctx, manifest.id);
  const run = withFacts(withTags(manifest, laterTags), facts);
  const current = currentStages(ctx);
  const stages = listPromotions(ctx)
    .filter((p) => p.run === manifest.id)
    .map(({ path, ...p }) => ({ ...p, current: current.get(p.stage)?.path === path }));
  const index = contentIndex(state, tip);
  const patchName = manifest.code?.patch;
  const patchBlob = patchName ? readRunFile(state, entry.tree, patchName, manifest.id) : null;
  const output = readRunFile(state, entry.tree, OUTPUT_FILE, manifest.id);
  let series: object[] = [];
  try {
    series = readRunSeries(ctx, manifest.id).series.map((s) => ({ metric: s.metric, summary: s.summary }));
  } catch (err) {
    if (!isGitTrackError(err)) throw err;
    ctx.env.warn(err.message);
  }
  return {
    tip,
    run,
    running: null,
    archived: facts?.archived && facts.archivedBy ? facts.archivedBy : null,
    renamed: facts?.name !== undefined && facts.name !== manifest.name ? { from: manifest.name ?? null, to: facts.name } : null,
    laterTags,
    children: childRuns(ctx, manifest.id),
    stages,
    patch: patchBlob ? patchPart(patchBlob) : null,
    output: output ? outputPart(output, Math.max(0, output.length - OUTPUT_TAIL_BYTES), OUTPUT_TAIL_BYTES) : null,
    artifacts: manifest.artifacts.map((a) => {
      const cached = a.kind === 'file' && a.sha256 !== null && cachedPath(ctx.repo.stateDir, a.sha256) !== null;
      const download = cached && !state.exporting ? `/api/artifact/${manifest.id}/${a.path.split('/').map(encodeURIComponent).join('/')}` : null;
      return { ...a, cached, download };
    }),
    data: manifest.data.map((d) => ({ ...d, producedBy: d.kind === 'version' ? [] : producers(index, d.sha256, manifest) })),
    series,
    lineage: lineage(ctx, manifest.id, { index }),
    usedBy: manifest.artifacts.flatMap((a) =>
      a.sha256 === null ? [] : index.uses(a.sha256).filter((u) => u.as === 'data' && u.run.id !== manifest.id).map((u) => ({ ...brief(u.run), path: a.path })),
    ),
  };
}

function liveAnswer(tip: string | null, r: LiveRun): object {
  const { dir: _dir, pid, hostname, lastActivity, ...run } = r;
  const output = readLiveOutput(r, -OUTPUT_TAIL_BYTES, OUTPUT_TAIL_BYTES);
  return {
    tip,
    run,
    running: { pid, hostname, started: r.created, lastActivity },
    archived: null,
    renamed: null,
    laterTags: [],
    children: [],
    stages: [],
    patch: null,
    output,
    artifacts: [],
    data: [],
    series: [],
    lineage: null,
    usedBy: [],
  };
}

/**
 * A part of a run's output.log.
 *
 * @example
 * outputAnswer(state, 'latest', new URLSearchParams('offset=0&limit=65536'));
 */
export function outputAnswer(state: UiState, ref: string, q: URLSearchParams): object {
  const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(q, 'limit', OUTPUT_TAIL_BYTES, 1, MAX_UI_TEXT_BYTES);
  const found = findRun(state, ref);
  if ('live' in found) return readLiveOutput(found.live, offset, limit) ?? noOutput(ref);
  const blob = readRunFile(state, found.resolved.entry.tree, OUTPUT_FILE, found.resolved.manifest.id);
  if (!blob) noOutput(ref);
  return outputPart(blob!, Math.min(offset, blob!.length), limit);
}

function noOutput(ref: string): never {
  throw new GitTrackError('FILE_NOT_FOUND', `run ${quoteInput(ref)} has no output.log (only runs recorded by \`git-track run\` keep one)`);
}

/** A file of the run directory, or null; one too large or unreadable is a warning. */
function readRunFile(state: UiState, tree: string, path: string, id: string): Buffer | null {
  const file = lookupPath(state.ctx.store, tree, path);
  if (!file || !(file.mode === '100644' || file.mode === '100755')) return null;
  try {
    return readBoundedBlob(state.ctx.store, file.oid, MAX_UI_BLOB_BYTES, `run ${id} ${path}`, 'INVALID_MANIFEST');
  } catch (err) {
    if (!isGitTrackError(err)) throw err;
    state.ctx.env.warn(err.message);
    return null;
  }
}

function patchPart(buf: Buffer): { text: string; bytes: number; truncated: boolean } {
  const { text, truncated } = textPart(buf, 0, MAX_UI_TEXT_BYTES);
  return { text, bytes: buf.length, truncated };
}

function outputPart(buf: Buffer, offset: number, limit: number): { text: string; offset: number; next: number | null; bytes: number; truncated: boolean } {
  const part = textPart(buf, offset, limit);
  return { text: part.text, offset: part.offset, next: part.end < buf.length ? part.end : null, bytes: buf.length, truncated: part.offset > 0 || part.end < buf.length };
}

/** UTF-8 text of `buf[offset, offset+limit)`, both ends moved to character boundaries. */
function textPart(buf: Buffer, offset: number, limit: number): { text: string; offset: number; end: number; bytes: number; truncated: boolean } {
  let start = Math.min(offset, buf.length);
  let end = Math.min(buf.length, start + limit);
  while (start < end && (buf[start]! & 0xc0) === 0x80) start++;
  if (end < buf.length) while (end > start && (buf[end]! & 0xc0) === 0x80) end--;
  return { text: buf.subarray(start, end).toString('utf8'), offset: start, end, bytes: buf.length, truncated: start > 0 || end < buf.length };
}

/** The live output.log of a run in progress (a negative offset counts from the end). */
function readLiveOutput(r: LiveRun, offset: number, limit: number): object | null {
  let fd: number;
  try {
    fd = openSync(join(r.dir, OUTPUT_FILE), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
    const buf = Buffer.alloc(Math.min(limit, size - start));
    const n = readSync(fd, buf, 0, buf.length, start);
    const part = textPart(buf.subarray(0, n), 0, n);
    const end = start + part.end;
    return { text: part.text, offset: start + part.offset, next: end < size ? end : null, bytes: size, truncated: start + part.offset > 0 || end < size };
  } finally {
    closeSync(fd);
  }
}

/** The sha256 → runs lookup, built once per `runs` tip. */
function contentIndex(state: UiState, tip: string | null): ContentIndex {
  return cached(state, `content:${tip}`, () => buildContentIndex(state.ctx));
}

function producers(index: ContentIndex, sha256: string, run: RunManifest): object[] {
  return index
    .uses(sha256)
    .filter((u) => u.as === 'artifact' && u.run.id !== run.id)
    .map((u) => ({ ...brief(u.run), path: u.path }));
}

function brief(m: RunManifest): { id: string; name: string | null; created: string } {
  return { id: m.id, name: m.name ?? null, created: m.created };
}
