/**
 * Tags added to a run after it was logged: a new file on `runs`, never an edit of run.yaml.
 */
import { GitTrackError, quoteInput } from '../errors.js';
import { resolveIdentity } from '../git/identity.js';
import { isValidName } from '../manifest/names.js';
import { checkRecordSize, checkValueSizes } from '../manifest/value-limits.js';
import { resolveRun } from '../runs/resolve-run.js';
import { appendToRuns } from '../runs/runs-branch.js';
import type { TrackerContext } from '../tracker-context.js';
import { encodeRecord, TAGS_FORMAT, tagsPath, type TagsRecord } from './records.js';

/**
 * Add tags to the run `ref` as one commit on `runs`.
 *
 * @example
 * await tagRun(ctx, '3f9a', { reviewed: 'yes' });
 */
export async function tagRun(ctx: TrackerContext, ref: string, tags: Record<string, string>): Promise<{ record: TagsRecord; commit: string }> {
  if (Object.keys(tags).length === 0) throw new GitTrackError('USAGE', 'give at least one tag as KEY=VALUE');
  for (const k of Object.keys(tags)) if (!isValidName(k)) throw new GitTrackError('USAGE', `invalid tag name ${quoteInput(k)}`, { key: k });
  checkValueSizes({ tags });
  const run = resolveRun(ctx, ref);
  const identity = await resolveIdentity(ctx.repo, ctx.env);
  const record: TagsRecord = {
    format: TAGS_FORMAT,
    run: run.manifest.id,
    added: ctx.env.now().toISOString(),
    by: { name: identity.name, email: identity.email },
    tags,
  };
  const text = encodeRecord(record);
  checkRecordSize(text);
  const oid = ctx.store.write('blob', Buffer.from(text));
  const path = tagsPath(record.run, record.added, ctx.env.random(2).toString('hex'));
  const { commit } = await appendToRuns(ctx, {
    edits: () => [{ path, entry: { mode: '100644', oid } }],
    message: `tag ${record.run} ${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(' ')}\n\nGit-Track-Tags: ${record.run}\n`,
    identity,
  });
  return { record, commit };
}
