/**
 * The query index cache at `<git-dir>/git-track/query-index.bin`: every run's fields, keyed by
 * run-directory tree ids (immutable, so an entry can never describe the wrong run).
 *
 * On each read the branch itself is consulted: the `runs` tip and its 256 shard trees (one
 * small tree read). Shards whose tree id is unchanged since the indexed tip are skipped;
 * changed shards are listed and only run directories not already in the index are read. A
 * missing or corrupt index is rebuilt; a write goes to a temp file renamed into place, so
 * concurrent processes never see a half-written index (the last writer wins, and both
 * versions are correct).
 */
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemCode } from '../errors.js';
import { runsTip, type RunEntry } from '../runs/read-runs.js';
import { readManifestsForIndex } from './read-manifests.js';
import { RUN_ID_PATTERN, RUNS_DIR } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { decodeIndex, encodeIndex } from './index-file.js';
import { TableBuilder, type RunTable } from './run-table.js';

export const INDEX_FILE = 'query-index.bin';

/**
 * The index, brought up to date with the `runs` tip (and saved when it changed).
 *
 * @example
 * const table = loadQueryIndex(ctx);
 * table.ids.length; // number of runs on the branch
 */
export function loadQueryIndex(ctx: TrackerContext): RunTable {
  const tip = runsTip(ctx);
  const path = join(ctx.repo.stateDir, INDEX_FILE);
  const old = readIndex(path);
  if (old && old.tip === tip) return old;
  const shards = tip ? shardTrees(ctx, tip) : {};
  const table = updateTable(ctx, old, tip, shards);
  writeIndex(path, table);
  return table;
}

function readIndex(path: string): RunTable | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  try {
    return decodeIndex(bytes);
  } catch {
    return null; // corrupt: rebuilt from the branch
  }
}

/** Shard name → tree id of `runs/<shard>` at `tip`. */
function shardTrees(ctx: TrackerContext, tip: string): Record<string, string> {
  const root = ctx.store.readCommit(tip).tree;
  const runsDir = ctx.store.readTree(root).find((e) => e.name === RUNS_DIR && e.mode === '040000');
  const out: Record<string, string> = {};
  if (runsDir) for (const e of ctx.store.readTree(runsDir.oid)) if (e.mode === '040000') out[e.name] = e.oid;
  return out;
}

function updateTable(ctx: TrackerContext, old: RunTable | null, tip: string | null, shards: Record<string, string>): RunTable {
  const builder = new TableBuilder(old ? [...old.strings] : []);
  const changed = new Set(Object.keys(shards).filter((s) => old?.shards[s] !== shards[s]));
  // Rows of unchanged shards are kept as they are; changed shards are re-listed.
  const known = new Map<string, number>();
  if (old) {
    old.trees.forEach((tree, row) => {
      const shard = old.ids[row]!.slice(0, 2);
      if (!(shard in shards)) return;
      if (!changed.has(shard)) builder.copyRow(old, row);
      else known.set(tree, row);
    });
  }
  const added: RunEntry[] = [];
  for (const shard of [...changed].sort()) {
    for (const e of ctx.store.readTree(shards[shard]!)) {
      if (e.mode !== '040000' || !RUN_ID_PATTERN.test(e.name)) continue;
      const row = known.get(e.oid);
      if (row !== undefined && old) builder.copyRow(old, row);
      else added.push({ id: e.name, tree: e.oid });
    }
  }
  readManifestsForIndex(ctx, added, (e, m) => builder.addRun(e.id, e.tree, m));
  return builder.build(tip, shards);
}

function writeIndex(path: string, table: RunTable): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(temp, encodeIndex(table));
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {}
    // A read-only repository still answers queries; it just rebuilds the index each time.
    if (systemCode(err) !== 'EACCES' && systemCode(err) !== 'EROFS') throw err;
  }
}
