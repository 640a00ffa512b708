/**
 * The environment a command captured as a run gets (`git-track run`, each child of a sweep):
 * where to report (the staging dir), its run id, and the Python helper on the path.
 */
import { delimiter } from 'node:path';
import { pythonHelperDir } from './python-dir.js';
import { RUN_DIR_VAR } from './staging.js';

/**
 * The child environment: `vars` plus the reporting variables.
 *
 * @example
 * spawn('python', ['train.py'], { env: commandEnv(process.env, dir, state.id) });
 */
export function commandEnv(vars: NodeJS.ProcessEnv, dir: string, id: string): NodeJS.ProcessEnv {
  const python = pythonHelperDir();
  return {
    ...vars,
    [RUN_DIR_VAR]: dir,
    GIT_TRACK_RUN_ID: id,
    // The program's output goes through a pipe; without this Python would hold it back.
    PYTHONUNBUFFERED: vars.PYTHONUNBUFFERED ?? '1',
    ...(python ? { PYTHONPATH: vars.PYTHONPATH ? `${python}${delimiter}${vars.PYTHONPATH}` : python } : {}),
  };
}
