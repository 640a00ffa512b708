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
import { decodeManifest } from '../manifest/codec.js';
import { readCanonical } from '../manifest/canonical-reader.js';
import type { RunManifest } from '../manifest/schema.js';
import { readRunFile, type RunEntry } from '../runs/read-runs.js';
import { MANIFEST_FILE } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { GitTrackError } from '../errors.js';
import { collectGarbage } from './collect-garbage.js';

/** Below this many manifests a git process costs more than it saves. */
const BATCH_THRESHOLD = 200;
const BATCH_SIZE = 5000;
/** A cold build collects its garbage every this many manifests (see collect-garbage.ts). */
const GC_EVERY = 5000;

/**
 * Call `each` with every entry's manifest (as far as the index needs it), in order.
 *
 * @example
 * readManifestsForIndex(ctx, entries, (entry, m) => builder.addRun(entry.id, entry.tree, m));
 */
export function readManifestsForIndex(
  ctx: TrackerContext,
  entries: RunEntry[],
  each: (entry: RunEntry, m: RunManifest) => void,
  options: { batchThreshold?: number } = {},
): void {
  let start = 0;
  if (entries.length >= (options.batchThreshold ?? BATCH_THRESHOLD)) {
    for (; start < entries.length; start += BATCH_SIZE) {
      const chunk = entries.slice(start, start + BATCH_SIZE);
      const texts = catFileBatch(ctx, chunk.map((e) => `${e.tree}:${MANIFEST_FILE}`));
      if (!texts) break; // no usable git: read the rest in-process
      chunk.forEach((e, i) => each(e, manifestForIndex(texts[i] ?? missing(e), e)));
      if (entries.length >= GC_EVERY) collectGarbage();
    }
  }
  for (let i = start; i < entries.length; i++) {
    const e = entries[i]!;
    const blob = readRunFile(ctx, e, MANIFEST_FILE);
    each(e, manifestForIndex(blob ? blob.toString('utf8') : missing(e), e));
  }
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
  options: { batchThreshold?: number } = {},
): Promise<void> {
  let done = 0;
  if (entries.length >= (options.batchThreshold ?? BATCH_THRESHOLD)) {
    done = await streamCatFile(ctx, entries, (e, text) => each(e, manifestForIndex(text ?? missing(e), e)));
  }
  readManifestsForIndex(ctx, entries.slice(done), each, { batchThreshold: Infinity });
}

/** Stream `<tree>:run.yaml` of every entry through one git process; resolves to how many were delivered. */
function streamCatFile(ctx: TrackerContext, entries: RunEntry[], each: (e: RunEntry, text: string | undefined) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let delivered = 0;
    let failed = false;
    let error: unknown;
    const child = spawn(ctx.env.gitBinary, ['--git-dir', ctx.repo.commonDir, 'cat-file', '--batch'], {
      env: { PATH: ctx.env.vars.PATH, HOME: ctx.env.vars.HOME, GIT_CONFIG_NOSYSTEM: '1', ...ctx.repo.gitVars },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let buf: Buffer = Buffer.alloc(0);
    const finish = () => (error === undefined ? resolve(delivered) : reject(error));
    child.on('error', () => ((failed = true), finish()));
    child.stdin.on('error', () => {});
    child.stdout.on('data', (chunk: Buffer) => {
      if (failed) return;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let pos = 0;
      try {
        for (;;) {
          const nl = buf.indexOf(10, pos);
          if (nl < 0) break;
          const m = / blob (\d+)$/.exec(buf.toString('latin1', pos, nl));
          if (!m) {
            each(entries[delivered]!, undefined); // '<spec> missing'
            delivered++;
            pos = nl + 1;
            continue;
          }
          const end = nl + 1 + Number(m[1]);
          if (end + 1 > buf.length) break;
          each(entries[delivered]!, buf.toString('utf8', nl + 1, end));
          delivered++;
          if (delivered % GC_EVERY === 0) collectGarbage();
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
    });
    child.on('close', finish);
    child.stdin.end(`${entries.map((e) => `${e.tree}:${MANIFEST_FILE}`).join('\n')}\n`);
  });
}

function missing(e: RunEntry): never {
  throw new GitTrackError('INVALID_MANIFEST', `run ${e.id} has no ${MANIFEST_FILE}`, { id: e.id });
}

/** The canonical reader's value when it has the shape the index reads, else the full decoder. */
function manifestForIndex(text: string, e: RunEntry): RunManifest {
  const v = readCanonical(text) as Partial<Record<keyof RunManifest, unknown>> | undefined;
  const isMap = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (
    v &&
    v.id === e.id &&
    typeof v.created === 'string' &&
    typeof v.status === 'string' &&
    isMap(v.author) &&
    isMap(v.params) &&
    isMap(v.metrics) &&
    isMap(v.tags) &&
    Array.isArray(v.data) &&
    (v.code === undefined || isMap(v.code))
  ) {
    return v as RunManifest;
  }
  return decodeManifest(text, `run ${e.id}`);
}

/** Contents of `specs` (`<tree>:<path>`) via one `git cat-file --batch`; null if git is unusable. */
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
