/**
 * Reading promotions and after-the-fact tags from the `runs` branch.
 */
import type { ObjectStore } from '../git/objects.js';
import { lookupPath } from '../git/tree-edit.js';
import type { RunManifest } from '../manifest/schema.js';
import { runsTip } from '../runs/read-runs.js';
import { shardOf } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { boundedEntries, readRecordFile, subdirectories, warnSkipped, type OnBadRecord } from './record-file.js';
import { decodePromotion, decodeTagsRecord, promotionPath, STAGES_DIR, TAGS_DIR, tagsPath, type Promotion, type TagsRecord } from './records.js';

export { warnSkipped, type OnBadRecord } from './record-file.js';

export interface PromotionEntry extends Promotion {
  /** Path of the promotion file on `runs`. */
  path: string;
}

/**
 * Every promotion below the root tree `root`, oldest first (file names start with the time).
 * With `stage`, only that stage's.
 *
 * @example
 * listPromotionsAt(ctx.store, root, 'production').at(-1)?.run; // the current production run
 */
export function listPromotionsAt(store: ObjectStore, root: string, stage?: string, onBad?: OnBadRecord): PromotionEntry[] {
  const dirPath = stage ? `${STAGES_DIR}/${stage}` : STAGES_DIR;
  const dir = lookupPath(store, root, dirPath);
  if (!dir) return [];
  if (dir.mode !== '040000') {
    onBad?.(dirPath, 'is not a directory');
    return [];
  }
  const out: PromotionEntry[] = [];
  const stages = stage ? [{ name: stage, oid: dir.oid }] : subdirectories(store, dir.oid, STAGES_DIR, onBad);
  for (const s of stages) {
    for (const month of subdirectories(store, s.oid, `${STAGES_DIR}/${s.name}`, onBad)) {
      const monthPath = `${STAGES_DIR}/${s.name}/${month.name}`;
      for (const file of boundedEntries(store, month.oid, monthPath, onBad)) {
        const path = `${monthPath}/${file.name}`;
        const p = readRecordFile(store, file, path, onBad, decodePromotion, promotionPath);
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
  return boundedEntries(store, tree, dirPath, onBad).flatMap((f) => {
    const r = readRecordFile(store, f, `${dirPath}/${f.name}`, onBad, decodeTagsRecord, (t, rand) => tagsPath(t.run, t.added, rand));
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
  if (!top) return out;
  if (top.mode !== '040000') {
    onBad?.(TAGS_DIR, 'is not a directory');
    return out;
  }
  for (const shard of subdirectories(ctx.store, top.oid, TAGS_DIR, onBad)) {
    for (const run of subdirectories(ctx.store, shard.oid, `${TAGS_DIR}/${shard.name}`, onBad)) {
      const records = readTagRecords(ctx.store, run.oid, `${TAGS_DIR}/${shard.name}/${run.name}`, onBad);
      // Each record is filed under its own run: a good one here is about this directory's run.
      if (records.length > 0) out.set(run.name, records);
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
