/**
 * Every failure the library reports is a {@link GitTrackError} with a stable string `code`
 * (tests and callers branch on it) and structured `data`. The CLI maps codes to exit codes.
 */

export type ErrorCode =
  | 'NOT_A_GIT_REPO'
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
    super(message, options);
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
