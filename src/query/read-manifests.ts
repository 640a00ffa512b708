/**
 * Reading many manifests at once, for a cold or far-behind query index.
 *
 * Measured on 10,000 runs (bench/list.mjs, 2-core VM): through our ObjectStore, inflating
 * each tree and blob in-process plus full zod validation took ~3.4 s end to end; handing the
 * object reads to one `git cat-file --batch` process (`<run tree>:run.yaml` per line, so git
 * resolves the path too) runs the inflating beside our parsing. Values for the index come
 * from the strict canonical reader with a structural check; zod validation (~70 µs a
 * manifest) is left to the commands that print a manifest, and anything the canonical reader
 * declines goes through the full decoder (which validates and reports errors as usual).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { RunManifest } from '../manifest/schema.js';
import { readManifestText, readUndeliveredManifest, type RunEntry } from '../runs/read-runs.js';
import { MANIFEST_FILE } from '../runs/layout.js';
import { formatBytes } from '../config/size.js';
import { MAX_MANIFEST_BYTES } from '../limits.js';
import type { TrackerContext } from '../tracker-context.js';
import { GitTrackError, isGitTrackError } from '../errors.js';
import { collectGarbageIfGrown } from './collect-garbage.js';
import { checkManifestObjects, checkManifestObjectsAsync, type ManifestCheck } from './manifest-listing.js';
import { manifestForIndex } from './manifest-for-index.js';

/** Below this many manifests a git process costs more than it saves. */
export const BATCH_THRESHOLD = 200;
const BATCH_SIZE = 5000;
/** A cold build checks its heap every this many manifests (see collect-garbage.ts). */
const GC_CHECK_EVERY = 1000;

/**
 * Called for a run whose manifest cannot be indexed (missing, too large, invalid, filed under
 * another id, or its object missing from the repository: then `missing` is that object's id).
 */
export type OnSkippedRun = (entry: RunEntry, message: string, missing?: string) => void;

export interface ReadForIndexOptions {
  batchThreshold?: number;
  /**
   * Runs come from other people: with this handler a bad manifest is skipped and reported
   * here instead of failing the whole read.
   */
  onSkip?: OnSkippedRun;
  /**
   * Asked after each piece git streams that completed a manifest ({@link readManifestsForIndexAsync}
   * only): while the promise it returns is pending, reading waits (a caller pacing a build).
   */
  pause?: () => Promise<void> | undefined;
}

/**
 * Call `each` with every entry's manifest (as far as the index needs it), in order.
 *
 * @example
 * readManifestsForIndex(ctx, entries, (entry, m) => builder.addRun(entry.id, entry.tree, m));
 */
export function readManifestsForIndex(ctx: TrackerContext, entries: RunEntry[], each: (entry: RunEntry, m: RunManifest) => void, options: ReadForIndexOptions = {}): void {
  const take = guarded(each, options.onSkip);
  let start = 0;
  if (entries.length >= (options.batchThreshold ?? BATCH_THRESHOLD)) {
    for (; start < entries.length; start += BATCH_SIZE) {
      const chunk = entries.slice(start, start + BATCH_SIZE);
      const checked = checkManifestObjects(ctx, chunk);
      if (!checked) break; // no usable git: read the rest in-process
      const oids = checked.flatMap((c) => ('oid' in c ? [c.oid] : []));
      const texts = catFileBatch(ctx, oids);
      if (!texts) break;
      let next = 0;
      chunk.forEach((e, i) => {
        const c = checked[i]!;
        take(e, () => ('oid' in c ? manifestForIndex(texts[next++] ?? missing(ctx, e), e) : answerLocally(ctx, e, c)));
      });
      if (entries.length >= GC_CHECK_EVERY) collectGarbageIfGrown();
    }
  }
  for (let i = start; i < entries.length; i++) {
    const e = entries[i]!;
    take(e, () => manifestForIndex(readManifestText(ctx, e), e));
  }
}

/** An entry the listing refused from its tree entry, or one to read in-process. */
function answerLocally(ctx: TrackerContext, e: RunEntry, c: { refuse: string } | { local: true }): RunManifest {
  if ('refuse' in c) throw new GitTrackError('INVALID_MANIFEST', c.refuse, { id: e.id });
  return manifestForIndex(readManifestText(ctx, e), e);
}

/** `each` with errors about the manifest itself handed to `onSkip` (when given) instead of thrown. */
function guarded(each: (entry: RunEntry, m: RunManifest) => void, onSkip: OnSkippedRun | undefined): (e: RunEntry, read: () => RunManifest) => void {
  return (e, read) => {
    let m: RunManifest;
    try {
      m = read();
    } catch (err) {
      // A missing object counts against the run only when it is the run's own (see readManifestText).
      const own = isGitTrackError(err, 'OBJECT_NOT_FOUND') && err.data.id === e.id;
      if (!onSkip || !isGitTrackError(err) || (err.code !== 'INVALID_MANIFEST' && err.code !== 'CORRUPT_OBJECT' && !own)) throw err;
      onSkip(e, err.message, own ? String(err.data.missing) : undefined);
      return;
    }
    each(e, m);
  };
}

/**
 * {@link readManifestsForIndex} with git streaming: manifests are parsed while git is still
 * reading the next ones, so on two cores a cold build costs about the larger of the two
 * rather than their sum. Falls back to in-process reads for whatever git did not deliver.
 *
 * @example
 * await readManifestsForIndexAsync(ctx, entries, (entry, m) => builder.addRun(entry.id, entry.tree, m));
 */
export async function readManifestsForIndexAsync(
  ctx: TrackerContext,
  entries: RunEntry[],
  each: (entry: RunEntry, m: RunManifest) => void,
  options: ReadForIndexOptions = {},
): Promise<void> {
  let rest = entries;
  if (entries.length >= (options.batchThreshold ?? BATCH_THRESHOLD)) {
    const take = guarded(each, options.onSkip);
    // The listing's answers are dropped once sorted: only what the stream needs stays while
    // it runs (a cold build's memory at 100,000 runs).
    const wanted = await checkManifestObjectsAsync(ctx, entries).then((checked) => checked && inPackOrder(ctx, entries, checked, take));
    if (wanted) {
      const { order } = wanted;
      const streamed = await streamCatFile(ctx, wanted.oids.splice(0), options.pause, (k, text, size) => {
        const e = order[k]!;
        take(e, () => (size !== undefined ? tooLarge(e, size) : manifestForIndex(text ?? missing(ctx, e), e)));
      });
      rest = order.slice(streamed);
    }
  }
  readManifestsForIndex(ctx, rest, each, { ...options, batchThreshold: Infinity });
}

/**
 * The entries whose manifest git can stream, and their blob ids, in pack order rather than
 * run-id order: git then inflates each delta chain once (see ObjectStore.packOrder). Rows of
 * the index have no order of their own. The others are answered now through `take`.
 */
function inPackOrder(ctx: TrackerContext, entries: RunEntry[], checked: ManifestCheck[], take: (e: RunEntry, read: () => RunManifest) => void): { order: RunEntry[]; oids: string[] } {
  const found: RunEntry[] = [];
  const oids: string[] = [];
  checked.forEach((c, i) => {
    if ('oid' in c) found.push(entries[i]!), oids.push(c.oid);
    else take(entries[i]!, () => answerLocally(ctx, entries[i]!, c));
  });
  const sorted = ctx.store.packOrder(oids);
  return { order: sorted.map((i) => found[i]!), oids: sorted.map((i) => oids[i]!) };
}

/**
 * Stream the blobs `oids` through one git process; resolves to how many were delivered. A blob
 * over {@link MAX_MANIFEST_BYTES} is refused from its header (`each` gets its size, no text),
 * and its bytes are passed over as they come, never held.
 */
function streamCatFile(ctx: TrackerContext, oids: string[], pause: ReadForIndexOptions['pause'], each: (k: number, text: string | undefined, tooLarge?: number) => void): Promise<number> {
  let input = oids.length === 0 ? '' : `${oids.join('\n')}\n`;
  return new Promise((resolve, reject) => {
    let delivered = 0;
    let failed = false;
    let error: unknown;
    const child = spawn(ctx.env.gitBinary, ['--git-dir', ctx.repo.commonDir, 'cat-file', '--batch'], {
      env: { PATH: ctx.env.vars.PATH, HOME: ctx.env.vars.HOME, GIT_CONFIG_NOSYSTEM: '1', ...ctx.repo.gitVars },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let buf: Buffer = Buffer.alloc(0);
    /** Bytes of a refused blob (and its newline) still to pass over. */
    let skip = 0;
    const finish = () => (error === undefined ? resolve(delivered) : reject(error));
    child.on('error', () => ((failed = true), finish()));
    child.stdin.on('error', () => {});
    child.stdout.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (skip > 0) {
        const passed = Math.min(skip, chunk.length);
        skip -= passed;
        chunk = chunk.subarray(passed);
      }
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let pos = 0;
      try {
        for (;;) {
          const nl = buf.indexOf(10, pos);
          if (nl < 0) break;
          const m = / blob (\d+)$/.exec(buf.toString('latin1', pos, nl));
          if (!m) {
            each(delivered, undefined); // '<oid> missing'
            delivered++;
            pos = nl + 1;
            continue;
          }
          const size = Number(m[1]);
          if (size > MAX_MANIFEST_BYTES) {
            each(delivered, undefined, size);
            delivered++;
            const after = nl + 1 + size + 1;
            if (after <= buf.length) pos = after;
            else (skip = after - buf.length), (pos = buf.length);
            continue;
          }
          const end = nl + 1 + size;
          if (end + 1 > buf.length) break;
          each(delivered, buf.toString('utf8', nl + 1, end));
          delivered++;
          if (delivered % GC_CHECK_EVERY === 0) collectGarbageIfGrown();
          pos = end + 1;
        }
      } catch (err) {
        // A manifest the full decoder refuses: stop git, report the error to the caller.
        failed = true;
        error = err;
        child.kill();
        return;
      }
      buf = buf.subarray(pos);
      // Asked only once a manifest came of this piece: a wait never stops a build at zero.
      const wait = pos > 0 ? pause?.() : undefined;
      if (wait) {
        child.stdout.pause();
        void wait.then(() => child.stdout.resume());
      }
    });
    child.on('close', finish);
    child.stdin.end(input);
    // The closures above share this scope, and live as long as the git process's handle: they
    // must not keep 100,000 ids (4 MB) alive through the build.
    input = '';
  });
}

function tooLarge(e: RunEntry, size: number): never {
  throw new GitTrackError('INVALID_MANIFEST', `run ${e.id}: ${MANIFEST_FILE} is ${formatBytes(size)}, over the limit of ${formatBytes(MAX_MANIFEST_BYTES)}`, { id: e.id });
}

/**
 * The manifest git said is missing, looked up in-process: that names the missing object (and
 * the run's directory, when it is what is gone) for the warning and for the index's re-check.
 */
function missing(ctx: TrackerContext, e: RunEntry): string {
  return readUndeliveredManifest(ctx, e);
}

/** Contents of the blobs `specs` via one `git cat-file --batch`; null if git is unusable. */
function catFileBatch(ctx: TrackerContext, specs: string[]): (string | undefined)[] | null {
  const r = spawnSync(ctx.env.gitBinary, ['--git-dir', ctx.repo.commonDir, 'cat-file', '--batch'], {
    input: `${specs.join('\n')}\n`,
    maxBuffer: 1 << 30,
    env: { PATH: ctx.env.vars.PATH, HOME: ctx.env.vars.HOME, GIT_CONFIG_NOSYSTEM: '1', ...ctx.repo.gitVars },
  });
  if (r.status !== 0 || !r.stdout) return null;
  const out = r.stdout;
  const texts: (string | undefined)[] = [];
  let pos = 0;
  for (let i = 0; i < specs.length; i++) {
    const nl = out.indexOf(10, pos);
    if (nl < 0) return null;
    const header = out.toString('latin1', pos, nl);
    const m = / blob (\d+)$/.exec(header);
    if (!m) {
      texts.push(undefined); // '<spec> missing' or not a blob
      pos = nl + 1;
      continue;
    }
    const size = Number(m[1]);
    texts.push(out.toString('utf8', nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  return texts;
}
