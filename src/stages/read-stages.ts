/**
 * Reading promotions and after-the-fact tags from the `runs` branch.
 */
import type { ObjectStore } from '../git/objects.js';
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
 * Every promotion below the root tree `root`, oldest first (file names start with the time).
 * With `stage`, only that stage's.
 *
 * @example
 * listPromotionsAt(ctx.store, root, 'production').at(-1)?.run; // the current production run
 */
export function listPromotionsAt(store: ObjectStore, root: string, stage?: string): PromotionEntry[] {
  const dir = lookupPath(store, root, stage ? `${STAGES_DIR}/${stage}` : STAGES_DIR);
  if (!dir || dir.mode !== '040000') return [];
  const out: PromotionEntry[] = [];
  const stages = stage ? [{ name: stage, oid: dir.oid }] : store.readTree(dir.oid).filter((e) => e.mode === '040000');
  for (const s of stages) {
    for (const month of store.readTree(s.oid)) {
      if (month.mode !== '040000') continue;
      for (const file of store.readTree(month.oid)) {
        const path = `${STAGES_DIR}/${s.name}/${month.name}/${file.name}`;
        out.push({ ...decodePromotion(store.readBlob(file.oid).toString('utf8'), `runs:${path}`), path });
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
  return tip ? listPromotionsAt(ctx.store, ctx.store.readCommit(tip).tree, stage) : [];
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
  return ctx.store.readTree(dir.oid).map((f) => decodeTagsRecord(ctx.store.readBlob(f.oid).toString('utf8'), `runs:${TAGS_DIR}/${id}/${f.name}`));
}

/**
 * Every run's tag records, by run id (one walk of the `tags` tree, for `list`).
 *
 * @example
 * allTagRecords(ctx).get(id)?.length;
 */
export function allTagRecords(ctx: TrackerContext): Map<string, TagsRecord[]> {
  const out = new Map<string, TagsRecord[]>();
  const tip = runsTip(ctx);
  const top = tip && lookupPath(ctx.store, ctx.store.readCommit(tip).tree, TAGS_DIR);
  if (!top || top.mode !== '040000') return out;
  for (const shard of ctx.store.readTree(top.oid)) {
    if (shard.mode !== '040000') continue;
    for (const run of ctx.store.readTree(shard.oid)) {
      if (run.mode !== '040000') continue;
      out.set(
        run.name,
        ctx.store.readTree(run.oid).map((f) => decodeTagsRecord(ctx.store.readBlob(f.oid).toString('utf8'), `runs:${TAGS_DIR}/${run.name}/${f.name}`)),
      );
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
