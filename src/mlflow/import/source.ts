/**
 * What an MLflow store holds, as the importer sees it, whichever way it was read (a `mlruns/`
 * file store or a tracking server): runs with their params, tags, full metric histories and a
 * way to list and fetch their artifacts. Every value comes from the store and is untrusted.
 */

/** One logged point of a metric, as MLflow keeps it. */
export interface MetricPoint {
  /** Milliseconds since the epoch. */
  timestamp: number;
  value: number;
  step: number;
}

/** An artifact file of a run: its path under the run's artifact root, and its size if known. */
export interface ArtifactFile {
  path: string;
  size?: number;
}

/** A run read from an MLflow store. */
export interface SourceRun {
  runId: string;
  experimentId: string;
  /** The experiment's name; undefined when the experiment could not be read. */
  experimentName?: string;
  /** MLflow's status name: RUNNING, SCHEDULED, FINISHED, FAILED or KILLED. */
  status: string;
  /** Milliseconds since the epoch. */
  startTime: number;
  endTime?: number;
  runName?: string;
  userId?: string;
  deleted: boolean;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Map<string, MetricPoint[]>;
  /** Where the run's artifacts are, for a message. */
  artifactLocation?: string;
}

/** The artifacts of one run: listed, then fetched one file at a time. */
export interface ArtifactReader {
  /** Every file (recursively), or throws a GitTrackError saying why they cannot be read. */
  list(): Promise<ArtifactFile[]>;
  /**
   * A local path holding the file's bytes, and a cleanup to call once it is hashed and cached
   * (a server download is a temporary file). Throws a GitTrackError on failure.
   */
  fetch(file: ArtifactFile): Promise<{ path: string; cleanup(): void }>;
}

/** A store to import from. */
export interface ImportSource {
  /** Says what is read, for messages: a path or a URL without credentials. */
  label: string;
  /** Names the store the same way whoever imports it (a real path, a URL): one import of it at a time. */
  key?: string;
  /**
   * The run ids in the store, deleted ones too, with what the importer needs to order and
   * skip them (parent first, already imported or deleted skipped) before reading any run in full.
   */
  listRuns(): Promise<RunStub[]>;
  /** One run in full, or throws a GitTrackError naming what in the store is malformed. */
  readRun(stub: RunStub): Promise<SourceRun>;
  artifacts(run: SourceRun, stub: RunStub): ArtifactReader;
  /** Releases what the source holds (temporary files). */
  close?(): Promise<void>;
}

/** A run found in a store, before it is read. */
export interface RunStub {
  runId: string;
  /** The parent's MLflow run id, when the listing says. */
  parentRunId?: string;
  /** Where it is, for messages (a directory under `mlruns/`, or the run id). */
  where: string;
  /** Deleted, as far as the listing tells (the run, or its experiment). */
  deleted?: boolean;
}
