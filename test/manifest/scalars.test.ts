import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, formatNumber, formatScalar, formatString, isPlainSafe, resolvePlain } from '../../src/manifest/scalars.js';
import { randomNumber, randomString, rng } from './random.js';

const core = (text: string): unknown => YAML.parse(text, { schema: 'core' });

describe('formatNumber', () => {
  it.each([
    [0, '0'],
    [-0, '-0.0'],
    [8, '8'],
    [-12, '-12'],
    [0.1, '0.1'],
    [412.7, '412.7'],
    [1e-7, '1.0e-7'],
    [1.5e-7, '1.5e-7'],
    [1e21, '1.0e+21'],
    [123456789012345680000, '123456789012345680000'],
    [5e-324, '5.0e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [2 ** 53 + 2, '9007199254740994'],
  ])('%d is written %s', (n, text) => {
    expect(formatNumber(n)).toBe(text);
  });

  it('refuses what YAML cannot round-trip', () => {
    expect(() => formatNumber(NaN)).toThrow(RangeError);
    expect(() => formatNumber(Infinity)).toThrow(RangeError);
  });

  // The property: any finite double written then read (by the yaml package and by our own
  // plain-scalar resolver) is the same double, sign of zero included.
  it('round-trips 200,000 random doubles exactly', () => {
    const r = rng(20260530);
    for (let i = 0; i < 200_000; i++) {
      const n = randomNumber(r);
      const text = formatNumber(n);
      const back = resolvePlain(text);
      if (!Object.is(back, n)) expect.fail(`${n} written as ${text} read back as ${String(back)}`);
      if (i % 50 === 0 && !Object.is(core(text), n)) expect.fail(`${n} written as ${text}: yaml reads ${String(core(text))}`);
    }
  });

  it('keeps integers integers', () => {
    for (const n of [0, 1, 42, -7, 2 ** 31, 2 ** 53, 1e20]) expect(formatNumber(n)).toMatch(/^-?[0-9]+$/);
  });
});

describe('resolvePlain mirrors the YAML 1.2 core schema', () => {
  it.each([
    ['8', 8],
    ['0.01', 0.01],
    ['007', 7],
    ['+12', 12],
    ['-0', -0],
    ['0o17', 15],
    ['0x1f', 31],
    ['1e3', 1000],
    ['.5', 0.5],
    ['1.', 1],
    ['true', true],
    ['False', false],
    ['null', null],
    ['~', null],
    ['', null],
    ['.inf', Infinity],
    ['-.Inf', -Infinity],
    ['yes', 'yes'],
    ['on', 'on'],
    ['1_000', '1_000'],
    ['0b101', '0b101'],
    ['12:30', '12:30'],
    ['2026-05-30', '2026-05-30'],
    ['nan', 'nan'],
    ['abc', 'abc'],
    ['0x', '0x'],
    ['-', '-'],
  ])('%j → %j', (text, value) => {
    expect(resolvePlain(text)).toStrictEqual(value);
    // Where YAML would read the text as a plain scalar at all, it agrees.
    if (isPlainSafe(text, false) || text === '') expect(core(`k: ${text}`)).toStrictEqual({ k: value });
  });

  it('reads .nan as NaN', () => {
    expect(resolvePlain('.NaN')).toBeNaN();
  });
});

describe('formatString', () => {
  it.each([
    ['churn-baseline', 'churn-baseline'],
    ['train.py', 'train.py'],
    ['--max-depth', '--max-depth'],
    ['https://github.com/a/b.git', 'https://github.com/a/b.git'],
    ['git@github.com:a/b.git', 'git@github.com:a/b.git'],
    ["it's", "it's"],
    ['naïve ☃ 🚀', 'naïve ☃ 🚀'],
    ['run#3', 'run#3'],
    ['3f9a21c0b7d4', '3f9a21c0b7d4'],
    // Read as something else by YAML 1.2 or 1.1 readers: quoted.
    ['007', '"007"'],
    ['123456789012', '"123456789012"'],
    ['12345e678901', '"12345e678901"'],
    ['true', '"true"'],
    ['True', '"True"'],
    ['null', '"null"'],
    ['~', '"~"'],
    ['', '""'],
    ['1e3', '"1e3"'],
    ['.inf', '".inf"'],
    ['yes', '"yes"'],
    ['NO', '"NO"'],
    ['on', '"on"'],
    ['y', '"y"'],
    ['1_000', '"1_000"'],
    ['0b101', '"0b101"'],
    ['12:30', '"12:30"'],
    ['2026-05-30', '"2026-05-30"'],
    ['1.10', '"1.10"'],
    ['<<', '"<<"'],
    // Would not parse, or parse as structure.
    ['a: b', '"a: b"'],
    ['key:', '"key:"'],
    [' lead', '" lead"'],
    ['trail ', '"trail "'],
    ['#tag', '"#tag"'],
    ['run #3', '"run #3"'],
    ['*alias', '"*alias"'],
    ['&anchor', '"&anchor"'],
    ['!tag', '"!tag"'],
    ['- item', '"- item"'],
    ['-', '"-"'],
    ['---', '"---"'],
    ['[x]', '"[x]"'],
    ['{x}', '"{x}"'],
    ['|', '"|"'],
    ['>', '">"'],
    ['%x', '"%x"'],
    ['@x', '"@x"'],
    ['`x', '"`x"'],
    ['?x', '"?x"'],
    [':x', '":x"'],
    ['"q"', '"\\"q\\""'],
    ["'q'", '"\'q\'"'],
    ['a\nb', '"a\\nb"'],
    ['a\tb', '"a\\tb"'],
    ['\u0085', '"\\u0085"'],
    ['\u2028', '"\\u2028"'],
    ['\ufeff', '"\\ufeff"'],
    ['\u007f', '"\\u007f"'],
    ['\u0000', '"\\u0000"'],
    ['\ud800', '"\\ud800"'],
  ])('%j is written %s', (text, yaml) => {
    expect(formatString(text)).toBe(yaml);
    expect(core(`k: ${yaml}`)).toStrictEqual({ k: text });
  });

  it('quotes separators inside flow sequences', () => {
    expect(formatString('a,b', true)).toBe('"a,b"');
    expect(formatString('a,b', false)).toBe('a,b');
    expect(formatString('[x', true)).toBe('"[x"');
    expect(formatString('a:b', true)).toBe('"a:b"');
    expect(formatString('a b', true)).toBe('a b');
  });

  it('writes every random string so that it reads back as itself, as a value, a list item and a key', () => {
    const r = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const s = randomString(r, 6);
      const doc = `${formatString(s)}: ${formatString(s)}\nlist: [${formatString(s, true)}, ${formatString(s, true)}]\n`;
      let parsed: unknown;
      try {
        parsed = core(doc);
      } catch (err) {
        expect.fail(`${JSON.stringify(s)} gave unparseable YAML ${JSON.stringify(doc)}: ${String(err)}`);
      }
      const want = s === 'list' ? { list: [s, s] } : { [s]: s, list: [s, s] };
      if (!isDeepStrictEqualLoose(parsed, want)) expect.fail(`${JSON.stringify(s)} came back as ${JSON.stringify(parsed)} from ${doc}`);
    }
  });
});

// `toStrictEqual` is slow in a 20,000-iteration loop; JSON comparison is exact for strings.
function isDeepStrictEqualLoose(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

describe('isPlainSafe', () => {
  it('allows a leading dash only before a non-space', () => {
    expect(isPlainSafe('-x', false)).toBe(true);
    expect(isPlainSafe('- x', false)).toBe(false);
    expect(isPlainSafe('-', false)).toBe(false);
  });
});

describe('formatScalar', () => {
  it('writes booleans and null as YAML words', () => {
    expect([true, false, null].map((v) => formatScalar(v))).toEqual(['true', 'false', 'null']);
  });
});

describe('compareCodePoints', () => {
  it('orders by code point, unlike UTF-16 comparison', () => {
    const astral = '\u{1F680}'; // U+1F680, stored as surrogates D83D DE80
    const high = '\uFF01'; // U+FF01
    expect(astral < high).toBe(true); // what Array.prototype.sort would do
    expect([astral, high].sort(compareCodePoints)).toEqual([high, astral]);
    expect(['b', 'a', 'B', 'a.b', 'a_b'].sort(compareCodePoints)).toEqual(['B', 'a', 'a.b', 'a_b', 'b']);
  });
});
