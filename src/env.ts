/**
 * Env: the side effects the library uses (clock, randomness, warnings, progress), passed in
 * rather than reached for, so tests can fix the clock and the ids. Only the CLI builds
 * {@link defaultEnv} from the real process.
 */
import { randomBytes } from 'node:crypto';

/** Progress of a long operation (hashing, copying, uploading). */
export interface ProgressSink {
  /** Called repeatedly; `total` may be unknown. Implementations throttle themselves. */
  update(label: string, done: number, total?: number, unit?: 'bytes' | 'objects' | 'runs'): void;
  /** The operation is over; clear any progress line. */
  done(label: string): void;
}

export interface Env {
  /** The current time. */
  now(): Date;
  /** `n` random bytes (run ids, jitter). */
  random(n: number): Buffer;
  /** One line a user should see once (a fallback taken, a file skipped). Never used for errors. */
  warn(message: string): void;
  /** Progress of long work; silent unless the CLI attached a terminal. */
  progress: ProgressSink;
  /** Environment variables the library may consult (GIT_* identity overrides, PATH). */
  vars: Record<string, string | undefined>;
  /** The system `git` executable used for transport and working-tree inspection. */
  gitBinary: string;
}

export const silentProgress: ProgressSink = { update() {}, done() {} };

/**
 * The process's real environment, with warnings and progress discarded unless given.
 *
 * @example
 * const env = defaultEnv({ warn: (m) => process.stderr.write(`warning: ${m}\n`) });
 */
export function defaultEnv(overrides: Partial<Env> = {}): Env {
  return {
    now: () => new Date(),
    random: (n) => randomBytes(n),
    warn: () => {},
    progress: silentProgress,
    vars: process.env,
    gitBinary: process.env.GIT_TRACK_GIT ?? 'git',
    ...overrides,
  };
}

/**
 * An env for tests: a fixed clock that ticks one second per call and seeded ids.
 *
 * @example
 * const env = fixedEnv({ start: new Date('2026-01-01T00:00:00Z'), seed: 1 });
 */
export function fixedEnv(options: { start?: Date; seed?: number; warnings?: string[] } = {}): Env {
  let tick = 0;
  let state = options.seed ?? 1;
  const start = (options.start ?? new Date('2026-01-01T00:00:00Z')).getTime();
  return {
    now: () => new Date(start + 1000 * tick++),
    random: (n) => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) {
        // xorshift32: deterministic, good enough for test ids.
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        out[i] = state & 0xff;
      }
      return out;
    },
    warn: (m) => options.warnings?.push(m),
    progress: silentProgress,
    vars: { PATH: process.env.PATH, HOME: process.env.HOME },
    gitBinary: 'git',
  };
}
