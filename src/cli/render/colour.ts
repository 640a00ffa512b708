/**
 * ANSI colours, applied only when a palette is on (stdout is a terminal and NO_COLOR unset).
 */

export interface Palette {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const wrap = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;

/**
 * A palette that colours, or one that leaves text plain.
 *
 * @example
 * palette(useColour()).green('better');
 */
export function palette(enabled: boolean): Palette {
  if (!enabled) {
    const same = (s: string) => s;
    return { green: same, red: same, yellow: same, bold: same, dim: same };
  }
  return { green: wrap('32'), red: wrap('31'), yellow: wrap('33'), bold: wrap('1'), dim: wrap('2') };
}
