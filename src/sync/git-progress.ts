/**
 * git's transfer progress lines (`Writing objects: 45% (9/20), 1.20 MiB | …`), relayed to the
 * Env's progress sink so long pushes and fetches show how far they are on a terminal.
 */
import type { Env } from '../env.js';

const UNITS: Record<string, number> = { bytes: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/**
 * Relay git's transfer progress to `env.progress`: bytes sent or received so far when git
 * shows them (it knows no total in bytes), else objects written out of the total.
 *
 * @example
 * await runGit(['push', '--progress', …], { cwd, env, onStderr: relayProgress(env, 'pushing to origin') });
 */
export function relayProgress(env: Env, label: string): (chunk: string) => void {
  return (chunk) => {
    for (const line of chunk.split(/[\r\n]/)) {
      const m = /(?:Writing|Receiving) objects:\s+\d+% \((\d+)\/(\d+)\)(?:, ([\d.]+) (bytes|KiB|MiB|GiB))?/.exec(line);
      if (m?.[3]) env.progress.update(label, Math.round(Number(m[3]) * UNITS[m[4]!]!));
      else if (m) env.progress.update(label, Number(m[1]), Number(m[2]), 'objects');
    }
  };
}
