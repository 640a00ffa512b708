/**
 * Reading a file the user names on the command line (`--params`, `--metrics`, `--from`,
 * `--series`): only a regular file, and only up to a size, checked before reading, so that
 * `--params /dev/zero`, a FIFO or a 50 MB file costs one line instead of a hang.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { GitTrackError, quoteInput, systemCode } from '../errors.js';
import { MAX_INPUT_FILE_BYTES } from '../limits.js';
import { formatBytes } from '../config/size.js';

/**
 * The text of a regular file of at most `maxBytes` bytes.
 *
 * @param what names the file's role in messages (`params file`, `run record`)
 * @param options.label the path as the user wrote it, for messages (default `path`)
 * @throws GitTrackError FILE_NOT_FOUND, or BAD_INPUT for a directory, a device, a FIFO, a
 *   file over the limit or one that cannot be read
 * @example
 * const text = readInputFile('params.yaml', 'params file');
 */
export function readInputFile(
  path: string,
  what: string,
  options: { label?: string; maxBytes?: number; limitName?: string } = {},
): string {
  const { maxBytes = MAX_INPUT_FILE_BYTES, limitName = 'MAX_INPUT_FILE_BYTES' } = options;
  const shown = quoteInput(options.label ?? path);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') throw new GitTrackError('FILE_NOT_FOUND', `${what} not found: ${shown}`, { path });
    throw new GitTrackError('BAD_INPUT', `${what} ${shown}: cannot read (${systemCode(err) ?? 'error'})`, { path }, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device';
      throw new GitTrackError('BAD_INPUT', `${what} ${shown} is ${kind}, not a regular file`, { path });
    }
    if (st.size > maxBytes) throw tooLarge(shown, what, st.size, maxBytes, limitName);
    // Read one byte past the limit: a file that grows while we read is caught too.
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw tooLarge(shown, what, n, maxBytes, limitName);
      if (n === buf.length) break;
    }
    return buf.toString('utf8', 0, n);
  } catch (err) {
    if (err instanceof GitTrackError) throw err;
    throw new GitTrackError('BAD_INPUT', `${what} ${shown}: cannot read (${systemCode(err) ?? 'error'})`, { path }, { cause: err });
  } finally {
    closeSync(fd);
  }
}

function tooLarge(shown: string, what: string, size: number, max: number, limitName: string): GitTrackError {
  return new GitTrackError(
    'BAD_INPUT',
    `${what} ${shown} is ${formatBytes(size)}, over the limit of ${formatBytes(max)} (${limitName})`,
    { size, limit: max },
  );
}
