/**
 * Reading promotions and after-the-fact tags from the `runs` branch.
 */
import { GitTrackError, isGitTrackError } from '../errors.js';
import { readBoundedBlob, readBoundedTree } from '../git/bounded-read.js';
import type { TreeEntry } from '../git/encode.js';
import type { ObjectStore } from '../git/objects.js';
import { MAX_RECORD_BYTES } from '../limits.js';
import { lookupPath } from '../git/tree-edit.js';
import type { RunManifest } from '../manifest/schema.js';
import { runsTip } from '../runs/read-runs.js';
import { shardOf } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { decodePromotion, decodeTagsRecord, STAGES_DIR, TAGS_DIR, type Promotion, type TagsRecord } from './records.js';

export interface PromotionEntry extends Promotion {
  /** Path of the promotion file on `runs`. */
  path: string;
}

/**
 * Called for a record that cannot be read (over {@link MAX_RECORD_BYTES}, not a regular file,
 * invalid): the record is skipped. Records come from other people: one bad record costs a
 * warning, not the listing. Without a handler, the error is thrown.
 */
export type OnBadRecord = (path: string, message: string) => void;

/**
 * Every promotion below the root tree `root`, oldest first (file names start with the time).
 * With `stage`, only that stage's.
 *
 * @example
 * listPromotionsAt(ctx.store, root, 'production').at(-1)?.run; // the current production run
 */
export function listPromotionsAt(store: ObjectStore, root: string, stage?: string, onBad?: OnBadRecord): PromotionEntry[] {
  const dir = lookupPath(store, root, stage ? `${STAGES_DIR}/${stage}` : STAGES_DIR);
  if (!dir || dir.mode !== '040000') return [];
  const out: PromotionEntry[] = [];
  const stages = stage ? [{ name: stage, oid: dir.oid }] : readBoundedTree(store, dir.oid, STAGES_DIR).filter((e) => e.mode === '040000');
  for (const s of stages) {
    for (const month of readBoundedTree(store, s.oid, `${STAGES_DIR}/${s.name}`)) {
      if (month.mode !== '040000') continue;
      for (const file of readBoundedTree(store, month.oid, `${STAGES_DIR}/${s.name}/${month.name}`)) {
        const path = `${STAGES_DIR}/${s.name}/${month.name}/${file.name}`;
        const p = readRecord(store, file, path, onBad, (text) => decodePromotion(text, `runs:${path}`));
        if (p) out.push({ ...p, path });
      }
    }
  }
  return out.sort((a, b) => (a.promoted === b.promoted ? (a.path < b.path ? -1 : 1) : a.promoted < b.promoted ? -1 : 1));
}

/**
 * Promotions on the current tip of `runs`, oldest first (see {@link listPromotionsAt}).
 *
 * @example
 * listPromotions(ctx, 'production').length; // 3
 */
export function listPromotions(ctx: TrackerContext, stage?: string): PromotionEntry[] {
  const tip = runsTip(ctx);
  return tip ? listPromotionsAt(ctx.store, ctx.store.readCommit(tip).tree, stage, warnSkipped(ctx)) : [];
}

/** The handler that skips a bad record with one warning naming it (`git-track verify` lists them all). */
export function warnSkipped(ctx: TrackerContext): OnBadRecord {
  let warned = warnedRecords.get(ctx);
  if (!warned) warnedRecords.set(ctx, (warned = new Set()));
  const seen = warned;
  return (path, message) => {
    // Several readers of one command (the listing and its tags overlay) meet the same record.
    if (seen.has(path)) return;
    seen.add(path);
    ctx.env.warn(`skipping runs:${path}: ${message}`);
  };
}

const warnedRecords = new WeakMap<TrackerContext, Set<string>>();

/** One record file's decoded value, or undefined when it is bad and `onBad` takes it. */
function readRecord<T>(store: ObjectStore, file: TreeEntry, path: string, onBad: OnBadRecord | undefined, decode: (text: string) => T): T | undefined {
  try {
    if (file.mode !== '100644' && file.mode !== '100755') throw new GitTrackError('CORRUPT_OBJECT', `runs:${path} is not a regular file (mode ${file.mode})`, { path });
    return decode(readBoundedBlob(store, file.oid, MAX_RECORD_BYTES, `runs:${path}`).toString('utf8'));
  } catch (err) {
    if (!onBad || !isGitTrackError(err)) throw err;
    onBad(path, err.message.replace(`runs:${path}: `, '').replace(`runs:${path} `, ''));
    return undefined;
  }
}

/**
 * The latest promotion of each stage (by stage name), or of one stage.
 *
 * @example
 * currentStages(ctx).get('production')?.run; // '3f9a21c0b7d4'
 */
export function currentStages(ctx: TrackerContext, stage?: string): Map<string, PromotionEntry> {
  const current = new Map<string, PromotionEntry>();
  for (const p of listPromotions(ctx, stage)) current.set(p.stage, p);
  return new Map([...current].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Tag records added to a run after it was logged, oldest first.
 *
 * @example
 * tagRecordsOf(ctx, '3f9a21c0b7d4').map((r) => r.tags);
 */
export function tagRecordsOf(ctx: TrackerContext, id: string): TagsRecord[] {
  const tip = runsTip(ctx);
  if (!tip) return [];
  const dir = lookupPath(ctx.store, ctx.store.readCommit(tip).tree, `${TAGS_DIR}/${shardOf(id)}/${id}`);
  if (!dir || dir.mode !== '040000') return [];
  return readTagRecords(ctx.store, dir.oid, `${TAGS_DIR}/${shardOf(id)}/${id}`, warnSkipped(ctx));
}

function readTagRecords(store: ObjectStore, tree: string, dirPath: string, onBad: OnBadRecord | undefined): TagsRecord[] {
  return readBoundedTree(store, tree, dirPath).flatMap((f) => {
    const path = `${dirPath}/${f.name}`;
    const r = readRecord(store, f, path, onBad, (text) => decodeTagsRecord(text, `runs:${path}`));
    return r ? [r] : [];
  });
}

/**
 * Every run's tag records, by run id (one walk of the `tags` tree, for `list`).
 *
 * @example
 * allTagRecords(ctx).get(id)?.length;
 */
export function allTagRecords(ctx: TrackerContext, onBad: OnBadRecord | undefined = warnSkipped(ctx)): Map<string, TagsRecord[]> {
  const out = new Map<string, TagsRecord[]>();
  const tip = runsTip(ctx);
  const top = tip && lookupPath(ctx.store, ctx.store.readCommit(tip).tree, TAGS_DIR);
  if (!top || top.mode !== '040000') return out;
  for (const shard of readBoundedTree(ctx.store, top.oid, TAGS_DIR)) {
    if (shard.mode !== '040000') continue;
    for (const run of readBoundedTree(ctx.store, shard.oid, `${TAGS_DIR}/${shard.name}`)) {
      if (run.mode !== '040000') continue;
      out.set(run.name, readTagRecords(ctx.store, run.oid, `${TAGS_DIR}/${shard.name}/${run.name}`, onBad));
    }
  }
  return out;
}

/**
 * The run with its later tags merged over its own (later records win).
 *
 * @example
 * withTags(manifest, tagRecordsOf(ctx, manifest.id)).tags.reviewed; // 'yes'
 */
export function withTags(m: RunManifest, records: readonly TagsRecord[] | undefined): RunManifest {
  if (!records?.length) return m;
  const tags = { ...m.tags };
  for (const r of records) Object.assign(tags, r.tags);
  return { ...m, tags };
}
