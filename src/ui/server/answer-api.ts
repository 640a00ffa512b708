/**
 * The JSON answers of the dashboard API by path (without `/api/`), shared by the HTTP server
 * and the static export: one function from request to answer, so an export holds exactly what
 * the server would have sent.
 */
import { basename } from 'node:path';
import { GitTrackError, isGitTrackError, quoteInput, type ErrorCode } from '../../errors.js';
import { runsTip } from '../../runs/read-runs.js';
import { gitTrackVersion } from '../../version.js';
import { compareAnswer, stagesAnswer } from './compare-api.js';
import { outputAnswer, runAnswer } from './run-api.js';
import { fieldsAnswer, runsAnswer, valuesAnswer } from './runs-api.js';
import { seriesAnswer } from './series-api.js';
import type { UiState } from './ui-state.js';

export interface ApiAnswer {
  status: number;
  body: object;
}

/**
 * The answer to `GET /api/<path>?<query>`: the body, with the warnings of bad runs met on the
 * way, or an `{error}` with its HTTP status.
 *
 * @example
 * answerApi(state, 'runs', new URLSearchParams('limit=10')); // { status: 200, body: { rows: […], warnings: [] } }
 */
export function answerApi(state: UiState, path: string, query: URLSearchParams): ApiAnswer {
  state.warnings = [];
  try {
    const body = route(state, path, query);
    return { status: 200, body: { ...body, warnings: [...new Set(state.warnings)] } };
  } catch (err) {
    return errorAnswer(err);
  } finally {
    state.warnings = null;
  }
}

function route(state: UiState, path: string, q: URLSearchParams): object {
  const parts = path.split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw new GitTrackError('USAGE', `bad percent-encoding in ${quoteInput(p)}`);
    }
  });
  switch (parts[0]) {
    case 'info':
      if (parts.length === 1) return infoAnswer(state);
      break;
    case 'fields':
      if (parts.length === 1) return fieldsAnswer(state);
      break;
    case 'runs':
      if (parts.length === 1) return runsAnswer(state, q);
      break;
    case 'values':
      if (parts.length === 1) return valuesAnswer(state, q);
      break;
    case 'series':
      if (parts.length === 1) return seriesAnswer(state, q);
      break;
    case 'compare':
      if (parts.length === 1) return compareAnswer(state, q);
      break;
    case 'stages':
      if (parts.length === 1) return stagesAnswer(state);
      break;
    case 'run':
      if (parts.length === 2 && parts[1]) return runAnswer(state, parts[1]);
      if (parts.length === 3 && parts[1] && parts[2] === 'output') return outputAnswer(state, parts[1], q);
      break;
  }
  throw new GitTrackError('FILE_NOT_FOUND', `no API at /api/${quoteInput(path).slice(1, -1)} (see docs/ui-api.md)`);
}

function infoAnswer(state: UiState): object {
  const { repo } = state.ctx;
  return {
    version: gitTrackVersion(),
    repo: basename(repo.workTree ?? repo.commonDir.replace(/\/\.git\/?$/, '')),
    tip: runsTip(state.ctx),
    filter: state.baseFilter?.text ?? null,
    export: state.exporting,
    live: !state.exporting,
    ...(state.indexing ? { indexing: { read: state.indexing.build.read, total: state.indexing.build.total } } : {}),
  };
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  BAD_INPUT: 400,
  RUN_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  NO_RUNS_BRANCH: 404,
  // A run listed but not readable (its objects lost, its manifest refused): the request was
  // fine and the server is not at fault; the answer names the run and what is wrong with it.
  OBJECT_NOT_FOUND: 404,
  INVALID_MANIFEST: 422,
  CORRUPT_OBJECT: 422,
  AMBIGUOUS_RUN: 409,
};

/**
 * An error as the API answers it: `{error: {code, message, column?}}` with the status of its
 * code; anything not a GitTrackError is a 500 INTERNAL (its message only, no stack).
 *
 * @example
 * errorAnswer(new GitTrackError('USAGE', 'filter: … at column 3', { column: 3 })).body; // { error: { code: 'USAGE', message: '…', column: 3 } }
 */
export function errorAnswer(err: unknown): ApiAnswer {
  if (isGitTrackError(err)) {
    const column = typeof err.data.column === 'number' ? { column: err.data.column } : {};
    const status = typeof err.data.limit === 'number' && err.code === 'USAGE' ? 400 : (STATUS[err.code] ?? 500);
    return { status, body: { error: { code: err.code, message: err.message, ...column } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } } };
}
