/**
 * SQL LIKE without backtracking: `%` any run of characters, `_` exactly one character (a
 * Unicode code point), `\` escapes either. Filters arrive from the command line today and from
 * the network (dashboard, MLflow-compatible server) later, so the matcher must not let a
 * pattern buy time: a RegExp of `.*` pieces backtracks (2,000 `%` took 59 s on one value).
 *
 * The pattern is cut at each `%` (consecutive ones collapse) into segments. The first segment
 * must match at the start, the last at the end, and each one between at its leftmost place
 * after the previous one: taking the leftmost place never loses a match, because whatever
 * follows a `%` can start anywhere later. The text position only moves forward, and each
 * segment is found by `indexOf` (no `_`, case-sensitive) or by a bit-parallel scan (Shift-And:
 * one pass, segment length / 32 word operations a character), so a value is read a bounded
 * number of times whatever the pattern.
 */

/** A compiled pattern; `test` answers for one value. */
export interface LikeMatcher {
  test(text: string): boolean;
}

/** One piece between `%`s: code points, with -1 for `_`. */
type Segment = number[];

const ANY = -1;

/**
 * Compiles a LIKE pattern.
 *
 * @example
 * compileLike('churn-%', false).test('churn-baseline'); // true
 * compileLike('%A_C%', true).test('xxabcxx');           // true
 */
export function compileLike(pattern: string, caseInsensitive: boolean): LikeMatcher {
  const segments: Segment[] = [[]];
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === '\\' && i + 1 < cps.length) segments[segments.length - 1]!.push(fold(cps[++i]!.codePointAt(0)!, caseInsensitive));
    else if (c === '%') {
      if (segments[segments.length - 1]!.length > 0 || segments.length === 1) segments.push([]);
    } else if (c === '_') segments[segments.length - 1]!.push(ANY);
    else segments[segments.length - 1]!.push(fold(c.codePointAt(0)!, caseInsensitive));
  }
  const head = segments[0]!;
  if (segments.length === 1) return { test: (text) => exact(codePoints(text, caseInsensitive), head) };
  // Drop an empty last segment (a trailing `%`) and remember that the end is free.
  const tail = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1).filter((s) => s.length > 0);
  const finders = middle.map(shiftAnd);
  const plain = !caseInsensitive && middle.every((s) => !s.includes(ANY)) ? middle.map((s) => String.fromCodePoint(...s)) : undefined;
  return {
    test(text: string): boolean {
      const t = codePoints(text, caseInsensitive);
      if (t.length < head.length + tail.length) return false;
      if (!matchAt(t, head, 0)) return false;
      const end = t.length - tail.length;
      if (!matchAt(t, tail, end)) return false;
      let pos = head.length;
      if (plain && !hasSurrogates(text)) {
        // Code points are UTF-16 units here, so the string's own search finds each segment.
        const limit = text.length - tail.length;
        for (const s of plain) {
          const at = text.indexOf(s, pos);
          if (at === -1 || at + s.length > limit) return false;
          pos = at + s.length;
        }
        return true;
      }
      for (let k = 0; k < middle.length; k++) {
        const at = finders[k]!(t, pos, end);
        if (at === -1) return false;
        pos = at + middle[k]!.length;
      }
      return true;
    },
  };
}

function exact(t: number[], s: Segment): boolean {
  return t.length === s.length && matchAt(t, s, 0);
}

function matchAt(t: number[], s: Segment, at: number): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s[k]!;
    if (c !== ANY && t[at + k] !== c) return false;
  }
  return true;
}

/**
 * A finder for the leftmost place of `s` in `t[from, end)` (or -1) by Shift-And: bit k of the
 * state says the last k+1 characters read match the first k+1 of the segment, so one pass
 * over the text finds it, without trying each start again.
 */
function shiftAnd(s: Segment): (t: number[], from: number, end: number) => number {
  const m = s.length;
  const words = (m + 31) >>> 5;
  // Positions holding `_` accept any character: that is every character's mask to start with.
  const anyMask = new Uint32Array(words);
  for (let k = 0; k < m; k++) if (s[k] === ANY) anyMask[k >>> 5]! |= 1 << (k & 31);
  const masks = new Map<number, Uint32Array>();
  for (let k = 0; k < m; k++) {
    const c = s[k]!;
    if (c === ANY) continue;
    let mask = masks.get(c);
    if (!mask) masks.set(c, (mask = Uint32Array.from(anyMask)));
    mask[k >>> 5]! |= 1 << (k & 31);
  }
  const lastWord = (m - 1) >>> 5;
  const lastBit = 1 << ((m - 1) & 31);
  return (t, from, end) => {
    const state = new Uint32Array(words);
    for (let i = from; i < end; i++) {
      const mask = masks.get(t[i]!) ?? anyMask;
      let carry = 1;
      for (let w = 0; w < words; w++) {
        const d = state[w]!;
        state[w] = ((d << 1) | carry) & mask[w]!;
        carry = d >>> 31;
      }
      if (state[lastWord]! & lastBit) return i - m + 1;
    }
    return -1;
  };
}

function hasSurrogates(text: string): boolean {
  return /[\ud800-\udfff]/.test(text);
}

function codePoints(text: string, caseInsensitive: boolean): number[] {
  const out: number[] = [];
  for (const c of text) out.push(fold(c.codePointAt(0)!, caseInsensitive));
  return out;
}

/**
 * A code point's case-insensitive key: upper then lower case, each kept only when it stays one
 * code point (so `ß` stays `ß`, and the long s and Kelvin sign meet `s` and `k`), which is
 * what the `iu` RegExp this replaces did for the characters people put in names.
 */
function fold(cp: number, caseInsensitive: boolean): number {
  if (!caseInsensitive || cp < 0x41) return cp;
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  let cached = FOLDS.get(cp);
  if (cached === undefined) {
    const c = String.fromCodePoint(cp);
    const upper = c.toUpperCase();
    const base = Array.from(upper).length === 1 ? upper : c;
    const lower = base.toLowerCase();
    cached = Array.from(lower).length === 1 ? lower.codePointAt(0)! : cp;
    FOLDS.set(cp, cached);
  }
  return cached;
}

const FOLDS = new Map<number, number>();
