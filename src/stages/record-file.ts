/**
 * Reading one record file of `runs` (a promotion, a tag record, a fact) the way every record
 * that arrives from other people is read: a regular file, at most {@link MAX_RECORD_BYTES},
 * valid, and filed at the path its own content gives it (a record of run A placed in run B's
 * directory, or a promotion to `staging` under `stages/production`, would say something about
 * a run or stage it does not name). A bad record is skipped with one warning, never the
 * listing: only `verify` fails on it.
 */
import type * as z from 'zod';
import { GitTrackError, isGitTrackError } from '../errors.js';
import { readBoundedBlob, readBoundedTree } from '../git/bounded-read.js';
import type { TreeEntry } from '../git/encode.js';
import type { ObjectStore } from '../git/objects.js';
import { MAX_RECORD_BYTES } from '../limits.js';
import { loadYaml } from '../manifest/yaml-text.js';
import type { TrackerContext } from '../tracker-context.js';

/**
 * Called for a record that cannot be read (over {@link MAX_RECORD_BYTES}, not a regular file,
 * invalid, filed under another path): the record is skipped. Without a handler, the error is
 * thrown.
 */
export type OnBadRecord = (path: string, message: string) => void;

/**
 * One record file's decoded value, or undefined when it is bad and `onBad` takes it.
 * `decode` gets the text and the `runs:PATH` it came from; `pathOf` gives the path the decoded
 * record belongs at, from its content and the random suffix of the file's own name.
 *
 * @example
 * readRecordFile(store, entry, 'tags/3f/3f9a21c0b7d4/x.yaml', onBad, decodeTagsRecord, (r, rand) => tagsPath(r.run, r.added, rand));
 */
export function readRecordFile<T>(
  store: ObjectStore,
  file: TreeEntry,
  path: string,
  onBad: OnBadRecord | undefined,
  decode: (text: string, source: string) => T,
  pathOf: (record: T, rand: string) => string,
): T | undefined {
  const source = `runs:${path}`;
  try {
    if (file.mode === '120000') throw new GitTrackError('INVALID_MANIFEST', `${source} is a symlink, not a record`, { path });
    if (file.mode !== '100644' && file.mode !== '100755') throw new GitTrackError('INVALID_MANIFEST', `${source} is not a regular file (mode ${file.mode})`, { path });
    const record = decode(readBoundedBlob(store, file.oid, MAX_RECORD_BYTES, source, 'INVALID_MANIFEST').toString('utf8'), source);
    const expected = pathOf(record, randOf(file.name));
    if (expected !== path) throw new GitTrackError('INVALID_MANIFEST', `${source}: its content belongs at ${expected}, not at this path`, { path, expected });
    return record;
  } catch (err) {
    if (!onBad || !isGitTrackError(err)) throw err;
    onBad(path, err.message.replace(`${source}: `, '').replace(`${source} `, ''));
    return undefined;
  }
}

/**
 * A tree's subdirectories (bounded, see {@link readBoundedTree}); a tree over the limits or an
 * entry that is not a directory goes to `onBad` and is skipped.
 *
 * @example
 * subdirectories(store, oid, 'tags', onBad).map((e) => e.name); // ['3f', 'a1']
 */
export function subdirectories(store: ObjectStore, oid: string, path: string, onBad: OnBadRecord | undefined): TreeEntry[] {
  return boundedEntries(store, oid, path, onBad).filter((e) => {
    if (e.mode === '040000') return true;
    onBad?.(`${path}/${e.name}`, 'is not a directory');
    return false;
  });
}

/** A tree's entries, or none when it is over the limits and `onBad` takes it. */
export function boundedEntries(store: ObjectStore, oid: string, path: string, onBad: OnBadRecord | undefined): TreeEntry[] {
  try {
    return readBoundedTree(store, oid, path);
  } catch (err) {
    if (!onBad || !isGitTrackError(err)) throw err;
    onBad(path, err.message.replace(`tree ${path} `, ''));
    return [];
  }
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

/** The random suffix of a record's file name (`<stamp>[-<run>]-<rand>.yaml`). */
function randOf(name: string): string {
  const stem = name.endsWith('.yaml') ? name.slice(0, -'.yaml'.length) : name;
  return stem.slice(stem.lastIndexOf('-') + 1);
}

/**
 * A record's text parsed as YAML and checked against `schema`; at most
 * {@link MAX_RECORD_BYTES}. The one decoding of promotions, tag records, facts and
 * experiment records.
 *
 * @throws GitTrackError INVALID_MANIFEST naming `source` and what is wrong
 * @example
 * decodeRecord(promotionSchema, text, 'stages/production/…yaml');
 */
export function decodeRecord<T>(schema: z.ZodType<T>, text: string, source: string): T {
  if (Buffer.byteLength(text) > MAX_RECORD_BYTES) throw new GitTrackError('INVALID_MANIFEST', `${source}: larger than ${MAX_RECORD_BYTES} bytes`, { source });
  let value: unknown;
  try {
    value = loadYaml().parse(text, { schema: 'core' });
  } catch (err) {
    throw new GitTrackError('INVALID_MANIFEST', `${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { source });
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new GitTrackError('INVALID_MANIFEST', `${source}: ${issue.path.join('.') || 'record'}: ${issue.message}`, { source, issues: r.error.issues });
  }
  return r.data;
}
