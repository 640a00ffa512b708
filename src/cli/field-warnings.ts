/**
 * A warning for each field a `--filter` or `--sort` names that no run has.
 */
import type { Expr } from '../query/ast.js';
import { laterTags } from '../query/query-runs.js';
import type { RunTable } from '../query/run-table.js';
import type { SortKey } from '../query/sort.js';
import { fieldsOf, unknownFields } from '../query/unknown-fields.js';
import type { TrackerContext } from '../tracker-context.js';
import type { CliContext } from './context.js';

/**
 * Warn on stderr about `--filter`/`--sort` fields that are in none of the runs of `table` (nor
 * in tags added later, nor in `extraKeys`, e.g. runs still in progress).
 *
 * @example
 * warnUnknownFields(cli, ctx, result.table, { filter, sort });
 */
export function warnUnknownFields(cli: CliContext, ctx: TrackerContext, table: RunTable, query: { filter?: Expr; sort?: SortKey[] }, extraKeys: string[] = []): void {
  if (!query.filter && !query.sort) return;
  let known: Set<string> | undefined;
  const knownKeys = (): Set<string> => {
    if (known) return known;
    known = new Set([...table.keys(), ...extraKeys]);
    for (const tags of laterTags(ctx).values()) for (const k of Object.keys(tags)) known.add(`tags.${k}`);
    return known;
  };
  for (const [flag, fields] of [
    ['--filter', query.filter ? fieldsOf(query.filter) : []],
    ['--sort', (query.sort ?? []).map((k) => k.field)],
  ] as const) {
    if (fields.length === 0) continue;
    for (const u of unknownFields(fields, knownKeys())) {
      const near = u.nearest.length > 0 ? ` (did you mean ${u.nearest.join(', ')}?)` : '';
      cli.env.warn(`${flag} names ${u.field}, which no run has${near}`);
    }
  }
}
