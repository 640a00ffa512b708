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

describe('readCanonical, fuzzed at length', () => {
  it('reads 3,000 random encoded manifests exactly as the yaml package does', () => {
    const r = rng(1);
    for (let i = 0; i < 3000; i++) {
      const text = encodeManifest(randomManifest(r));
      const fast = readCanonical(text);
      if (fast === undefined) expect.fail(`canonical text not read by the fast path:\n${text}`);
      if (!isDeepStrictEqual(fast, yamlRead(text))) expect.fail(`disagrees with yaml on:\n${text}`);
    }
  });

  it('never accepts a mutated text the yaml package reads differently or refuses (10,000 mutations)', () => {
    const bases = [...valid, ...Array.from({ length: 200 }, (_, i) => encodeManifest(randomManifest(rng(1000 + i))))];
    expect(checkMutations(20260530, 10_000, bases)).toBeGreaterThan(1000);
  });
});
