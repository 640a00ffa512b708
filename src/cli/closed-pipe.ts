/**
 * Output into a closed pipe (`git-track list | head -1`): stop quietly, as git does, instead
 * of Node's unhandled EPIPE error with a stack trace.
 */

/** What a shell reports for a process killed by SIGPIPE (128 + 13), as it does for git. */
export const CLOSED_PIPE_EXIT = 141;

let keepGoing = false;

/**
 * Make a write to `streams` that finds the reader gone end the process quietly. Node ignores
 * SIGPIPE, so without this the failed write surfaces as an unhandled 'error' event.
 *
 * @example
 * exitQuietlyOnClosedPipe([process.stdout, process.stderr]);
 */
export function exitQuietlyOnClosedPipe(streams: NodeJS.WriteStream[]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
      if (!keepGoing) process.exit(CLOSED_PIPE_EXIT);
    });
  }
}

/**
 * From now on a closed pipe only drops the output: `git-track run -- CMD | head` must still
 * wait for the command and record its run, as `tee -p` would.
 *
 * @example
 * dropOutputOnClosedPipe();
 */
export function dropOutputOnClosedPipe(): void {
  keepGoing = true;
}
