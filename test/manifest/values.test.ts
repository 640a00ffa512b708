import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorOf } from '../helpers/errors.js';
import { GitTrackError } from '../../src/errors.js';
import { jsonErrorOffset, lineColumn } from '../../src/manifest/json-position.js';
import { flattenValues, parseAssignment, parseMetricAssignment, readValuesFile, toMetrics } from '../../src/manifest/values.js';
import { pick, randomString, rng } from './random.js';


describe('parseAssignment', () => {
  it.each<[string, string, unknown]>([
    ['lr=0.01', 'lr', 0.01],
    ['depth=8', 'depth', 8],
    ['flag=true', 'flag', true],
    ['flag=False', 'flag', false],
    ['x=null', 'x', null],
    ['x=~', 'x', null],
    ['x=', 'x', null],
    ['name=abc', 'name', 'abc'],
    ['code=007', 'code', 7],
    ['code="007"', 'code', '007'],
    ["s='true'", 's', 'true'],
    ["s='it''s'", 's', "it's"],
    ['tab="a\\tb"', 'tab', 'a\tb'],
    ['hex=0x1f', 'hex', 31],
    ['oct=0o17', 'oct', 15],
    ['sci=1e3', 'sci', 1000],
    ['neg=-0.5', 'neg', -0.5],
    ['x= 8 ', 'x', 8],
    ['answer=yes', 'answer', 'yes'],
    ['n=1_000', 'n', '1_000'],
    ['date=2026-05-30', 'date', '2026-05-30'],
    ['eq=b=c', 'eq', 'b=c'],
    ['desc=run #3', 'desc', 'run #3'],
    ['glob=*.csv', 'glob', '*.csv'],
    ['url=https://example.com/x', 'url', 'https://example.com/x'],
    ['model.depth=8', 'model.depth', 8],
    ['val/acc@5=x', 'val/acc@5', 'x'],
    ['layers=[64, 32]', 'layers', [64, 32]],
    ['mixed=[relu, "8", 1e-3, null, true]', 'mixed', ['relu', '8', 0.001, null, true]],
    ['empty=[]', 'empty', []],
  ])('%j → %j = %j', (text, key, value) => {
    expect(parseAssignment(text, '-p')).toStrictEqual([key, value]);
  });

  it.each<[string, string, string]>([
    ['lr', 'USAGE', "-p expects KEY=VALUE, got 'lr'"],
    ['=1', 'USAGE', "-p expects KEY=VALUE, got '=1'"],
    ['a b=1', 'USAGE', "-p: invalid name 'a b'"],
    ['a..b=1', 'USAGE', "-p: invalid name 'a..b'"],
    ['x={a: 1}', 'USAGE', "-p x: '{a: 1}' is a map; use dotted keys (-p x.NAME=VALUE)"],
    ['x=a: 1', 'USAGE', "-p x: 'a: 1' is a map"],
    ['x=[1, [2]]', 'USAGE', 'must be a quoted string or a list of numbers, strings, booleans and nulls'],
    ['x=[a, {b: 1}]', 'USAGE', 'must be a quoted string or a list'],
    ['x="unterminated', 'USAGE', `-p x: cannot read '"unterminated'`],
    ['x=[1', 'USAGE', "-p x: cannot read '[1'"],
    ['x="a" b', 'USAGE', `-p x: cannot read '"a" b'`],
    ['x=.inf', 'BAD_INPUT', "param 'x' must be a finite number or text, got '.inf'"],
    ['x=[1, .nan]', 'BAD_INPUT', "param 'x' must be a finite number or text"],
  ])('refuses %j with %s', (text, code, message) => {
    const err = errorOf(() => parseAssignment(text, '-p'));
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
    expect(err.message).not.toContain('\n');
  });

  it('uses the flag name it is given', () => {
    expect(errorOf(() => parseAssignment('lr', '--param')).message).toBe("--param expects KEY=VALUE, got 'lr'");
  });
});

describe('parseMetricAssignment', () => {
  it.each<[string, number]>([
    ['f1=0.842', 0.842],
    ['n=12', 12],
    ['lr=1e-3', 0.001],
    ['loss=-0.5', -0.5],
    ['x= 3 ', 3],
  ])('%j → %d', (text, value) => {
    expect(parseMetricAssignment(text, '-m')[1]).toBe(value);
  });

  it('gives the exact message the README quotes', () => {
    const err = errorOf(() => parseMetricAssignment('f1=abc', '-m'));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe("metric 'f1' must be a finite number, got 'abc'");
  });

  it.each(['NaN', '.nan', 'inf', 'Infinity', '.inf', '-.inf', '"0.5"', '', 'true', 'null', '[1]', '1_000'])('refuses %j', (value) => {
    const err = errorOf(() => parseMetricAssignment(`m=${value}`, '-m'));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(`metric 'm' must be a finite number, got '${value}'`);
  });

  it('refuses a malformed assignment as USAGE', () => {
    expect(errorOf(() => parseMetricAssignment('f1', '--metric')).code).toBe('USAGE');
  });
});

describe('flattenValues', () => {
  it('turns nested maps into dotted names and keeps lists', () => {
    const flat = flattenValues({ model: { depth: 8, act: { name: 'relu' } }, lr: 0.01, layers: [64, 32], empty: {}, none: null }, 'params.yaml');
    expect(flat).toStrictEqual({ 'model.depth': 8, 'model.act.name': 'relu', lr: 0.01, layers: [64, 32], none: null });
  });

  it('accepts dotted names given directly', () => {
    expect(flattenValues({ 'model.depth': 8, model: { width: 2 } }, 's')).toStrictEqual({ 'model.depth': 8, 'model.width': 2 });
  });

  it.each<[string, unknown, string]>([
    ['a list of maps', { layers: [{ units: 64 }] }, "params.yaml: 'layers' is a list holding a map; only lists of numbers"],
    ['a list of lists', { m: { grid: [[1, 2]] } }, "params.yaml: 'm.grid' is a list holding a list"],
    ['a nested and dotted duplicate', { a: { b: 1 }, 'a.b': 2 }, "params.yaml: 'a.b' is given twice (nested and dotted)"],
    ['a dotted and nested duplicate', { 'a.b': 2, a: { b: 1 } }, "params.yaml: 'a.b' is given twice"],
    ['a name with a space', { 'learning rate': 0.1 }, "params.yaml: invalid name 'learning rate'"],
    ['an empty key', { '': 1 }, "params.yaml: invalid name ''"],
    ['an infinite number', { x: Infinity }, "params.yaml: 'x' must be a finite number, string, boolean, null or list of those, got Infinity"],
    ['NaN in a list', { x: [1, NaN] }, "params.yaml: 'x' is a list holding the non-finite number NaN"],
    ['a top-level list', [1, 2], 'params.yaml: expected a map of names to values, got a list'],
    ['a top-level string', 'lr=1', "params.yaml: expected a map of names to values, got 'lr=1'"],
  ])('refuses %s', (_label, input, message) => {
    const err = errorOf(() => flattenValues(input, 'params.yaml'));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toContain(message);
  });

  it('stores a __proto__ name as data, never as a prototype', () => {
    const flat = flattenValues(JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}'), 's');
    expect(Object.keys(flat).sort()).toEqual(['__proto__.polluted', 'a']);
    const direct = flattenValues(JSON.parse('{"__proto__": 5}'), 's');
    expect(Object.getPrototypeOf(direct)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(direct, '__proto__')?.value).toBe(5);
  });
});

describe('toMetrics', () => {
  it('passes finite numbers through', () => {
    expect(toMetrics({ f1: 0.8, 'val.loss': 2 }, 'm.json')).toStrictEqual({ f1: 0.8, 'val.loss': 2 });
  });

  it.each<[unknown, string]>([
    ['abc', "'abc'"],
    [NaN, 'NaN'],
    [[1], 'a list'],
    [null, 'null'],
  ])('refuses %j naming the metric and the source', (value, shown) => {
    const err = errorOf(() => toMetrics({ f1: value }, 'metrics.json'));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(`metric 'f1' in metrics.json must be a finite number, got ${shown}`);
  });
});

describe('readValuesFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'git-track-values-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads YAML with the core schema', () => {
    const p = file('params.yaml', 'model:\n  depth: 8\nanswer: yes\ncode: "007"\nwhen: 2026-05-30\n');
    expect(readValuesFile(p)).toStrictEqual({ model: { depth: 8 }, answer: 'yes', code: '007', when: '2026-05-30' });
  });

  it('reads .yml and extension-less files as YAML, .json as JSON', () => {
    expect(readValuesFile(file('p.yml', 'a: 1\n'))).toStrictEqual({ a: 1 });
    expect(readValuesFile(file('params', 'a: 1\n'))).toStrictEqual({ a: 1 });
    expect(readValuesFile(file('m.json', '\ufeff{"f1": 0.9, "nested": {"x": 1}}'))).toStrictEqual({ f1: 0.9, nested: { x: 1 } });
    expect(readValuesFile(file('M.JSON', '{"a": 1}'))).toStrictEqual({ a: 1 });
  });

  it('names the file, line and column of a JSON syntax error', () => {
    const p = file('bad.json', '{\n  "a": 1,\n  "b": }\n');
    const err = errorOf(() => readValuesFile(p));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(`${p}: line 3, column 8: invalid JSON: Unexpected token '}'`);
    const trailing = file('trailing.json', '{\n  "a": 1,\n}\n');
    expect(errorOf(() => readValuesFile(trailing)).message).toBe(`${trailing}: line 3, column 1: invalid JSON: Expected double-quoted property name`);
  });

  it('names the file and line of a YAML syntax error', () => {
    const p = file('bad.yaml', 'a: 1\nb: c: d\n');
    expect(errorOf(() => readValuesFile(p)).message).toBe(`${p}: line 2: Nested mappings are not allowed in compact mappings`);
  });

  it('reports a missing file as FILE_NOT_FOUND, naming its role', () => {
    const p = join(dir, 'nope.yaml');
    const err = errorOf(() => readValuesFile(p));
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toBe(`params file not found: '${p}'`);
    expect(errorOf(() => readValuesFile(p, 'metrics')).message).toBe(`metrics file not found: '${p}'`);
  });

  it.each<[string, string, string]>([
    ['list.yaml', '- a\n- b\n', 'expected a map of names to values at the top level, got a list'],
    ['scalar.json', '3', 'expected a map of names to values at the top level, got 3'],
    ['empty.yaml', '# nothing\n', 'expected a map of names to values at the top level, got an empty document'],
  ])('refuses %s whose top level is not a map', (name, text, message) => {
    const p = file(name, text);
    const err = errorOf(() => readValuesFile(p));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(`${p}: ${message}`);
  });

  it('refuses a directory', () => {
    const p = join(dir, 'adir.yaml');
    mkdirSync(p);
    expect(errorOf(() => readValuesFile(p)).message).toBe(`params file '${p}' is a directory, not a regular file`);
  });
});

describe('jsonErrorOffset', () => {
  it.each<[string, number]>([
    ['{"a": }', 6],
    ['{"a" 1}', 5],
    ['[1, 2,]', 6],
    ['{"a": 01}', 7],
    ['"bad \\q"', 5],
    ['"tab\there"', 4],
    ['[1] x', 4],
    ['', 0],
    ['{"a": tru}', 9],
    ['{"a": 1}', -1],
    [' [true, false, null, -1.5e+3, "\\u00e9\\n", {}] ', -1],
  ])('%j → %d', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it('agrees with JSON.parse on validity for 20,000 mangled JSON texts', () => {
    const r = rng(5);
    const samples = ['{"a": [1, 2.5, -3e2, true, null], "b": {"c": "d\\"e"}}', '[{}, [], "", 0]', '{"x": "\\u0041\\n"}'];
    for (let i = 0; i < 20_000; i++) {
      let t = pick(r, samples);
      const at = Math.floor(r() * (t.length + 1));
      t = r() < 0.5 ? t.slice(0, at) + randomString(r, 2) + t.slice(at) : t.slice(0, at) + t.slice(at + 1);
      let valid = true;
      try {
        JSON.parse(t);
      } catch {
        valid = false;
      }
      const offset = jsonErrorOffset(t);
      if (valid !== (offset === -1)) expect.fail(`${JSON.stringify(t)}: JSON.parse says ${valid}, offset ${offset}`);
      if (!valid && (offset < 0 || offset > t.length)) expect.fail(`offset ${offset} outside ${JSON.stringify(t)}`);
    }
  });

  it('converts offsets to 1-based lines and columns', () => {
    expect(lineColumn('ab\ncd\nef', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('ab\ncd\nef', 6)).toEqual({ line: 3, column: 1 });
  });
});
