/**
 * A run's colour comes from its id alone (src/plot/run-colour.ts), so two runs in one chart
 * can get the same or a near colour (one in ten pairs: the palette is ten hues, each in two
 * shades). Within a chart the later of two runs of one hue takes the first hue no run uses;
 * a chart without such a pair keeps every run's own colour.
 */

// The palette of run-colour.ts grouped by hue: [Tableau 10 shade, category10 shade].
const HUES = [
  ['#4e79a7', '#1f77b4'], ['#f28e2b', '#ff7f0e'], ['#e15759', '#d62728'], ['#76b7b2', '#17becf'], ['#59a14f', '#2ca02c'],
  ['#edc948', '#bcbd22'], ['#b07aa1', '#9467bd'], ['#ff9da7', '#e377c2'], ['#9c755f', '#8c564b'], ['#bab0ac', '#7f7f7f'],
];

const hueOf = (colour: string) => HUES.findIndex((h) => h.includes(colour.toLowerCase()));

/**
 * Colours for runs in chart order: each run's own unless an earlier run has its hue.
 * @example distinctColours([['a', '#f28e2b'], ['b', '#ff7f0e']]); // Map { a → #f28e2b, b → #4e79a7 }
 */
export function distinctColours(runs: [string, string][]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<number>();
  for (const [run, own] of runs) {
    if (out.has(run)) continue;
    let colour = own;
    let hue = hueOf(colour);
    if (hue >= 0 && used.has(hue)) {
      const free = HUES.findIndex((_, i) => !used.has(i));
      if (free >= 0) {
        hue = free;
        colour = HUES[free]![0]!;
      }
    }
    if (hue >= 0) used.add(hue);
    out.set(run, colour);
  }
  return out;
}
