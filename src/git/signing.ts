/**
 * Commit signing exactly as git does it, for the commits git-track writes on `runs`.
 *
 * The settings are git's own (`commit.gpgSign`, `gpg.format`, `user.signingKey`,
 * `gpg.program` / `gpg.<format>.program`, `gpg.ssh.defaultKeyCommand`), read from the
 * `git var -l` the identity lookup already runs, so an unsigned setup costs no process. The
 * signature is made by the same program with the same arguments git uses, over the commit
 * without its signature, and stored in the `gpgsig` header: `git verify-commit` and
 * `git log --show-signature` check it like any signed commit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitTrackError } from '../errors.js';
import type { Env } from '../env.js';

export type SigningFormat = 'openpgp' | 'ssh' | 'x509';

/** How commits are signed; null when `commit.gpgSign` is off. */
export interface SigningSetup {
  format: SigningFormat;
  /** The signing program (gpg, gpgsm or ssh-keygen, or what the user configured). */
  program: string;
  /** `user.signingKey`: a key id (openpgp/x509), a key file or a literal key (ssh). */
  key?: string;
  /** `gpg.ssh.defaultKeyCommand`, asked for a key when ssh has no `user.signingKey`. */
  defaultKeyCommand?: string;
  /** The committer as `Name <email>`: git's default key for openpgp and x509. */
  committer: string;
}

const DEFAULT_PROGRAMS: Record<SigningFormat, string> = { openpgp: 'gpg', ssh: 'ssh-keygen', x509: 'gpgsm' };

/**
 * The signing setup described by git config values (keys as `git config -l` prints them:
 * section and key lowercase), or null when commits are not signed.
 *
 * @example
 * signingFromConfig(new Map([['commit.gpgsign', 'true'], ['gpg.format', 'ssh'], ['user.signingkey', '~/.ssh/id_ed25519.pub']]), 'Ada <ada@example.com>');
 */
export function signingFromConfig(config: Map<string, string>, committer: string): SigningSetup | null {
  if (!isTrue(config.get('commit.gpgsign'))) return null;
  const format = (config.get('gpg.format') ?? 'openpgp').toLowerCase();
  if (format !== 'openpgp' && format !== 'ssh' && format !== 'x509') {
    throw new GitTrackError('SIGNING_FAILED', `unsupported gpg.format '${format}' (git knows openpgp, ssh and x509)`, { format });
  }
  // gpg.program is git's older name of gpg.openpgp.program (the caller folds them in order).
  const program = config.get(`gpg.${format}.program`) ?? (format === 'openpgp' ? config.get('gpg.program') : undefined) ?? DEFAULT_PROGRAMS[format];
  const key = config.get('user.signingkey') || undefined;
  const defaultKeyCommand = config.get('gpg.ssh.defaultkeycommand') || undefined;
  return { format, program, committer, ...(key ? { key } : {}), ...(defaultKeyCommand && format === 'ssh' ? { defaultKeyCommand } : {}) };
}

/**
 * Sign `payload` (an encoded commit) and return the armored signature, as git would.
 * Throws `SIGNING_FAILED` with the signer's own message when it refuses.
 *
 * @example
 * const signature = await signPayload(setup, encodeCommit(data), env);
 */
export async function signPayload(setup: SigningSetup, payload: Buffer, env: Env): Promise<string> {
  const signature = setup.format === 'ssh' ? await signSsh(setup, payload, env) : await signGpg(setup, payload, env);
  // git strips CRs (a Windows signer) before storing the signature.
  return signature.replace(/\r\n/g, '\n');
}

/**
 * Insert `signature` into `commit` as git's `gpgsig` header (each further line indented by a
 * space), just before the blank line that ends the headers.
 *
 * @example
 * const signed = embedSignature(encodeCommit(data), signature);
 */
export function embedSignature(commit: Buffer, signature: string, header = 'gpgsig'): Buffer {
  const end = commit.indexOf('\n\n');
  const at = end < 0 ? commit.length : end + 1;
  const lines = signature.endsWith('\n') ? signature : `${signature}\n`;
  const block = `${header} ${lines.slice(0, -1).split('\n').join('\n ')}\n`;
  return Buffer.concat([commit.subarray(0, at), Buffer.from(block, 'utf8'), commit.subarray(at)]);
}

/** `gpg --status-fd=2 -bsau KEY`, payload on stdin: git's openpgp and x509 invocation. */
async function signGpg(setup: SigningSetup, payload: Buffer, env: Env): Promise<string> {
  const key = setup.key ?? setup.committer;
  const result = await runSigner(setup.program, ['--status-fd=2', '-bsau', key], payload, env);
  if (result.code !== 0 || !`\n${result.stderr}`.includes('\n[GNUPG:] SIG_CREATED ')) {
    throw signingFailed(setup, result.stderr);
  }
  return result.stdout;
}

/** `ssh-keygen -Y sign -n git -f KEYFILE [-U] FILE`, the signature read from FILE.sig. */
async function signSsh(setup: SigningSetup, payload: Buffer, env: Env): Promise<string> {
  const key = setup.key ?? (await defaultSshKey(setup, env)) ?? setup.committer;
  const dir = mkdtempSync(join(env.vars.TMPDIR || tmpdir(), 'git-track-sign-'));
  try {
    const literal = literalSshKey(key);
    let keyFile = expandHome(key, env);
    if (literal !== null) {
      keyFile = join(dir, 'signing-key');
      writeFileSync(keyFile, literal, { mode: 0o600 });
    }
    const buffer = join(dir, 'payload');
    writeFileSync(buffer, payload, { mode: 0o600 });
    const args = ['-Y', 'sign', '-n', 'git', '-f', keyFile, ...(literal !== null ? ['-U'] : []), buffer];
    const result = await runSigner(setup.program, args, null, env);
    if (result.code !== 0) throw signingFailed(setup, result.stderr);
    try {
      return readFileSync(`${buffer}.sig`, 'utf8');
    } catch {
      throw signingFailed(setup, `${setup.program} wrote no signature`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** git's rule: `key::…` or a value starting `ssh-` is the key itself, anything else a file. */
function literalSshKey(key: string): string | null {
  if (key.startsWith('key::')) return key.slice(5);
  if (key.startsWith('ssh-')) return key;
  return null;
}

/** The first line of `gpg.ssh.defaultKeyCommand`'s output, when it is a literal key. */
async function defaultSshKey(setup: SigningSetup, env: Env): Promise<string | undefined> {
  if (!setup.defaultKeyCommand) return undefined;
  const result = await runSigner('sh', ['-c', setup.defaultKeyCommand], null, env);
  const first = result.stdout.split('\n')[0]?.trim();
  if (result.code !== 0 || !first || literalSshKey(first) === null) {
    throw signingFailed(setup, `gpg.ssh.defaultKeyCommand gave no ssh key${result.stderr ? `: ${result.stderr}` : ''}`);
  }
  return first;
}

/** `~/x` and `~` as git's interpolate_path expands them (from HOME). */
function expandHome(path: string, env: Env): string {
  if (path === '~' || path.startsWith('~/')) return join(env.vars.HOME ?? homedir(), path.slice(1));
  return path;
}

function runSigner(
  program: string,
  args: string[],
  input: Buffer | null,
  env: Env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: env.vars as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) =>
      reject(new GitTrackError('SIGNING_FAILED', `cannot run the signing program '${program}': ${e.message}`, { program })),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    // A signer that exits without reading its input must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? undefined);
  });
}

function signingFailed(setup: SigningSetup, stderr: string): GitTrackError {
  const detail = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('[GNUPG:]'))
    .join('; ');
  return new GitTrackError(
    'SIGNING_FAILED',
    `${setup.format} signing with '${setup.program}' failed${detail ? `: ${detail}` : ''} (commit.gpgSign is set; nothing was written)`,
    { format: setup.format, program: setup.program },
  );
}

function isTrue(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim();
  return /^(true|yes|on)$/i.test(v) || (/^-?\d+$/.test(v) && Number(v) !== 0);
}
