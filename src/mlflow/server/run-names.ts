/**
 * Names for runs a client starts without one. MLflow's own server names every run (the UI and
 * `search_runs` show it), so code that never passes `run_name` still gets runs a person can
 * tell apart: `<adjective>-<animal>-<number>`, drawn from the run's id so that it is stable.
 */
import { seededRandom } from '../../seeded-random.js';

const ADJECTIVES = [
  'amber', 'bold', 'brisk', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fearless', 'gentle', 'glad', 'golden',
  'honest', 'keen', 'lively', 'lucky', 'merry', 'nimble', 'patient', 'quiet', 'rapid', 'silver', 'steady', 'sunny',
  'swift', 'tidy', 'vivid', 'warm', 'wise', 'witty',
];
const ANIMALS = [
  'badger', 'beaver', 'bison', 'crane', 'deer', 'dolphin', 'eagle', 'falcon', 'ferret', 'finch', 'fox', 'gecko',
  'heron', 'ibex', 'koala', 'lark', 'lemur', 'lynx', 'marten', 'moose', 'newt', 'otter', 'owl', 'panda', 'puffin',
  'raven', 'robin', 'seal', 'stoat', 'swan', 'tapir', 'wren',
];

/**
 * A readable name for the run with this id; the same id gives the same name.
 *
 * @example
 * generatedRunName('3f9a21c0b7d4'); // e.g. 'steady-otter-417'
 */
export function generatedRunName(runId: string): string {
  let seed = 0;
  for (let i = 0; i < runId.length; i++) seed = (Math.imul(seed, 31) + runId.charCodeAt(i)) | 0;
  const next = seededRandom(seed >>> 0);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  return `${pick(ADJECTIVES)}-${pick(ANIMALS)}-${Math.floor(next() * 1000)}`;
}
