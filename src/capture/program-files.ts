/**
 * Files a program writes into a staging dir besides its values (docs/run-contract.md): how it
 * ended a run itself (`end.json`), the interpreter and libraries it ran with (`env.json`), and
 * the datasets it read (`inputs.json`). Each is optional; a bad one is a warning naming the
 * file, never a reason to lose the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_ENV_PACKAGES, MAX_TAG_VALUE_CHARS } from '../limits.js';
import { isValidName } from '../manifest/names.js';
import { datasetRecordTags, type DatasetRecord } from '../mlflow/dataset-tags.js';

export const END_FILE = 'end.json';
export const ENV_FILE = 'env.json';
export const INPUTS_FILE = 'inputs.json';

/** How the program ended a run it started (a `with start_run()` block closing). */
export interface ProgramEnd {
  status: 'finished' | 'failed' | 'killed';
  ended: Date;
}

/** The environment as the program saw it, overriding what git-track would probe. */
export interface ProgramEnv {
  python?: string;
  /** `name version` pairs, sorted, comma-separated: one reviewable line in the manifest. */
  packages?: string;
}

const STATUSES = new Set(['finished', 'failed', 'killed']);
const VERSION = /^[0-9A-Za-z.+_-]{1,64}$/;
const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * The run's own end, or null when the program did not say (it is then the process's outcome).
 *
 * @example
 * readEnd(dir, id, warn); // { status: 'finished', ended: 2026-05-30T10:22:00.000Z }
 */
export function readEnd(dir: string, id: string, warn: (message: string) => void): ProgramEnd | null {
  const value = readJson(dir, END_FILE, id, warn);
  if (value === undefined) return null;
  const { status, ended } = (value ?? {}) as Record<string, unknown>;
  const time = typeof ended === 'string' ? new Date(ended) : null;
  if (typeof status !== 'string' || !STATUSES.has(status) || !time || Number.isNaN(time.getTime())) {
    warn(`run ${id}: ${END_FILE}: expected {"status": "finished"|"failed"|"killed", "ended": ISO time}; ignored`);
    return null;
  }
  return { status: status as ProgramEnd['status'], ended: time };
}

/**
 * The interpreter version and imported library versions the program reported.
 *
 * @example
 * readProgramEnv(dir, id, warn); // { python: '3.11.2', packages: 'numpy 1.24.2, scikit-learn 1.2.1' }
 */
export function readProgramEnv(dir: string, id: string, warn: (message: string) => void): ProgramEnv | undefined {
  const value = readJson(dir, ENV_FILE, id, warn);
  if (value === undefined || typeof value !== 'object' || value === null) return undefined;
  const { python, packages } = value as Record<string, unknown>;
  const out: ProgramEnv = {};
  if (typeof python === 'string' && VERSION.test(python)) out.python = python;
  if (typeof packages === 'object' && packages !== null && !Array.isArray(packages)) {
    const pairs = Object.entries(packages)
      .filter((e): e is [string, string] => PACKAGE.test(e[0]) && typeof e[1] === 'string' && VERSION.test(e[1]))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, MAX_ENV_PACKAGES)
      .map(([name, version]) => `${name} ${version}`);
    if (pairs.length > 0) out.packages = pairs.join(', ');
  }
  return out;
}

/** Datasets the program read: local ones as data inputs, the others as `dataset.<name>` tags. */
export interface ProgramInputs {
  data: { path: string; label?: string }[];
  tags: Record<string, string>;
}

/**
 * The datasets of `inputs.json` (written by the Python helper's `log_input` and the MLflow
 * server's log-inputs): one with a path in the work tree is a data input; any other is kept
 * as tags, digest and source exactly (src/mlflow/dataset-tags.ts).
 *
 * @example
 * readInputs(dir, id, warn); // { data: [{ path: 'data/train.csv', label: 'train' }], tags: {} }
 */
export function readInputs(dir: string, id: string, warn: (message: string) => void): ProgramInputs {
  const out: ProgramInputs = { data: [], tags: {} };
  const value = readJson(dir, INPUTS_FILE, id, warn);
  if (value === undefined) return out;
  if (!Array.isArray(value)) {
    warn(`run ${id}: ${INPUTS_FILE}: expected a list of datasets; ignored`);
    return out;
  }
  const datasets: DatasetRecord[] = [];
  for (const entry of value as unknown[]) {
    const e = (entry ?? {}) as Record<string, unknown>;
    const name = typeof e.name === 'string' && e.name !== '' ? e.name : null;
    // A path relative to the work tree, never out of it: logRun hashes what it names.
    const path = typeof e.path === 'string' && e.path !== '' && !e.path.startsWith('/') && !e.path.split('/').some((s) => s === '..' || s === '' || s === '.git') ? e.path : null;
    if (name === null || (path && !isValidName(`dataset.${name}`))) {
      warn(`run ${id}: ${INPUTS_FILE}: a dataset without a valid name; ignored`);
    } else if (path) {
      out.data.push({ path, label: name });
    } else {
      // Exactly as given (dataset-tags.ts); only a value over a tag's limit is cut, and says so.
      const field = (k: 'digest' | 'source' | 'context' | 'sourceType'): string | undefined => {
        const v = e[k];
        if (typeof v !== 'string' || v.length <= MAX_TAG_VALUE_CHARS) return typeof v === 'string' ? v : undefined;
        warn(`run ${id}: ${INPUTS_FILE}: dataset '${name}': its ${k} is ${v.length} characters; kept the first ${MAX_TAG_VALUE_CHARS} (MAX_TAG_VALUE_CHARS)`);
        return v.slice(0, MAX_TAG_VALUE_CHARS);
      };
      const [context, sourceType] = [field('context'), field('sourceType')];
      datasets.push({ name, digest: field('digest') ?? '', source: field('source') ?? '', ...(context !== undefined ? { context } : {}), ...(sourceType ? { sourceType } : {}) });
    }
  }
  const { tags, refused } = datasetRecordTags(datasets);
  for (const name of refused) warn(`run ${id}: ${INPUTS_FILE}: a dataset without a valid name ('${name.slice(0, 100)}…' is too long); ignored`);
  Object.assign(out.tags, tags);
  return out;
}

function readJson(dir: string, file: string, id: string, warn: (message: string) => void): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    warn(`run ${id}: ${file}: not valid JSON (${(err as Error).message}); ignored`);
    return undefined;
  }
}
