/**
 * Running the user's command under `git-track run`: output shown live and kept (the tail, up
 * to a cap) in the staging dir, Ctrl-C and SIGTERM forwarded so the program can stop cleanly
 * and the run is still recorded.
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import type { RunOutcome } from './collect-staging.js';
import { startSystemSampler } from './system-metrics.js';
import { shareState } from '../git/state-perm.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const EXIT_GRACE_MS = 250;

/**
 * The file `name` resolves to, as a shell would look it up (PATH unless it holds a `/`), or
 * null when there is no such executable.
 *
 * @example
 * findExecutable('python3', process.cwd(), process.env.PATH); // '/usr/bin/python3'
 */
export function findExecutable(name: string, cwd: string, path: string | undefined): string | null {
  const candidates = name.includes('/') ? [isAbsolute(name) ? name : resolve(cwd, name)] : (path ?? '').split(delimiter).filter(Boolean).map((d) => join(resolve(cwd, d), name));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here; try the next directory.
    }
  }
  return null;
}

export interface SuperviseOptions {
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where the output tail is kept. */
  logPath: string;
  logCap: number;
  stdout: Writable;
  stderr: Writable;
  /** Forward SIGINT too (when it did not come from a terminal, which signals the child itself). */
  forwardInterrupt: boolean;
  /** Stops the command (SIGTERM; the run is then `killed`), e.g. when a sweep is cut short. */
  abort?: AbortSignal;
  /** Sample the command's CPU, memory and GPUs into this staging dir every `intervalS` seconds. */
  systemMetrics?: { dir: string; intervalS: number };
}

export interface SuperviseResult {
  outcome: RunOutcome;
  /** What `git-track run` exits with: the child's code, or 128 + signal number. */
  exitCode: number;
}

/**
 * Run the command to its end and say how it ended.
 *
 * @example
 * const { outcome, exitCode } = await superviseCommand({ command: ['python', 'train.py'], … });
 */
export function superviseCommand(options: SuperviseOptions): Promise<SuperviseResult> {
  const log = new TailLog(options.logPath, options.logCap);
  const started = performance.now();
  // Without a terminal, the command gets its own process group so a forwarded signal reaches
  // what it started too (a shell's children). With one, it must stay in the terminal's
  // foreground group, which Ctrl-C already signals as a whole.
  const group = options.forwardInterrupt;
  const child = spawn(options.command[0]!, options.command.slice(1), {
    cwd: options.cwd,
    env: options.env,
    stdio: ['inherit', 'pipe', 'pipe'],
    detached: group,
  });
  const sampler = options.systemMetrics && child.pid ? startSystemSampler({ pid: child.pid, dir: options.systemMetrics.dir, intervalS: options.systemMetrics.intervalS, path: options.env.PATH }) : null;
  let interrupted: NodeJS.Signals | null = null;
  const forward = (signal: NodeJS.Signals) => {
    try {
      if (group && child.pid) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  const onAbort = () => {
    interrupted ??= 'SIGTERM';
    forward('SIGTERM');
  };
  if (options.abort?.aborted) queueMicrotask(onAbort);
  else options.abort?.addEventListener('abort', onAbort, { once: true });
  const handlers: (() => void)[] = FORWARDED.map((signal) => {
    const handler = () => {
      interrupted ??= signal;
      if (signal !== 'SIGINT' || options.forwardInterrupt) forward(signal);
    };
    process.on(signal, handler);
    return () => void process.off(signal, handler);
  });
  handlers.push(() => options.abort?.removeEventListener('abort', onAbort));
  child.stdout.on('data', (chunk: Buffer) => {
    options.stdout.write(chunk);
    log.append(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    options.stderr.write(chunk);
    log.append(chunk);
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', (err) => {
      void sampler?.stop();
      for (const off of handlers) off();
      log.close();
      reject(err);
    });
    let ended = false;
    child.on('exit', (code, signal) => {
      const durationS = (performance.now() - started) / 1000;
      // A process the command started may still hold its output open; do not wait for it
      // beyond a moment.
      const grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        end(code, signal, durationS);
      }, EXIT_GRACE_MS);
      child.once('close', () => {
        clearTimeout(grace);
        end(code, signal, durationS);
      });
    });
    const end = (code: number | null, signal: NodeJS.Signals | null, durationS: number) => {
      if (ended) return;
      ended = true;
      for (const off of handlers) off();
      log.close();
      const exitCode = signal ? 128 + (osConstants.signals[signal] ?? 0) : (code ?? 1);
      const status = interrupted || signal ? 'killed' : code === 0 ? 'finished' : 'failed';
      const result: SuperviseResult = { outcome: { status, durationS, exitCode: code, signal: signal ?? interrupted }, exitCode };
      // A sample being written lands before the run is recorded.
      void (sampler ? sampler.stop() : Promise.resolve()).then(() => resolvePromise(result));
    };
  });
}

/**
 * An append-only log file that keeps only its tail: once it grows past twice the cap, it is
 * rewritten with its last `cap` bytes, so disk use stays bounded however chatty the program.
 */
class TailLog {
  private readonly fd: number;
  private size = 0;

  constructor(path: string, private readonly cap: number) {
    this.fd = openSync(path, 'a+');
    shareState(path);
    this.size = fstatSync(this.fd).size;
  }

  append(chunk: Buffer): void {
    writeSync(this.fd, chunk);
    this.size += chunk.length;
    if (this.size > 2 * this.cap && this.size > 65536) this.trim();
  }

  private trim(): void {
    const keep = Buffer.alloc(this.cap);
    readSync(this.fd, keep, 0, this.cap, this.size - this.cap);
    ftruncateSync(this.fd, 0);
    // The fd is in append mode, so this write lands at offset 0 of the truncated file.
    writeSync(this.fd, keep);
    this.size = this.cap;
  }

  close(): void {
    closeSync(this.fd);
  }
}
