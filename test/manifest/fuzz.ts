/** Fuzzing the canonical fast path against the `yaml` package. */
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { expect } from 'vitest';
import { readCanonical } from '../../src/manifest/canonical-reader.js';
import { pick, rng, type Rng } from './random.js';

/** What the `yaml` package makes of a text, or 'error'. */
export function yamlRead(text: string): unknown {
  const doc = YAML.parseDocument(text, { schema: 'core', uniqueKeys: true });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return 'error';
  try {
    return doc.toJS();
  } catch {
    return 'error';
  }
}

const EDITS = [' ', '  ', '\t', ':', ': ', ' #', '#', '"', "'", '\\', '-', '- ', '[', ']', '{', '}', ',', ', ', '|', '|-', '>', '&a', '*a', '!', '\n', '\n  ', '\n    ', '\n  - ', 'x', '0', '.', 'e5', '\\u0041', '\\x41', '~', 'null', '---', '...', '\r'];

export function mutate(r: Rng, text: string): string {
  let t = text;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * t.length);
    const op = r();
    if (op < 0.5) t = t.slice(0, at) + pick(r, EDITS) + t.slice(at);
    else if (op < 0.8) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 3));
    else {
      const lines = t.split('\n');
      const j = Math.floor(r() * lines.length);
      lines.splice(j, 0, lines[Math.floor(r() * lines.length)]!);
      t = lines.join('\n');
    }
  }
  return t;
}

/**
 * Applies `count` random mutations to the `bases` texts and fails the test if the fast path
 * accepts one that the `yaml` package refuses or reads differently. Returns how many the fast
 * path accepted, so callers can check the fuzzing reached inside the canonical shape.
 */
export function checkMutations(seed: number, count: number, bases: readonly string[]): number {
  const r = rng(seed);
  let accepted = 0;
  for (let i = 0; i < count; i++) {
    const text = mutate(r, pick(r, bases));
    const fast = readCanonical(text);
    if (fast === undefined) continue;
    accepted++;
    const slow = yamlRead(text);
    if (!isDeepStrictEqual(fast, slow)) {
      expect.fail(`fast path read ${JSON.stringify(text)}\nas ${JSON.stringify(fast)}\nyaml: ${JSON.stringify(slow)}`);
    }
  }
  return accepted;
}
