import { describe, expect, it } from 'vitest';
import { compileLike } from '../../src/query/like.js';
import { pick, rng } from '../manifest/random.js';

/** The RegExp translation the matcher replaced: right answers, exponential time. */
function reference(pattern: string, ci: boolean): RegExp {
  let src = '';
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    if (c === '\\' && i + 1 < cps.length) src += esc(cps[++i]!);
    else if (c === '%') src += '[\\s\\S]*';
    else if (c === '_') src += '[\\s\\S]';
    else src += esc(c);
  }
  return new RegExp(`^${src}$`, ci ? 'iu' : 'u');
}

describe('LIKE matcher', () => {
  it('agrees with the RegExp reading on 10,000 random patterns and texts', () => {
    const r = rng(16);
    const alphabet = ['a', 'b', 'A', 'B', '%', '_', '\\', 'é', 'É', '😀', '\n', 'ß', 'k', 'K'];
    const textAlphabet = alphabet.filter((c) => c !== '%' && c !== '_').concat(['%', '_']);
    for (let i = 0; i < 10000; i++) {
      const pattern = Array.from({ length: Math.floor(r() * 8) }, () => pick(r, alphabet)).join('');
      const text = Array.from({ length: Math.floor(r() * 10) }, () => pick(r, textAlphabet)).join('');
      const ci = r() < 0.5;
      const want = reference(pattern, ci).test(text);
      expect(compileLike(pattern, ci).test(text), `${JSON.stringify(pattern)} ${ci ? 'ILIKE' : 'LIKE'} ${JSON.stringify(text)}`).toBe(want);
    }
  });

  it('answers patterns that made the RegExp backtrack in linear time', () => {
    // Measured in CPU time of this process (load from other processes does not count) and as
    // a ratio: the same matcher on a value 4 times longer must take about 4 times as long, not
    // 16 (quadratic) or forever (backtracking: minutes on the short value already).
    const cases = [
      '%'.repeat(10000),
      `${'%a'.repeat(4000)}b`,
      `${'%_'.repeat(4000)}b`,
      `%${'a'.repeat(3000)}b%`,
      `%${'_'.repeat(3000)}b`,
      `%${'_a'.repeat(2500)}b%`,
      `%${'a'.repeat(9000)}%`,
    ];
    const short = 'a'.repeat(3000);
    const long = 'a'.repeat(12000);
    for (const pattern of cases) {
      for (const ci of [false, true]) {
        const m = compileLike(pattern, ci);
        const run = (text: string) => () => {
          for (let i = 0; i < 10; i++) m.test(text);
        };
        const base = bestCpuMs(run(short));
        const scaled = bestCpuMs(run(long));
        const label = `${pattern.slice(0, 12)}… ${ci ? 'ILIKE' : 'LIKE'}: ${base.toFixed(2)} ms, 4× value ${scaled.toFixed(2)} ms`;
        // Linear: ~4×. The floor keeps timer resolution on a fast answer out of the ratio; the
        // ceiling (~50 ms idle) catches a matcher slow in the pattern's length.
        expect(scaled, label).toBeLessThan(8 * Math.max(base, 2));
        expect(scaled, label).toBeLessThan(3000);
      }
    }
  });
});

/**
 * The least CPU time (ms) of 3 calls of `f`: the least is the one least disturbed. A call
 * past a second is not repeated (a slow matcher fails without waiting three times).
 */
function bestCpuMs(f: () => void): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const start = process.cpuUsage();
    f();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
    if (best > 1000) break;
  }
  return best;
}

describe('comparisons against long values', () => {
  it('a long run of digits that is not a number is refused at once (no backtracking)', async () => {
    const { compareValues } = await import('../../src/query/evaluate.js');
    const refuse = (digits: number) => () => {
      const value = `${'1'.repeat(digits)}x`;
      for (let i = 0; i < 5; i++) expect(compareValues(value, { type: 'number', value: 5 }, false)).toBeUndefined();
    };
    // The ambiguous pattern took ~0.6 s for each of these, and 16× that for a value 4× longer.
    const base = bestCpuMs(refuse(6000));
    const scaled = bestCpuMs(refuse(24000));
    expect(scaled, `${base.toFixed(2)} ms, 4× value ${scaled.toFixed(2)} ms`).toBeLessThan(8 * Math.max(base, 2));
    expect(scaled).toBeLessThan(3000);
    expect(compareValues(' 12.5 ', { type: 'number', value: 5 }, false)).toBe(1);
    expect(compareValues('1e3', { type: 'number', value: 1000 }, false)).toBe(0);
  });
});
