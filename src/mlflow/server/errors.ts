/**
 * MLflow's error responses: `{error_code, message}` with the HTTP status MLflow gives each code
 * (mlflow/protos/databricks.proto, mapped in mlflow/exceptions.py).
 */
import { isGitTrackError } from '../../errors.js';

export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'ENDPOINT_NOT_FOUND'
  | 'BAD_REQUEST'
  | 'INVALID_STATE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INTERNAL_ERROR';

const STATUS: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  ENDPOINT_NOT_FOUND: 404,
  BAD_REQUEST: 400,
  INVALID_STATE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INTERNAL_ERROR: 500,
};

/** An error the server answers with, as MLflow would. */
export class MlflowError extends Error {
  readonly errorCode: MlflowErrorCode;
  readonly status: number;

  constructor(errorCode: MlflowErrorCode, message: string) {
    super(message);
    this.name = 'MlflowError';
    this.errorCode = errorCode;
    this.status = STATUS[errorCode];
  }
}

/** INVALID_PARAMETER_VALUE, the answer to most bad requests. */
export function invalid(message: string): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', message);
}

/** RESOURCE_DOES_NOT_EXIST. */
export function notFound(message: string): MlflowError {
  return new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
}

/**
 * Any error as MLflow's: library errors from bad input become INVALID_PARAMETER_VALUE (or
 * RESOURCE_DOES_NOT_EXIST for a run not found); anything else is an INTERNAL_ERROR whose
 * message says what failed without a stack.
 *
 * @example
 * toMlflowError(new GitTrackError('RUN_NOT_FOUND', 'no run abc')).status; // 404
 */
export function toMlflowError(err: unknown): MlflowError {
  if (err instanceof MlflowError) return err;
  if (isGitTrackError(err)) {
    if (err.code === 'RUN_NOT_FOUND' || err.code === 'FILE_NOT_FOUND' || err.code === 'OBJECT_NOT_FOUND') return notFound(err.message);
    if (err.code === 'USAGE' || err.code === 'BAD_INPUT' || err.code === 'INVALID_MANIFEST' || err.code === 'AMBIGUOUS_RUN') return invalid(err.message);
    if (err.code === 'CONFLICT') return new MlflowError('INVALID_STATE', err.message);
  }
  return new MlflowError('INTERNAL_ERROR', `internal error: ${err instanceof Error ? err.message : String(err)}`);
}
