import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../helpers/errors.js';
import { tempDir } from '../helpers/repo.js';
import { escapeControls, quoteInput } from '../../src/errors.js';
import { checkJsonText, checkYamlDepth } from '../../src/manifest/nesting.js';
import { readInputFile } from '../../src/manifest/read-input-file.js';
import { checkManifestSize, checkValueSizes } from '../../src/manifest/value-limits.js';
import { parseAssignment, parseMetricAssignment, readValuesFile } from '../../src/manifest/values.js';
import { parseYaml } from '../../src/manifest/yaml-text.js';

const dir = tempDir('gt-bounds-');
const file = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('input files', () => {
  it('reads only regular files: a device, a FIFO, a directory are one line each', () => {
    expect(errorOf(() => readValuesFile('/dev/zero')).message).toBe("params file '/dev/zero' is a device, not a regular file");
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const start = Date.now();
    expect(errorOf(() => readValuesFile(fifo)).message).toBe(`params file '${fifo}' is a FIFO, not a regular file`);
    expect(Date.now() - start).toBeLessThan(2000);
    mkdirSync(join(dir, 'd.json'));
    expect(errorOf(() => readValuesFile(join(dir, 'd.json'))).code).toBe('BAD_INPUT');
  });

  it('refuses a file over MAX_INPUT_FILE_BYTES before reading it', () => {
    const p = file('big.yaml', Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    const err = errorOf(() => readValuesFile(p));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(`params file '${p}' is 4.0 MB, over the limit of 4.0 MB (MAX_INPUT_FILE_BYTES)`);
    expect(readInputFile(file('ok.txt', 'abc'), 'x')).toBe('abc');
  });

  it('refuses JSON and YAML nested past MAX_NESTING_DEPTH with one line, fast', () => {
    const cases: [string, string, RegExp][] = [
      ['deep.json', `${'['.repeat(10000)}${']'.repeat(10000)}`, /deep\.json: line 1, column 65: nested deeper than 64 levels \(MAX_NESTING_DEPTH\)$/],
      ['deepmap.json', `{"a":${'{"a":'.repeat(10000)}1${'}'.repeat(10001)}`, /line 1, column 321: nested deeper than 64 levels/],
      ['flow.yaml', `a: ${'['.repeat(1_000_000)}`, /flow\.yaml: line 1: nested deeper than 64 levels/],
      ['seq.yaml', `${'- '.repeat(1_000_000)}1\n`, /seq\.yaml: line 1: nested deeper/],
      ['block.yaml', Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'), /block\.yaml: line 65: nested deeper/],
    ];
    for (const [name, text, message] of cases) {
      const start = Date.now();
      const err = errorOf(() => readValuesFile(file(name, text)));
      expect(err.message).toMatch(message);
      expect(Date.now() - start, name).toBeLessThan(1000);
    }
    // 64 levels are fine.
    expect(() => checkJsonText(`${'['.repeat(64)}${']'.repeat(64)}`, 'x')).not.toThrow();
    const ok = Array.from({ length: 63 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    expect(() => checkYamlDepth(ok, 'x')).not.toThrow();
    expect(Object.keys(readValuesFile(file('ok.yaml', ok)))).toEqual(['k0']);
  });

  it('does not count brackets inside strings, comments or block scalars', () => {
    const text = `a: "[[[[${'['.repeat(100)}"\nb: '{{{${'{'.repeat(100)}'\n# ${'['.repeat(100)}\nc: |\n  ${'['.repeat(100)}\nd: x[${'['.repeat(100)}\n`;
    expect(() => checkYamlDepth(text, 'x')).not.toThrow();
    expect(() => checkJsonText(`{"a": "${'['.repeat(100)}\\"${'{'.repeat(100)}"}`, 'x')).not.toThrow();
  });
});

describe('integers beyond 2^53', () => {
  it('never mistakes the digits of a fraction or exponent for an integer (0.9648459325185896, as Math.random writes it)', () => {
    for (const text of ['{"f1": 0.9648459325185896}', '[1.5e-17, -0.12345678901234567, 2E+300, 0.0000000000000000001]']) {
      expect(() => checkJsonText(text, 'x'), text).not.toThrow();
    }
    expect(() => checkJsonText('[0.5, 9007199254740993]', 'x')).toThrow(/9007199254740993 cannot be stored exactly/);
  });

  it('refuses -p and -m integers a double would round, and keeps the safe ones', () => {
    expect(errorOf(() => parseAssignment('k=9007199254740993', '--param')).message).toBe(
      '--param k: the integer 9007199254740993 cannot be stored exactly (beyond ±2^53, a double would round it); quote it to keep it as text',
    );
    expect(errorOf(() => parseAssignment('k=-9007199254740995', '-p')).code).toBe('BAD_INPUT');
    expect(errorOf(() => parseAssignment('k=0x20000000000001', '-p')).code).toBe('BAD_INPUT');
    expect(errorOf(() => parseAssignment('k=[1, 9007199254740993]', '-p')).message).toContain('9007199254740993 cannot be stored exactly');
    expect(errorOf(() => parseMetricAssignment('k=18446744073709551615', '-m')).message).toContain('18446744073709551615 cannot be stored exactly');
    expect(parseAssignment('k=9007199254740991', '-p')).toEqual(['k', 9007199254740991]);
    // Large integers a double holds exactly, or that are the shortest form of a double (how a
    // large double is written), read back unchanged: kept.
    expect(parseAssignment('k=18446744073709551616', '-p')).toEqual(['k', 2 ** 64]);
    expect(parseAssignment('k=-3719082362949848000', '-p')).toEqual(['k', -3719082362949848000]);
    expect(parseMetricAssignment('k=100000000000000000000', '-m')).toEqual(['k', 1e20]);
    expect(errorOf(() => parseAssignment(`k=${'9'.repeat(400)}`, '-p')).code).toBe('BAD_INPUT');
    expect(parseAssignment('k="9007199254740993"', '-p')).toEqual(['k', '9007199254740993']);
    expect(parseAssignment('k=9007199254740993.5', '-p')[1]).toBeTypeOf('number');
  });

  it('refuses them in params files, JSON and YAML, naming the line', () => {
    expect(errorOf(() => readValuesFile(file('big.json', '{\n "seed": 12345678901234567890\n}'))).message).toBe(
      `${join(dir, 'big.json')}: line 2, column 10: the integer 12345678901234567890 cannot be stored exactly (beyond ±2^53, a double would round it); quote it to keep it as text`,
    );
    expect(errorOf(() => readValuesFile(file('big.yaml', 'a: 1\nseed: 9007199254740993\n'))).message).toBe(
      `${join(dir, 'big.yaml')}: line 2: the integer 9007199254740993 cannot be stored exactly (beyond ±2^53, a double would round it); quote it to keep it as text`,
    );
    expect(readValuesFile(file('ok.json', '{"a": 9007199254740991, "b": "9007199254740993", "c": 1e300}'))).toEqual({ a: 9007199254740991, b: '9007199254740993', c: 1e300 });
    expect(readValuesFile(file('ok2.yaml', 'a: 9007199254740991\nb: 0x1f\nc: "9007199254740993"\n'))).toEqual({ a: 9007199254740991, b: 31, c: '9007199254740993' });
    expect(parseYaml('- 1\n- 2\n', 'x')).toEqual([1, 2]);
  });
});

describe('value sizes', () => {
  it('refuses a param, tag or note over its limit, naming the limit', () => {
    expect(errorOf(() => checkValueSizes({ params: { big: 'x'.repeat(6001) } })).message).toBe(
      "param 'big' is 6,001 characters, over the limit of 6,000 (MAX_PARAM_VALUE_CHARS)",
    );
    expect(errorOf(() => checkValueSizes({ params: { l: Array(2000).fill(1000) } })).message).toContain('MAX_PARAM_VALUE_CHARS');
    expect(errorOf(() => checkValueSizes({ tags: { t: 'y'.repeat(8001) } })).message).toContain('(MAX_TAG_VALUE_CHARS)');
    expect(errorOf(() => checkValueSizes({ note: 'n'.repeat(8001) })).message).toBe('the note is 8,001 characters, over the limit of 8,000 (MAX_TAG_VALUE_CHARS)');
    expect(() => checkValueSizes({ params: { ok: 'x'.repeat(6000) }, tags: { t: 'y'.repeat(8000) }, note: 'n'.repeat(8000) })).not.toThrow();
    expect(errorOf(() => checkManifestSize('x'.repeat(1024 * 1024 + 1))).message).toContain('over the limit of 1.0 MB (MAX_MANIFEST_BYTES)');
  });
});

describe('quoting inputs in messages', () => {
  it('escapes control characters and keeps at most 200 characters', () => {
    expect(quoteInput('a\nb\tc\x00\u2028')).toBe("'a\\nb\\tc\\u0000\\u2028'");
    expect(quoteInput('x'.repeat(200))).toBe(`'${'x'.repeat(200)}'`);
    expect(quoteInput('x'.repeat(100_000))).toBe(`'${'x'.repeat(200)}…' (100000 characters)`);
    expect(quoteInput('😀'.repeat(300))).toBe(`'${'😀'.repeat(200)}…' (300 characters)`);
    expect(escapeControls('\ud800x')).toBe('\\ud800x');
  });
});

describe('every error echoing an input quotes it', () => {
  it('a long run reference with a newline stays one short line', async () => {
    const { cli, makeRepo } = await import('../helpers/repo.js');
    const repo = makeRepo({ commit: true });
    expect(cli(repo, 'log', '-p', 'a=1').code).toBe(0);
    for (const args of [
      ['show', `x\ny${'z'.repeat(5000)}`],
      ['list', '--limit', `1\n${'9'.repeat(5000)}`],
      ['list', '--sort', `t\u2028${'q'.repeat(5000)}`],
      ['tag', 'latest', `bad key\n${'k'.repeat(5000)}=v`],
    ]) {
      const r = cli(repo, ...args);
      expect(r.code, args[0]).toBeGreaterThan(0);
      expect(r.stderr, args[0]).toMatch(/^git-track: [^\n]*\n$/);
      expect(r.stderr.length, args[0]).toBeLessThan(1200);
    }
  });
});

describe('manifests read back with an integer beyond 2^53', () => {
  it('are refused with the line, never read rounded', async () => {
    const { decodeManifest } = await import('../../src/manifest/codec.js');
    const { readCanonical } = await import('../../src/manifest/canonical-reader.js');
    expect(readCanonical('a: 9007199254740993\n')).toBeUndefined();
    expect(readCanonical('a: [1, 9007199254740993]\n')).toBeUndefined();
    expect(readCanonical('a: 9007199254740991\n')).toEqual({ a: 9007199254740991 });
    expect(errorOf(() => decodeManifest('format: git-track/run@1\nmetrics:\n  f1: 9007199254740993\n', 'run.yaml')).message).toContain(
      'run.yaml: line 3: the integer 9007199254740993 cannot be stored exactly',
    );
  });
});

describe('entries in one file', () => {
  it('refuses more than MAX_INPUT_ENTRIES before parsing, JSON and YAML', () => {
    const yaml = Array.from({ length: 100_001 }, (_, i) => `k${i}: 1`).join('\n');
    const start = Date.now();
    expect(errorOf(() => readValuesFile(file('many.yaml', yaml))).message).toBe(`${join(dir, 'many.yaml')}: more than 100,000 entries (MAX_INPUT_ENTRIES)`);
    expect(errorOf(() => readValuesFile(file('many.json', `{"l": [${Array(100_001).fill(1).join(',')}]}`))).message).toContain('more than 100,000 entries (MAX_INPUT_ENTRIES)');
    expect(errorOf(() => readValuesFile(file('flow.yaml', `l: [${Array(100_001).fill(1).join(',')}]\n`))).message).toContain('(MAX_INPUT_ENTRIES)');
    expect(Date.now() - start).toBeLessThan(3000);
    expect(Object.keys(readValuesFile(file('fine.yaml', Array.from({ length: 1000 }, (_, i) => `k${i}: 1`).join('\n'))))).toHaveLength(1000);
  });
});
