/**
 * The CLI's view of the terminal: warnings, a progress line on a TTY (silent when piped), and
 * colour only when stdout is a terminal.
 */
import type { ProgressSink } from '../env.js';

const THROTTLE_MS = 100;

/**
 * A progress sink that redraws one line on stderr when it is a terminal, and does nothing
 * when output is piped or captured.
 *
 * @example
 * const progress = terminalProgress(process.stderr);
 */
export function terminalProgress(stream: NodeJS.WriteStream): ProgressSink {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(label, done, total, unit = 'bytes') {
      const now = Date.now();
      if (now - last < THROTTLE_MS) return;
      last = now;
      shown = true;
      const amount =
        unit !== 'bytes'
          ? `${total ? `${Math.floor((100 * done) / total)}% (${done} / ${total} ${unit})` : `${done} ${unit}`}`
          : total
            ? `${Math.floor((100 * done) / total)}% (${formatBytes(done)} / ${formatBytes(total)})`
            : formatBytes(done);
      stream.write(`\r\x1b[K${label}: ${amount}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
      last = 0;
    },
  };
}

/**
 * Human-readable byte counts.
 *
 * @example
 * formatBytes(1536); // '1.5 KB'
 */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** True when stdout is an interactive terminal that accepts colour. */
export function useColour(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}
