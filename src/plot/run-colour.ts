/**
 * A run's colour in every chart (the dashboard's and `git-track plot`'s): a function of its
 * id alone, so a run keeps its colour whichever runs are shown beside it.
 */
import { fnv1aHex } from '../ui/export/export-key.js';

/** Tableau 20: distinguishable on white, and in greyscale print in light/dark pairs. */
const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

/**
 * The colour of run `id` (`#rrggbb`).
 *
 * @example
 * runColour('3f9a21c0b7d4'); // '#59a14f', always
 */
export function runColour(id: string): string {
  return PALETTE[parseInt(fnv1aHex(id), 16) % PALETTE.length]!;
}
