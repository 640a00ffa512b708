/**
 * SQL LIKE without backtracking: `%` any run of characters, `_` exactly one character (a
 * Unicode code point), `\` escapes either. Filters arrive from the command line today and from
 * the network (dashboard, MLflow-compatible server) later, so the matcher must not let a
 * pattern buy time: a RegExp of `.*` pieces backtracks (2,000 `%` took 59 s on one value).
 *
 * The pattern is cut at each `%` (consecutive ones collapse) into segments. The first segment
 * must match at the start, the last at the end, and each one between at its leftmost place
 * after the previous one: taking the leftmost place never loses a match, because whatever
 * follows a `%` can start anywhere later. The text position only moves forward, so a match
 * costs at most (text length × longest segment) steps, and a segment without `_` is found by
 * `indexOf`.
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
      for (const s of middle) {
        const at = find(t, s, pos, end);
        if (at === -1) return false;
        pos = at + s.length;
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

/** Leftmost place of `s` in `t[from, end)`, or -1. */
function find(t: number[], s: Segment, from: number, end: number): number {
  for (let at = from; at + s.length <= end; at++) if (matchAt(t, s, at)) return at;
  return -1;
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
