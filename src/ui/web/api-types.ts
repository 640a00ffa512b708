/** The JSON answers of docs/ui-api.md, as the page reads them. */

export interface RunRow {
  id: string;
  parent: string | null;
  depth: number;
  children: number;
  running: boolean;
  values: unknown[];
}

export interface Group {
  value: string | null;
  count: number;
  offset: number;
}

export interface RunsAnswer {
  tip: string | null;
  total: number;
  offset: number;
  limit: number;
  columns: string[];
  hidden?: string[];
  rows: RunRow[];
  groups?: Group[];
  /** While the server builds its query index: `total` counts only the `read` runs so far. */
  indexing?: { read: number; total: number };
  warnings: string[];
}

export interface FieldsAnswer {
  attributes: string[];
  params: string[];
  metrics: string[];
  tags: string[];
  data: string[];
  warnings: string[];
}

export interface InfoAnswer {
  version: string;
  repo: string;
  tip: string | null;
  filter: string | null;
  export: boolean;
  live: boolean;
}

export interface Summary {
  points: number;
  last: number;
  min: number;
  max: number;
  direction?: 'higher' | 'lower';
  best?: number;
  bestStep?: number;
}

export interface SeriesLine {
  run: string;
  name: string | null;
  metric: string;
  color: string;
  total: number;
  inRange: number;
  downsampled: boolean;
  x: number[];
  y: number[];
  summary?: Summary;
  /**
   * In an export only, for a downsampled line: its every point in chunks `[first step, last
   * step, points]` (keys `series-points?chunk=…&metric=…&run=…`) with each chunk's earliest and
   * latest time (null: none), or why the export left them out.
   */
  full?: { chunks: [number, number, number][]; times?: ([number, number] | null)[] } | { omitted: 'series-limit' | 'export-limit'; limit: number };
}

export interface SeriesAnswer {
  x: string;
  lines: SeriesLine[];
  missing: { run: string; metric: string }[];
  warnings: string[];
}

export interface Person {
  name: string;
  email?: string;
}

export interface PromotionEntry {
  stage: string;
  run: string;
  promoted: string;
  by?: Person;
  reason?: string;
  current?: boolean;
  [k: string]: unknown;
}

export interface StagesAnswer {
  stages: { stage: string; current: PromotionEntry | null; history: PromotionEntry[] }[];
  warnings: string[];
}

export interface CompareAnswer {
  runs: { id: string; name?: string | null; created?: string }[];
  rows: { section: string; key: string; values: unknown[]; differs: boolean; direction?: string; best?: number[] }[];
  dataWarnings: string[];
  warnings: string[];
}

export interface ValuesAnswer {
  ids: string[];
  names: (string | null)[];
  fields: string[];
  values: unknown[][];
  warnings: string[];
}

export interface Artifact {
  path: string;
  kind: 'file' | 'dir';
  sha256: string | null;
  size: number | null;
  role?: string;
  cached?: boolean;
  download?: string | null;
  files?: { path: string; sha256: string; size: number; download?: string | null }[] | number;
}

export interface RunRef {
  id: string;
  name?: string | null;
  created?: string;
  path?: string;
  status?: string;
  archived?: boolean;
}

/** `git-track lineage --json`: a run, its data inputs and the runs that made them, recursively. */
export interface LineageNode {
  id: string;
  name?: string;
  created: string;
  inputs: { path: string | null; sha256: string | null; label?: string; producers: { artifact: string; node: LineageNode }[] }[];
  /** Already shown higher in the tree. */
  seen?: boolean;
  /** Cut at the depth limit. */
  truncated?: boolean;
}

export interface RunAnswer {
  tip: string | null;
  run: Record<string, unknown> & { id: string };
  running: { pid: number; hostname: string; started: string; lastActivity: string } | null;
  archived: { at: string; by: unknown } | null;
  renamed: { from: string; to: string } | null;
  laterTags: { added: string; by?: Person; tags: Record<string, string> }[];
  children: RunRef[];
  stages: PromotionEntry[];
  patch: { text: string; bytes: number; truncated: boolean } | null;
  output: { text: string; offset: number; bytes: number; truncated: boolean } | null;
  artifacts: Artifact[];
  data: { path?: string; kind: string; sha256?: string; size?: number; label?: string; producedBy?: RunRef[] }[];
  series: { metric: string; summary?: Summary }[];
  lineage: LineageNode | null;
  usedBy: RunRef[];
  warnings: string[];
}
