/**
 * Hostile and random inputs for the fuzz suites: the cases the fuzzing and hostile-remote
 * reviews found (issue: every input bounded and checked) and seeded random filters, values
 * and files around them. Each generator is pure given its seed.
 */
import { pick, randomString, type Rng } from '../manifest/random.js';

const FIELDS = ['params.model', 'params.depth', 'metrics.f1', 'tags.team', 'name', 'status', 'created', 'id', '`params.odd name`', 'data.x.csv', 'nosuch', 'params.', '`', 'metrics.f1.x'];
const OPS = ['=', '!=', '<', '<=', '>', '>=', '==', '<>', 'LIKE', 'ILIKE', 'NOT LIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL', '!', '=>'];
const VALUES = ["'xgb'", '0.5', '-1e308', '1e999', '9007199254740993', "'%'", "'%%%_%'", 'true', 'null', "('a', 1)", '(', "'unterminated", '"dq"', '`bt`', "'a''b'", "'\\'", "''"];

/** A random filter: mostly well-formed pieces put together badly, sometimes huge. */
export function randomFilter(r: Rng): string {
  const kind = r();
  if (kind < 0.08) return `${'('.repeat(1 + Math.floor(r() * 5000))}name = 'a'${')'.repeat(Math.floor(r() * 5000))}`;
  if (kind < 0.16) return `${'NOT '.repeat(1 + Math.floor(r() * 3000))}name = 'a'`;
  if (kind < 0.26) return `params.model ${pick(r, ['LIKE', 'ILIKE', 'NOT LIKE'])} '${Array.from({ length: 1 + Math.floor(r() * 3000) }, () => pick(r, ['%', '%', '_', 'a', 'x', '\\%'])).join('')}b'`;
  if (kind < 0.3) return `name = '${'x'.repeat(Math.floor(r() * 20000))}'`;
  const parts: string[] = [];
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    if (i > 0) parts.push(pick(r, ['AND', 'OR', 'and', 'AND NOT', ',', '']));
    if (r() < 0.15) parts.push(pick(r, ['(', ')', 'NOT']));
    parts.push(pick(r, FIELDS), pick(r, OPS), pick(r, VALUES));
    if (r() < 0.1) parts.push(randomString(r, 3));
  }
  return parts.join(' ');
}

/** A random `-p KEY=VALUE` argument. */
export function randomParamArg(r: Rng): string {
  const key = pick(r, ['k', 'a.b', 'bad key', '', 'x=', '__proto__', 'k\nl', 'é', 'k'.repeat(300)]);
  const value = pick(r, [
    () => randomString(r, 6),
    () => `${pick(r, ['', '-', '+'])}${Array.from({ length: 15 + Math.floor(r() * 10) }, () => Math.floor(r() * 10)).join('')}`,
    () => `[${Array.from({ length: Math.floor(r() * 5) }, () => pick(r, ['1', '9007199254740993', '"s"', '[', ']', '{a: 1}', 'x'])).join(', ')}]`,
    () => `${'['.repeat(Math.floor(r() * 2000))}1`,
    () => 'x'.repeat(Math.floor(r() * 12000)),
    () => pick(r, ['{a: 1}', 'a: b', '"unterminated', "'", '.inf', '.nan', '0x1fffffffffffff', '0o777', '~', '"\\x00"', '!!binary aGk=', '*alias', '&a x']),
  ])();
  return `${key}=${value}`;
}

/** A random params/metrics/record file body: deep, big, broken or odd. */
export function randomFileText(r: Rng, json: boolean): string {
  const kind = r();
  const depth = 1 + Math.floor(r() * 20000);
  if (kind < 0.15) return json ? `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}` : `a: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
  if (kind < 0.25) return json ? `{"a":${'{"b":'.repeat(depth)}1${'}'.repeat(depth + 1)}` : `${'- '.repeat(depth)}1\n`;
  if (kind < 0.35) return json ? `{"seed": ${'9'.repeat(16 + Math.floor(r() * 30))}}` : `seed: ${'9'.repeat(16 + Math.floor(r() * 30))}\n`;
  if (kind < 0.45) return json ? `{"big": "${'x'.repeat(7000 + Math.floor(r() * 20000))}"}` : `big: ${'x'.repeat(7000 + Math.floor(r() * 20000))}\n`;
  if (kind < 0.55) {
    const n = 1 + Math.floor(r() * 2000);
    const lines = Array.from({ length: n }, (_, i) => (json ? `"k${i}": ${i}` : `k${i}: ${i}`));
    return json ? `{${lines.join(',')}}` : lines.join('\n');
  }
  if (kind < 0.65) return Array.from({ length: Math.floor(r() * 400) }, () => String.fromCharCode(Math.floor(r() * 256))).join('');
  if (kind < 0.75) return pick(r, ['a: &x [*x]\n', 'a: *nope\n', 'a: 1\na: 2\n', '--- 1\n--- 2\n', '!!js/function "x"\n', '{"a": 1,}', '[]', 'null', '"str"', '{"__proto__": {"x": 1}}']);
  return `${json ? '{"a": ' : 'a: '}${randomString(r, 8)}${json ? '}' : '\n'}`;
}
