/**
 * Running the system `git` for what isomorphic-git cannot do well or at all: inspecting the
 * working tree (status refreshes stat data far faster natively), code snapshots through a
 * private index, and transport (isomorphic-git speaks only HTTP(S)).
 */
import { execFile } from 'node:child_process';
import { GitTrackError, systemCode } from '../errors.js';
import type { Env } from '../env.js';

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface GitOptions {
  cwd: string;
  env: Env;
  /** Extra environment variables (GIT_INDEX_FILE, GIT_AUTHOR_DATE, …). */
  vars?: Record<string, string>;
  input?: string | Buffer;
  /** Resolve with the exit code instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  encoding?: 'utf8' | 'buffer';
  /** Sees stderr as it arrives (transfer progress), besides collecting it. */
  onStderr?: (chunk: string) => void;
}

/**
 * Run `git args…` and collect its output. Throws `GIT_MISSING` when git is not installed and
 * `GIT_FAILED` (with git's own message) on a non-zero exit unless `allowFailure`.
 *
 * @example
 * const { stdout } = await runGit(['rev-parse', 'HEAD'], { cwd: repo.workTree, env });
 */
export function runGit(args: string[], options: GitOptions): Promise<GitResult> {
  return execGit(args, options, 'utf8').then((r) => ({ ...r, stdout: r.stdout.toString('utf8') }));
}

/**
 * {@link runGit} keeping stdout as bytes: a patch or a path list in a repository whose files
 * are not UTF-8 must not be decoded (U+FFFD would replace the bytes for good).
 *
 * @example
 * const { stdout } = await runGitBytes(['diff', '--binary', 'HEAD'], { cwd, env });
 */
export function runGitBytes(args: string[], options: GitOptions): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  return execGit(args, options, 'buffer').then((r) => ({ ...r, stdout: Buffer.isBuffer(r.stdout) ? r.stdout : Buffer.from(r.stdout) }));
}

function execGit(args: string[], options: GitOptions, encoding: 'utf8' | 'buffer'): Promise<{ stdout: string | Buffer; stderr: string; code: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      options.env.gitBinary,
      args,
      {
        cwd: options.cwd,
        env: { ...options.env.vars, ...options.vars, GIT_TERMINAL_PROMPT: '0' } as NodeJS.ProcessEnv,
        maxBuffer: 512 * 1024 * 1024,
        encoding,
      },
      (error, stdout: string | Buffer, stderrRaw: string | Buffer) => {
        const stderr = stderrRaw.toString();
        if (error && systemCode(error) === 'ENOENT' && typeof (error as { code?: unknown }).code === 'string') {
          reject(new GitTrackError('GIT_MISSING', `git is not installed or not on PATH (looked for '${options.env.gitBinary}')`));
          return;
        }
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        if (code !== 0 && !options.allowFailure) {
          const message = firstLine(stderr) || `git ${args[0]} exited with ${code}`;
          reject(new GitTrackError('GIT_FAILED', `git ${args[0]}: ${message}`, { args, code, stderr }));
          return;
        }
        resolvePromise({ stdout, stderr, code });
      },
    );
    if (options.onStderr) child.stderr?.on('data', (chunk: Buffer | string) => options.onStderr!(String(chunk)));
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * git's first message line without its `fatal:`/`error:` prefix, for a one-line error.
 *
 * @example
 * firstLine('fatal: Not a valid object name f00\n'); // 'Not a valid object name f00'
 */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0)
      ?.replace(/^(fatal|error):\s*/, '') ?? ''
  );
}
