/**
 * The first line of a run commit's message, so `git log --oneline runs` reads as a run list:
 * `run 3f9a21c0b7d4 churn-baseline: f1=0.842 precision=0.81 recall=0.875`.
 */
import type { RunManifest } from '../manifest/schema.js';

const HEADLINE_METRICS = 3;

/**
 * Commit message of a run: a summary line, then a trailer naming the run.
 *
 * @example
 * summariseRun(manifest); // 'run 3f9a21c0b7d4 baseline: f1=0.84\n\nGit-Track-Run: 3f9a21c0b7d4\n'
 */
export function summariseRun(m: RunManifest): string {
  const metrics = Object.entries(m.metrics)
    .slice(0, HEADLINE_METRICS)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const status = m.status === 'finished' ? '' : ` [${m.status}]`;
  const title = `run ${m.id}${m.name ? ` ${m.name}` : ''}${status}${metrics ? `: ${metrics}` : ''}`;
  return `${title}\n\nGit-Track-Run: ${m.id}\n`;
}
