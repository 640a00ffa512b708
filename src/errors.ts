/**
 * Every failure the library reports is a {@link GitTrackError} with a stable string `code`
 * (tests and callers branch on it) and structured `data`. The CLI maps codes to exit codes.
 */
import { scrubText } from './git/credentials.js';
import { MAX_QUOTED_CHARS } from './limits.js';

export type ErrorCode =
  | 'NOT_A_GIT_REPO'
  | 'UNSAFE_REPO'
  | 'UNSUPPORTED_REPO'
  | 'USAGE'
  | 'BAD_INPUT'
  | 'INVALID_MANIFEST'
  | 'FILE_NOT_FOUND'
  | 'RUN_NOT_FOUND'
  | 'AMBIGUOUS_RUN'
  | 'NO_RUNS_BRANCH'
  | 'REF_MOVED'
  | 'LOCK_TIMEOUT'
  | 'OBJECT_NOT_FOUND'
  | 'CORRUPT_OBJECT'
  | 'GIT_FAILED'
  | 'GIT_MISSING'
  | 'HASH_MISMATCH'
  | 'CONFLICT'
  | 'HISTORY_REWRITTEN'
  | 'PUSH_REJECTED'
  | 'CHECK_FAILED'
  | 'VERIFY_FAILED'
  | 'ARTIFACT_TOO_LARGE'
  | 'COMMAND_NOT_FOUND'
  | 'SIGNING_FAILED'
  | 'STORE_FAILED'
  | 'INTERNAL';

/**
 * The one error class of git-track.
 *
 * @example
 * throw new GitTrackError('RUN_NOT_FOUND', `no run matches 'abc'`, { ref: 'abc' });
 */
export class GitTrackError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    // Messages quote values from manifests, remotes and git's output: whatever their source,
    // a password or token in a URL is never shown.
    super(scrubText(message), options);
    this.name = 'GitTrackError';
    this.code = code;
    this.data = data;
  }
}

/**
 * True when `err` is a {@link GitTrackError}, optionally with the given code.
 *
 * @example
 * if (isGitTrackError(err, 'REF_MOVED')) retry();
 */
export function isGitTrackError(err: unknown, code?: ErrorCode): err is GitTrackError {
  return err instanceof GitTrackError && (code === undefined || err.code === code);
}

/** Node's `ENOENT`-style code of a system error, if any. */
export function systemCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * An input value as an error message quotes it: in single quotes, control and line-breaking
 * characters escaped (a newline in a name keeps the message on one line), and at most
 * {@link MAX_QUOTED_CHARS} characters of it, the rest counted. Every error that echoes what a
 * user, a file or a remote gave goes through here.
 *
 * @example
 * quoteInput('a\nb');            // "'a\\nb'"
 * quoteInput('x'.repeat(5000));  // "'xxx…xxx…' (5000 characters)"
 */
export function quoteInput(value: unknown): string {
  const raw = String(value);
  // Scrubbed before it is cut: a URL cut short of its `@` would show its password.
  const text = raw.length > MAX_QUOTED_CHARS * 4 ? raw : scrubText(raw);
  const chars = Array.from(text.length > MAX_QUOTED_CHARS * 4 ? scrubText(text.slice(0, MAX_QUOTED_CHARS * 4)).slice(0, MAX_QUOTED_CHARS * 2) : text);
  const total = text.length > MAX_QUOTED_CHARS * 4 ? text.length : chars.length;
  const shown = escapeControls(chars.slice(0, MAX_QUOTED_CHARS).join(''));
  return total > MAX_QUOTED_CHARS ? `'${shown}…' (${total} characters)` : `'${shown}'`;
}

/**
 * Control characters, line and paragraph separators and lone surrogates as visible escapes,
 * so that a message stays one line whatever it quotes.
 *
 * @example
 * escapeControls('a\tb'); // 'a\\tb'
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A whole message as the CLI prints it: one line, at most five quotes long. Messages quote
 * their inputs through {@link quoteInput}; this keeps any other one (a path or a line from
 * git that was not quoted) short and on one line too.
 *
 * @example
 * oneLine('a\nb'); // 'a\\nb'
 */
export function oneLine(message: string): string {
  const max = MAX_QUOTED_CHARS * 5;
  const text = message.length > max ? `${message.slice(0, max)}… (${message.length} characters)` : message;
  return escapeControls(text);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
