/**
 * MLflow's search syntax for runs, translated to git-track's query engine.
 *
 * A filter is clauses joined by AND: `<entity>.<key> <comparator> <value>`, where entity is
 * `metrics`, `params`, `tags` or `attributes` (and their aliases), the key may be quoted with
 * backticks or double quotes (`` tags.`mlflow.runName` ``, `metrics."f1 score"`), comparators
 * are `= != < <= > >= LIKE ILIKE IN NOT IN IS NULL IS NOT NULL`, and values are quoted
 * strings, numbers or parenthesised lists. Most clauses become git-track filter expressions
 * (evaluated over the query index); `attributes.end_time`, which the index has no column for,
 * is checked per run from `created` and `duration`, and `datasets.name|digest|context` per
 * run against the datasets log-inputs recorded.
 */
import type { CompareOp, Expr, Field, Literal } from '../../query/ast.js';
import type { FieldValue } from '../../query/evaluate.js';
import type { SortKey } from '../../query/sort.js';
import { MAX_FILTER_CHARS } from '../../limits.js';
import { compileLike } from '../../query/like.js';
import { TAG_GIT_COMMIT, TAG_NOTE, TAG_PARENT, TAG_RUN_NAME, TAG_USER, toParamValue } from '../mapping.js';
import { invalid } from './errors.js';
import { trackKey } from './active-run.js';

interface Token {
  type: 'word' | 'string' | 'quoted' | 'op' | '(' | ')' | ',';
  text: string;
}

/** A check the index cannot do: run per candidate with a field reader. */
export type Residual = (get: (field: Field) => FieldValue | undefined) => boolean;

/** A dataset of a run as datasets.* filters see it. */
export interface DatasetRef {
  name: string;
  digest: string;
  context?: string;
}

/** A datasets.* clause: true when one of the run's datasets satisfies it (MLflow joins per clause). */
export type DatasetCheck = (datasets: readonly DatasetRef[]) => boolean;

export interface TranslatedFilter {
  expr?: Expr;
  residual: Residual[];
  datasets: DatasetCheck[];
}

const DATASET_KEYS = ['name', 'digest', 'context'] as const;

const ENTITY: Record<string, 'metrics' | 'params' | 'tags' | 'attributes' | 'datasets'> = {
  metric: 'metrics',
  metrics: 'metrics',
  param: 'params',
  params: 'params',
  parameter: 'params',
  parameters: 'params',
  tag: 'tags',
  tags: 'tags',
  attribute: 'attributes',
  attributes: 'attributes',
  attr: 'attributes',
  run: 'attributes',
  dataset: 'datasets',
  datasets: 'datasets',
};

/** Tags that are manifest fields. */
const TAG_FIELDS: Record<string, string> = {
  [TAG_RUN_NAME]: 'name',
  [TAG_USER]: 'author',
  [TAG_PARENT]: 'parent',
  [TAG_NOTE]: 'note',
  [TAG_GIT_COMMIT]: 'code.commit',
};

const attr = (name: string): Field => ({ scope: 'attr', name });

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw invalid(`Invalid filter '${text.slice(0, 200)}': unterminated quote at character ${i + 1}`);
        if (text[j] === c) {
          // A doubled quote inside a string is the quote itself (SQL).
          if (text[j + 1] === c && c === "'") {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      out.push({ type: c === "'" ? 'string' : 'quoted', text: value });
      i = j + 1;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ type: c, text: c });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      const op = ['!=', '>=', '<=', '<>', '=='].includes(two) ? two : c;
      if (op === '!') throw invalid(`Invalid filter '${text.slice(0, 200)}': stray '!' at character ${i + 1}`);
      out.push({ type: 'op', text: op === '<>' ? '!=' : op === '==' ? '=' : op });
      i += op.length;
    } else {
      let j = i;
      while (j < text.length && !/[\s()=!<>,'"`]/.test(text[j]!)) j++;
      out.push({ type: 'word', text: text.slice(i, j) });
      i = j;
    }
  }
  return out;
}

class Reader {
  pos = 0;
  constructor(
    readonly tokens: Token[],
    readonly source: string,
  ) {}
  peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  next(what: string): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw invalid(`Invalid filter '${this.source.slice(0, 200)}': expected ${what} at the end`);
    return t;
  }
  keyword(word: string): boolean {
    const t = this.peek();
    if (t?.type === 'word' && t.text.toLowerCase() === word) {
      this.pos++;
      return true;
    }
    return false;
  }
}

/** `<entity>.<key>` from the reader: the entity and the key as the client wrote it. */
function identifier(r: Reader): { entity: string; key: string } {
  const t = r.next('an identifier');
  if (t.type !== 'word') throw invalid(`Invalid filter '${r.source.slice(0, 200)}': expected an identifier like metrics.f1, got '${t.text}'`);
  const dot = t.text.indexOf('.');
  if (dot < 0) {
    throw invalid(`Invalid identifier '${t.text}': it must start with metrics., params., tags. or attributes.`);
  }
  const entity = ENTITY[t.text.slice(0, dot).toLowerCase()];
  if (!entity) throw invalid(`Invalid entity type '${t.text.slice(0, dot)}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`);
  let key = t.text.slice(dot + 1);
  if (key === '') {
    const q = r.next('a quoted key');
    if (q.type !== 'quoted' && q.type !== 'string') throw invalid(`Invalid identifier '${t.text}': expected a key after '.'`);
    key = q.text;
  }
  return { entity, key };
}

function value(r: Reader): Literal {
  const t = r.next('a value');
  if (t.type === 'string' || t.type === 'quoted') return { type: 'string', value: t.text };
  if (t.type === 'word' && /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t.text)) return { type: 'number', value: Number(t.text) };
  throw invalid(`Invalid filter '${r.source.slice(0, 200)}': expected a quoted string or a number, got '${t.text}'`);
}

function values(r: Reader): Literal[] {
  if (r.next("'('").type !== '(') throw invalid(`Invalid filter '${r.source.slice(0, 200)}': IN expects a list in parentheses`);
  const out: Literal[] = [value(r)];
  for (;;) {
    const t = r.next("')'");
    if (t.type === ')') return out;
    if (t.type !== ',') throw invalid(`Invalid filter '${r.source.slice(0, 200)}': expected ',' or ')' in a list`);
    out.push(value(r));
  }
}

/**
 * The field of an MLflow identifier, with how literals compared to it must be converted.
 *
 * @example
 * fieldOf('attributes', 'status'); // { field: { scope: 'attr', name: 'status' }, convert: lower-case }
 */
function fieldOf(entity: string, key: string): { field: Field; convert: (l: Literal) => Literal; kind: 'number' | 'string' | 'time' } | 'end_time' {
  const same = (l: Literal) => l;
  if (entity === 'metrics') return { field: { scope: 'metrics', name: trackKey(key, 'metric') }, convert: same, kind: 'number' };
  if (entity === 'params') {
    const toParam = (l: Literal): Literal => {
      if (l.type !== 'string') return l;
      const v = toParamValue(l.value);
      return typeof v === 'number' ? { type: 'number', value: v } : l;
    };
    return { field: { scope: 'params', name: trackKey(key, 'param') }, convert: toParam, kind: 'string' };
  }
  if (entity === 'tags') {
    const mapped = TAG_FIELDS[key];
    return { field: mapped ? attr(mapped) : { scope: 'tags', name: trackKey(key, 'tag') }, convert: same, kind: 'string' };
  }
  switch (key.toLowerCase()) {
    case 'status':
      return { field: attr('status'), convert: (l) => (l.type === 'string' ? { type: 'string', value: l.value.toLowerCase() } : l), kind: 'string' };
    case 'run_name':
    case 'run name':
      return { field: attr('name'), convert: same, kind: 'string' };
    case 'run_id':
      return { field: attr('id'), convert: same, kind: 'string' };
    case 'user_id':
      return { field: attr('author'), convert: same, kind: 'string' };
    case 'start_time':
    case 'created':
      return { field: attr('created'), convert: (l) => (l.type === 'number' ? { type: 'string', value: new Date(l.value).toISOString() } : l), kind: 'time' };
    case 'end_time':
      return 'end_time';
  }
  throw invalid(`Invalid attribute key '${key}' specified. Valid keys are 'run_id', 'run_name', 'status', 'user_id', 'start_time', 'end_time', 'created'`);
}

/**
 * Translate an MLflow run filter. Throws MLflow's INVALID_PARAMETER_VALUE naming the problem.
 *
 * @example
 * translateFilter("metrics.rmse < 1 and params.model = 'xgb'").expr;
 */
export function translateFilter(source: string | undefined): TranslatedFilter {
  if (!source || source.trim() === '') return { residual: [], datasets: [] };
  if (source.length > MAX_FILTER_CHARS) throw invalid(`Invalid filter: longer than ${MAX_FILTER_CHARS} characters`);
  const r = new Reader(tokenize(source), source);
  const clauses: Expr[] = [];
  const residual: Residual[] = [];
  const datasets: DatasetCheck[] = [];
  for (;;) {
    const { entity, key } = identifier(r);
    if (entity === 'datasets') {
      datasets.push(datasetClause(r, key, source));
      if (!r.peek()) break;
      if (!r.keyword('and')) throw invalid(`Invalid filter '${source.slice(0, 200)}': clauses must be joined with AND, got '${r.peek()!.text}'`);
      continue;
    }
    const target = fieldOf(entity, key);
    const t = r.next('a comparator');
    let clause: Expr | undefined;
    if (t.type === 'op') {
      const v = value(r);
      if (target === 'end_time') {
        residual.push(endTimeCheck(t.text as CompareOp, v, source));
      } else {
        if (target.kind === 'number' && v.type !== 'number') throw invalid(`Expected numeric value type for metric. Found ${JSON.stringify(v.type === 'string' ? v.value : null)}`);
        if (target.kind === 'time' && v.type !== 'number') throw invalid(`Expected a number of milliseconds for ${entity}.${key}`);
        clause = { kind: 'compare', field: target.field, op: t.text as CompareOp, value: target.convert(v) };
      }
    } else if (t.type === 'word') {
      const word = t.text.toLowerCase();
      if (target === 'end_time') throw invalid(`Invalid comparator '${t.text}' for attributes.end_time`);
      if (word === 'like' || word === 'ilike') {
        const v = value(r);
        if (v.type !== 'string') throw invalid(`${t.text.toUpperCase()} expects a quoted pattern`);
        clause = { kind: 'like', field: target.field, pattern: v.value, caseInsensitive: word === 'ilike', negated: false };
      } else if (word === 'in' || (word === 'not' && r.keyword('in'))) {
        clause = { kind: 'in', field: target.field, values: values(r).map(target.convert), negated: word === 'not' };
      } else if (word === 'is') {
        const negated = r.keyword('not');
        if (!r.keyword('null')) throw invalid(`Invalid filter '${source.slice(0, 200)}': expected NULL after IS`);
        clause = { kind: 'is-null', field: target.field, negated };
      } else {
        throw invalid(`Invalid comparator '${t.text}' not one of '['=', '!=', '>', '>=', '<', '<=', 'LIKE', 'ILIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL']'`);
      }
    } else {
      throw invalid(`Invalid filter '${source.slice(0, 200)}': expected a comparator after ${entity}.${key}`);
    }
    if (clause) clauses.push(clause);
    if (!r.peek()) break;
    if (!r.keyword('and')) throw invalid(`Invalid filter '${source.slice(0, 200)}': clauses must be joined with AND, got '${r.peek()!.text}'`);
  }
  const expr = clauses.length ? clauses.reduce((left, right) => ({ kind: 'and', left, right })) : undefined;
  return { ...(expr ? { expr } : {}), residual, datasets };
}

/**
 * A `datasets.<name|digest|context> <op> <value>` clause (MLflow's comparators for datasets:
 * = != LIKE ILIKE IN NOT IN), as a check over a run's datasets.
 */
function datasetClause(r: Reader, key: string, source: string): DatasetCheck {
  const attribute = DATASET_KEYS.find((k) => k === key);
  if (!attribute) throw invalid(`Invalid dataset key '${key}' specified. Valid keys are '${DATASET_KEYS.join("', '")}'`);
  const t = r.next('a comparator');
  const text = (l: Literal) => {
    if (l.type !== 'string') throw invalid(`Invalid filter '${source.slice(0, 200)}': datasets.${key} compares with a quoted string`);
    return l.value;
  };
  let test: (v: string) => boolean;
  if (t.type === 'op' && (t.text === '=' || t.text === '!=')) {
    const want = text(value(r));
    test = t.text === '=' ? (v) => v === want : (v) => v !== want;
  } else if (t.type === 'word' && ['like', 'ilike'].includes(t.text.toLowerCase())) {
    const like = compileLike(text(value(r)), t.text.toLowerCase() === 'ilike');
    test = (v) => like.test(v);
  } else if (t.type === 'word' && (t.text.toLowerCase() === 'in' || (t.text.toLowerCase() === 'not' && r.keyword('in')))) {
    const set = new Set(values(r).map(text));
    const negated = t.text.toLowerCase() === 'not';
    test = (v) => set.has(v) !== negated;
  } else {
    throw invalid(`Invalid comparator '${t.text}' for datasets.${key}: use one of '=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'`);
  }
  return (list) =>
    list.some((d) => {
      const v = d[attribute];
      return v !== undefined && test(v);
    });
}

function endTimeCheck(op: CompareOp, v: Literal, source: string): Residual {
  if (v.type !== 'number') throw invalid(`Invalid filter '${source.slice(0, 200)}': attributes.end_time compares with a number of milliseconds`);
  const want = v.value;
  return (get) => {
    const created = get(attr('created'));
    const duration = get(attr('duration'));
    if (typeof created !== 'string' || typeof duration !== 'number') return false;
    const end = Date.parse(created) + Math.round(duration * 1000);
    switch (op) {
      case '=':
        return end === want;
      case '!=':
        return end !== want;
      case '<':
        return end < want;
      case '<=':
        return end <= want;
      case '>':
        return end > want;
      default:
        return end >= want;
    }
  };
}

/**
 * Sort fields the query index has no column for, computed per run by the search: a run's end
 * (start + duration, none while running) and its artifact URI.
 */
export const END_TIME_FIELD: Field = { scope: 'attr', name: 'mlflow:end_time' };
export const ARTIFACT_URI_FIELD: Field = { scope: 'attr', name: 'mlflow:artifact_uri' };

/** The attributes MLflow orders runs by (SearchUtils.VALID_ORDER_BY_ATTRIBUTE_KEYS). */
const ORDER_ATTRIBUTES = ['run_id', 'run_name', 'status', 'user_id', 'start_time', 'end_time', 'artifact_uri', 'created', 'Created'];

/**
 * MLflow's `order_by` list as sort keys: `metrics.rmse DESC`, `attributes.start_time`, … A key
 * without an entity is an attribute (`start_time DESC`), as in MLflow. Runs missing a key sort
 * last either way, and ties fall to start time (newest first) then run id, as MLflow breaks them.
 *
 * @example
 * translateOrderBy(['metrics.rmse ASC']); // [{ field: { scope: 'metrics', name: 'rmse' }, descending: false }]
 */
export function translateOrderBy(orderBy: string[]): SortKey[] {
  return orderBy.map((text) => {
    if (text.length > MAX_FILTER_CHARS) throw invalid(`Invalid order_by clause: longer than ${MAX_FILTER_CHARS} characters`);
    const tokens = tokenize(text);
    // MLflow takes a bare attribute name (`start_time DESC`) as attributes.<name>.
    const first = tokens[0];
    if (first?.type === 'word' && !first.text.includes('.')) first.text = `attributes.${first.text}`;
    const r = new Reader(tokens, text);
    const { entity, key } = identifier(r);
    if (entity === 'datasets') throw invalid(`Invalid order_by entity 'datasets' in '${text.slice(0, 200)}': order by metrics., params., tags. or attributes.`);
    if (entity === 'attributes' && !ORDER_ATTRIBUTES.includes(key)) {
      throw invalid(`Invalid order_by attribute key '${key}' specified. Valid keys are '${ORDER_ATTRIBUTES.join("', '")}'`);
    }
    let field: Field;
    if (entity === 'attributes' && key === 'artifact_uri') field = ARTIFACT_URI_FIELD;
    else {
      const target = fieldOf(entity, key);
      field = target === 'end_time' ? END_TIME_FIELD : target.field;
    }
    let descending = false;
    if (r.keyword('desc')) descending = true;
    else r.keyword('asc');
    if (r.peek()) throw invalid(`Invalid order_by clause '${text.slice(0, 200)}'. Could not be parsed.`);
    return { field, descending };
  });
}
