/**
 * MLflow keys (params, metrics, tags, dataset names) as git-track names and back: a name has
 * no whitespace, `=` or control characters and no empty dot-separated segment; MLflow keys may.
 */
import { isValidName } from '../manifest/names.js';

const RESERVED = /[\s%=\x00-\x1f\x7f-\x9f\ufffe\uffff]/u;

/**
 * An MLflow param, metric or tag key as a git-track name: characters a name cannot hold
 * (whitespace, `=`, control characters, `%` itself) and dots that would leave an empty
 * segment are percent-encoded. Returns null when the result is still not a valid name
 * (too long).
 *
 * @example
 * toTrackName('learning rate'); // 'learning%20rate'
 * toTrackName('train/loss');    // 'train/loss'
 */
export function toTrackName(key: string): string | null {
  let out = '';
  const chars = [...key];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '.') {
      const literal = out !== '' && !out.endsWith('.') && i < chars.length - 1 && chars[i + 1] !== '.';
      out += literal ? '.' : '%2E';
    } else if (RESERVED.test(c)) {
      out += [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    } else {
      out += c;
    }
  }
  return isValidName(out) ? out : null;
}

/**
 * The MLflow key of a git-track name (the inverse of {@link toTrackName}); a name with a `%`
 * that is not an escape is returned as it is.
 *
 * @example
 * fromTrackName('learning%20rate'); // 'learning rate'
 */
export function fromTrackName(name: string): string {
  if (!name.includes('%')) return name;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

