/**
 * The filter language's syntax tree, and the fields a filter, a sort key or a column can name.
 *
 * A field is a scope plus a name: `params.lr`, `metrics.f1`, `tags.team`, `data.<path>` (the
 * data entry's sha256, or `data.<path>.label|size|kind|sha256`) or a run attribute (`id`,
 * `name`, `created`, `code.commit`, …).
 */

export type Scope = 'params' | 'metrics' | 'tags' | 'data' | 'attr';

export interface Field {
  scope: Scope;
  name: string;
}

export type Literal =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { kind: 'or'; left: Expr; right: Expr }
  | { kind: 'and'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'compare'; field: Field; op: CompareOp; value: Literal }
  | { kind: 'like'; field: Field; pattern: string; caseInsensitive: boolean; negated: boolean }
  | { kind: 'in'; field: Field; values: Literal[]; negated: boolean }
  /** `field IS [NOT] NULL`: the run lacks the field (or holds null). The one test a missing field passes. */
  | { kind: 'is-null'; field: Field; negated: boolean };

/** Run attributes a filter can name, beside params/metrics/tags/data. */
export const ATTRIBUTES = [
  'id',
  'name',
  'experiment',
  'parent',
  'status',
  'created',
  'duration',
  'author',
  'author.email',
  'code.commit',
  'code.branch',
  'code.dirty',
  'code.snapshot',
  'note',
  // Not in a manifest: true once `git-track archive` recorded it (a later fact).
  'archived',
] as const;

/** Attributes compared as dates when the other side is a string. */
export const DATE_ATTRIBUTES = new Set(['created']);

const SCOPE_ALIASES: Record<string, Scope> = {
  params: 'params',
  param: 'params',
  metrics: 'metrics',
  metric: 'metrics',
  tags: 'tags',
  tag: 'tags',
  data: 'data',
};

/**
 * The field a dotted name refers to, or null when it names nothing.
 *
 * @example
 * resolveField('params.lr');   // { scope: 'params', name: 'lr' }
 * resolveField('code.commit'); // { scope: 'attr', name: 'code.commit' }
 * resolveField('lr');          // null
 */
export function resolveField(text: string): Field | null {
  const attr = text.replace(/^(?:attributes|attr|run)\./, '');
  if ((ATTRIBUTES as readonly string[]).includes(attr)) return { scope: 'attr', name: attr };
  const dot = text.indexOf('.');
  if (dot <= 0 || dot === text.length - 1) return null;
  const scope = SCOPE_ALIASES[text.slice(0, dot)];
  return scope ? { scope, name: text.slice(dot + 1) } : null;
}

/**
 * A field as it is written back: `params.lr`, `created`.
 *
 * @example
 * fieldKey({ scope: 'metrics', name: 'f1' }); // 'metrics.f1'
 */
export function fieldKey(field: Field): string {
  return field.scope === 'attr' ? field.name : `${field.scope}.${field.name}`;
}
