import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readCanonical } from '../../src/manifest/canonical-reader.js';
import { encodeManifest } from '../../src/manifest/codec.js';
import { checkMutations, yamlRead } from './fuzz.js';
import { randomManifest, rng } from './random.js';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'manifests');
const valid = readdirSync(join(FIXTURES, 'valid')).map((f) => readFileSync(join(FIXTURES, 'valid', f), 'utf8'));

describe('readCanonical', () => {
  it('reads every canonical fixture exactly as the yaml package does', () => {
    for (const text of valid) {
      const fast = readCanonical(text);
      expect(fast).toBeDefined();
      expect(fast).toStrictEqual(yamlRead(text));
    }
  });

  it('reads 200 random encoded manifests exactly as the yaml package does', () => {
    const r = rng(1);
    for (let i = 0; i < 200; i++) {
      const text = encodeManifest(randomManifest(r));
      const fast = readCanonical(text);
      if (fast === undefined) expect.fail(`canonical text not read by the fast path:\n${text}`);
      if (!isDeepStrictEqual(fast, yamlRead(text))) expect.fail(`disagrees with yaml on:\n${text}`);
    }
  });

  // The safety property of the fast path: whatever it accepts, the full parser accepts too
  // and reads the same way. Mutations of canonical text probe the edges of what it accepts.
  it('never accepts a mutated text the yaml package reads differently or refuses (3,000 mutations)', () => {
    const bases = [...valid, ...Array.from({ length: 20 }, (_, i) => encodeManifest(randomManifest(rng(100 + i))))];
    // Enough mutations stay inside the canonical shape for this to test something.
    expect(checkMutations(2, 3000, bases)).toBeGreaterThan(300);
  });

  // The one-pass readers of plain scalars and unescaped quoted strings (commonPlain,
  // readQuoted) against the yaml package, on tokens made of the characters that decide a
  // scalar's type: digits, signs, dots, exponents, radix letters, colons, spaces, null and
  // boolean words, indicators.
  it('reads 20,000 generated scalars in value, flow and key position as the yaml package does', () => {
    const r = rng(7);
    const pieces = ['0', '1', '7', '9', '.', '-', '+', 'e', 'E', 'x', 'o', ':', ' ', 'a', 'n', 'N', 't', 'T', 'f', 'F', 'u', 'l', 'r', 'y', '_', '/', '@', '#', ',', '~', '[', '"', '\\', '\t', 'null', 'true', 'False', '.inf', '.nan', '2026-01-01T00:00:00Z', '1234567890123456789', '0x1F', '0o17'];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      let token = '';
      for (let n = 1 + Math.floor(r() * 5); n > 0; n--) token += pieces[Math.floor(r() * pieces.length)];
      for (const text of [`v: ${token}\n`, `v: [${token}, ${token}]\n`, `${token}: 1\n`, `v: "${token}"\n`, `m:\n  ${token}: ${token}\n`]) {
        const fast = readCanonical(text);
        if (fast === undefined) continue;
        accepted++;
        if (!isDeepStrictEqual(fast, yamlRead(text))) expect.fail(`disagrees with yaml on ${JSON.stringify(text)}: ${JSON.stringify(fast)}`);
      }
    }
    expect(accepted).toBeGreaterThan(30_000);
  });

  it.each([
    ['a flow map', 'author: {name: Ada}\n'],
    ['a comment', 'id: abc # x\n'],
    ['a comment line', '# hello\nid: abc\n'],
    ['CRLF line ends', 'id: abc\r\n'],
    ['no final newline', 'id: abc'],
    ['a document marker', '---\nid: abc\n'],
    ['an anchor', 'id: &a abc\n'],
    ['a single-quoted string', "id: 'abc'\n"],
    ['a folded scalar', 'note: >\n  a\n'],
    ['a YAML-only escape', 'id: "\\x41"\n'],
    ['a duplicate key', 'id: a\nid: b\n'],
    ['a __proto__ key', '__proto__: a\n'],
    ['an empty value', 'id:\nname: x\n'],
    ['a continuation line', 'id: a\n  b\n'],
    ['a deeper map', 'params:\n  a:\n    b: 1\n'],
    ['a sequence of scalars', 'command:\n  - a\n'],
    ['a flow sequence without spaces', 'command: [a,b]\n'],
    ['a BOM', '\ufeffid: a\n'],
    ['an integer a double would round', 'v: 9007199254740993\n'],
    ['an integer a double would round, in a flow sequence', 'v: [1, -9007199254740993]\n'],
  ])('leaves %s to the full parser', (_label, text) => {
    expect(readCanonical(text)).toBeUndefined();
  });
});
