import { describe, expect, it } from 'vitest';
import { matches, type FieldValue } from '../../src/query/evaluate.js';
import { parseFilter } from '../../src/query/parse.js';
import { fieldKey } from '../../src/query/ast.js';
import { parseSort, sortRows } from '../../src/query/sort.js';

const run = (values: Record<string, FieldValue>) => (source: string) =>
  matches(parseFilter(source), (f) => values[fieldKey(f)]);

describe('filter evaluation', () => {
  const m = run({
    'metrics.f1': 0.84,
    'params.model': 'xgb',
    'params.depth': 8,
    'params.layers': [64, 32],
    'params.flag': true,
    'params.none': null,
    'tags.epoch': '12',
    'tags.team': 'Growth',
    created: '2026-05-30T10:15:02Z',
    'code.dirty': false,
    name: 'churn-baseline',
  });

  it('compares numbers as numbers, strings as strings, dates as dates', () => {
    expect(m('metrics.f1 > 0.8')).toBe(true);
    expect(m('metrics.f1 >= 0.84 AND metrics.f1 <= 0.84')).toBe(true);
    expect(m('params.depth > 10')).toBe(false); // 8 < 10 as numbers, '8' > '10' as strings
    expect(m('tags.epoch > 9')).toBe(true); // a numeric tag against a number
    expect(m("tags.epoch > '9'")).toBe(false); // two strings compare as strings
    expect(m("params.model < 'y'")).toBe(true);
    expect(m("created > '2026-05-30'")).toBe(true);
    expect(m("created < '2026-05-30T10:15:03+00:00'")).toBe(true);
    expect(m("created >= '2026-06-01'")).toBe(false);
  });

  it('does not match a missing field, not even with != or NOT IN', () => {
    expect(m('metrics.auc != 1')).toBe(false);
    expect(m("tags.nosuch NOT IN ('a')")).toBe(false);
    expect(m("tags.nosuch NOT LIKE 'a%'")).toBe(false);
    expect(m('NOT metrics.auc > 0')).toBe(true); // NOT of "no match" is a match
  });

  it('supports LIKE, ILIKE, IN, booleans, null and lists', () => {
    expect(m("name LIKE 'churn-%'")).toBe(true);
    expect(m("name LIKE 'churn_baseline'")).toBe(true);
    expect(m("name LIKE 'churn'")).toBe(false);
    expect(m("tags.team LIKE 'growth'")).toBe(false);
    expect(m("tags.team ILIKE 'growth'")).toBe(true);
    expect(m("params.model IN ('rf', 'xgb')")).toBe(true);
    expect(m('params.depth IN (4, 8.0)')).toBe(true);
    expect(m('params.flag = true AND code.dirty = false')).toBe(true);
    expect(m('params.none = null AND NOT params.model = null')).toBe(true);
    expect(m("params.layers = '[64, 32]'")).toBe(true);
    expect(m('params.layers > 1')).toBe(false);
    expect(m("params.model = 'xgb' OR metrics.f1 < 0 AND metrics.f1 > 1")).toBe(true);
    expect(m("(params.model = 'xgb' OR metrics.f1 < 0) AND metrics.f1 > 1")).toBe(false);
  });

  it('sorts by several keys, missing values last in both directions', () => {
    const rows = [
      { f1: 0.5, name: 'b' },
      { f1: undefined, name: 'a' },
      { f1: 0.9, name: 'c' },
      { f1: 0.5, name: 'a' },
    ];
    const get = (r: number, f: { name: string }) => (f.name === 'f1' ? rows[r]!.f1 : rows[r]!.name);
    expect(sortRows([0, 1, 2, 3], parseSort('-metrics.f1,name'), get)).toEqual([2, 3, 0, 1]);
    expect(sortRows([0, 1, 2, 3], parseSort('metrics.f1,-name'), get)).toEqual([0, 3, 2, 1]);
  });
});
