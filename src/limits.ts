/**
 * Every size, count and depth that git-track accepts, in one place. Input from the command
 * line, from files and from other people (a pulled run, a tag record, a network client) is
 * refused past these with one line naming the limit; the README lists them beside MLflow's.
 *
 * MLflow's own limits, for comparison: a param value 6,000 characters, a tag value 8,000,
 * a log-batch request 1 MB with at most 1,000 metrics, 100 params and 100 tags.
 */

/** A run's `run.yaml`, written or read. MLflow's whole log-batch request is 1 MB. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** One metric's step series file (≈ 40 bytes a step: about 800,000 steps). */
export const MAX_SERIES_BYTES = 32 * 1024 * 1024;

/** A later-fact record on `runs` (tag, promotion, archive, rename) or a stage file. */
export const MAX_RECORD_BYTES = 64 * 1024;

/** A params, metrics or run-record file named on the command line (`--params`, `--from`, …). */
export const MAX_INPUT_FILE_BYTES = 4 * 1024 * 1024;

/** A param value, as text (MLflow: 6,000). */
export const MAX_PARAM_VALUE_CHARS = 6000;

/** A tag value or a note (MLflow: 8,000 for a tag). */
export const MAX_TAG_VALUE_CHARS = 8000;

/**
 * Entries (keys and list items) in one params, metrics or record file. A manifest of 1 MB holds
 * about this many short ones; past it the parse alone took seconds (1.3 M keys: over 120 s).
 */
export const MAX_INPUT_ENTRIES = 100_000;

/** Nesting of a params/metrics/record file, a JSON body, or a filter expression. */
export const MAX_NESTING_DEPTH = 64;

/** Entries read from any one tree of `runs` (a shard holds ~400 at 100,000 runs). */
export const MAX_TREE_ENTRIES = 65536;

/** A filter expression, in characters. */
export const MAX_FILTER_CHARS = 10000;

/** How much of an offending value an error message quotes. */
export const MAX_QUOTED_CHARS = 200;

/** Alternates of alternates followed when reading objects (git's own limit). */
export const MAX_ALTERNATE_DEPTH = 5;

/** Combinations in a sweep's grid (a random sweep samples from up to this many). */
export const MAX_SWEEP_GRID = 1_000_000;

/** Child runs one sweep starts. */
export const MAX_SWEEP_RUNS = 10_000;

/** Child runs a sweep runs at once (`-j`). */
export const MAX_SWEEP_JOBS = 64;

/**
 * A tree object of `runs` or of the artifacts ref, in bytes: {@link MAX_TREE_ENTRIES} entries
 * of ordinary names, refused before it is inflated.
 */
export const MAX_TREE_BYTES = 16 * 1024 * 1024;

/** Library versions a program may report for a run's `env.packages` (the rest are left out). */
export const MAX_ENV_PACKAGES = 64;

/** Shortest interval between system metrics samples of a run, in seconds. */
export const MIN_SYSTEM_INTERVAL_S = 0.1;

// Storage: how new objects reach the object database (src/git/objects.ts, pack-merge.ts).

/** New objects held in memory before they go to disk in a guarded pack. */
export const MAX_PENDING_OBJECT_BYTES = 32 * 1024 * 1024;

/**
 * Guarded objects a writer rewrites into one new pack when it flushes again (a ref update
 * retried on a moved tip): each writer then guards one pack, not one per attempt, so the pack
 * directory stays small enough for a directory listing to be atomic (one `getdents` call,
 * ~450 pack files); a larger one lets `git gc` take a new pack's index for garbage.
 */
export const MAX_REWRITTEN_GUARDED_BYTES = 4 * 1024 * 1024;

/** Small unguarded packs in the object database that make a writer merge them (git's gc.autoPackLimit is 50). */
export const MERGE_PACKS_AT = 24;

/** A pack larger than this is never merged by git-track (git gc's business). */
export const MAX_MERGED_PACK_BYTES = 16 * 1024 * 1024;

/** A `.keep` guard of git-track's older than this was left by a killed process and is removed. */
export const STALE_KEEP_MS = 60 * 60 * 1000;

/** Commits `repair` walks back from a damaged tip looking for what is still readable. */
export const MAX_REPAIR_WALK = 100_000;

/** Code commits of recovered runs that a repair commit keeps reachable as extra parents. */
export const MAX_REPAIR_PARENTS = 64;

/**
 * Paths `verify` names one by one for a single commit that removed or changed entries of
 * `runs`; the rest are counted on one line (a pushed commit that deletes 65,000 files would
 * otherwise print megabytes).
 */
export const MAX_HISTORY_PATHS_PER_COMMIT = 20;

// Dashboard (`git-track ui`, docs/ui-api.md): what one HTTP request may ask of the server.

/** The request target (path and query) of one dashboard request: a filter of MAX_FILTER_CHARS fits percent-encoded. */
export const MAX_UI_URL_CHARS = 32 * 1024;

/** Rows of one `/api/runs` page (a virtualised table asks for a screenful at a time). */
export const MAX_UI_PAGE_ROWS = 1000;

/** Columns or fields named in one request. */
export const MAX_UI_COLUMNS = 200;

/** Lines (runs × metrics) of one `/api/series` request. */
export const MAX_UI_SERIES_LINES = 200;

/** Points per line a series request may ask for (a chart is a few thousand pixels wide). */
export const MAX_UI_POINTS = 10_000;

/** Runs of one `/api/compare` request. */
export const MAX_UI_COMPARE_RUNS = 100;

/** A patch or one chunk of `output.log` sent to the page. */
export const MAX_UI_TEXT_BYTES = 1024 * 1024;

/** Open `/api/events` streams. */
export const MAX_UI_EVENT_CLIENTS = 64;

/** A run's `code.patch` or `output.log` read from `runs` for the dashboard (past it: not shown). */
export const MAX_UI_BLOB_BYTES = 64 * 1024 * 1024;

/** Rows the dashboard's runs table asks for at a time (≤ MAX_UI_PAGE_ROWS): a screen is ~40 rows, a fast scroll crosses a few pages. */
export const UI_TABLE_PAGE_ROWS = 200;
/**
 * While the dashboard builds a cold query index, how long one partial table is handed out
 * before a newer one is taken (ms; up to 10× that as the rows grow): the pages a table fetches
 * together come from one snapshot, and each new one costs a sort of the rows read so far.
 */
export const UI_INDEX_SNAPSHOT_MS = 500;
/**
 * Runs the dashboard reads first, in-process, while git lists the rest of a cold index: about a
 * screen of rows. Few: an in-process read walks delta chains git would walk once (measured on
 * the 10,000-run bench fixture: ~2 ms a manifest, against ~0.05 ms streamed from git), and the
 * stream's rows follow within a few hundred ms. Measured at 100,000 runs (bench/ui-browser.mjs
 * --cold --repeat 3): first rows drawn 0.78 s with 20, 0.75 s with 60; server peak RSS 227
 * against 237 MB.
 */
export const UI_INDEX_FIRST_ROWS = 20;

/** Metrics the parallel coordinates view fetches to colour by the one most runs have (≤ MAX_UI_COLUMNS with the params). */
export const UI_PARALLEL_METRICS = 50;

/** Brushed runs listed under the parallel coordinates; the others are counted. */
export const UI_BRUSHED_SHOWN = 200;

/** Generations of producers the run page's lineage graph draws (`git-track lineage RUN` walks them all). */
export const UI_LINEAGE_GENERATIONS = 2;

/** Runs in one column of the lineage graph; past it, the rest are one "+N more" node. */
export const UI_LINEAGE_LAYER_NODES = 8;

/** Runs a "+N more" node of the lineage graph names in its tooltip. */
export const UI_LINEAGE_HIDDEN_NAMED = 20;

/** Values a keyboard brush steps through on one parallel-coordinates axis (spread by rank past it). */
export const UI_BRUSH_KEY_STEPS = 50;

/** Param axes parallel coordinates shows before the reader picks some. */
export const UI_PARALLEL_DEFAULT_AXES = 6;

/** Params it looks at for those default axes (the first ones the plotted runs have values for). */
export const UI_PARALLEL_PARAM_CANDIDATES = 30;

/** Runs of the stages view shown by name (one request for them all); the rest by id. */
export const UI_STAGE_NAMED_RUNS = 200;

/** Raw points per file of a series an export holds in full (loaded on zoom; ~1 MB of script). */
export const UI_EXPORT_CHUNK_POINTS = 50_000;

/** A series with more points than this is exported downsampled only (the page says so). */
export const UI_EXPORT_SERIES_POINTS = 1_000_000;

/** Raw points one export writes in all (~20 bytes each); series past it are exported downsampled only. */
export const UI_EXPORT_FULL_POINTS = 5_000_000;

/** Raw points an export page loads for one zoomed line; a wider zoom shows the downsampled line. */
export const UI_EXPORT_ZOOM_POINTS = 200_000;

// The MLflow-compatible server (src/mlflow/server/): MLflow's own limits, so its clients behave
// the same against both.

/** A JSON request body (MLflow: a log-batch request is at most 1 MB). */
export const MLFLOW_MAX_REQUEST_BYTES = 1024 * 1024;

/** Metrics in one log-batch request (MLflow: 1,000). */
export const MLFLOW_MAX_BATCH_METRICS = 1000;

/** Params, and tags, in one log-batch request (MLflow: 100 each). */
export const MLFLOW_MAX_BATCH_PARAMS_TAGS = 100;

/** Metrics, params and tags together in one log-batch request (MLflow: 1,000). */
export const MLFLOW_MAX_BATCH_ENTITIES = 1000;

/** A param, metric or tag key (MLflow: 250 characters). */
export const MLFLOW_MAX_KEY_CHARS = 250;

/** A dataset's digest in log-inputs (MLflow: 36 characters); its source may be a tag value long. */
export const MLFLOW_MAX_DATASET_DIGEST_CHARS = 36;

/** Runs one search returns per page (MLflow: 50,000). */
export const MLFLOW_MAX_SEARCH_RESULTS = 50000;

/** One artifact uploaded through the artifact proxy, streamed to disk. */
export const MLFLOW_MAX_ARTIFACT_BYTES = 2 * 1024 * 1024 * 1024;

/** Runs in progress one server holds at once (each keeps its metric history in memory). */
export const MLFLOW_MAX_ACTIVE_RUNS = 10000;

/** Metric steps one run in progress keeps in memory for get-history (the staging dir keeps them all). */
export const MLFLOW_MAX_ACTIVE_HISTORY = 1_000_000;

/** Metric values one get-history page holds when a client asks for pages (MLflow: 25,000). */
export const MLFLOW_HISTORY_PAGE_MAX = 25_000;

/** get-history-bulk-interval: runs per request and sampled steps (MLflow: 100 and 2,500). */
export const MLFLOW_BULK_INTERVAL_MAX_RUNS = 100;
export const MLFLOW_BULK_INTERVAL_MAX_STEPS = 2500;

/** Bytes of recorded runs' JSON the server keeps for runs/search answers (about 2 KB a run). */
export const MLFLOW_SEARCH_JSON_CACHE_BYTES = 64 * 1024 * 1024;

// Remote artifact stores (src/artifacts/stores/): S3 and Git LFS.

/** Objects at or above this size go to S3 as a multipart upload (resumable part by part). */
export const S3_MULTIPART_FROM_BYTES = 16 * 1024 * 1024;

/** Smallest multipart part; a file over 10,000 of them (S3's part count limit) gets larger parts. */
export const S3_PART_BYTES = 8 * 1024 * 1024;

/** S3's own limit on the parts of one multipart upload. */
export const S3_MAX_PARTS = 10_000;

/** Objects fetched at once from a store without a concurrency setting of its own. */
export const STORE_PARALLEL_OBJECTS = 4;

/** Tries of each S3 request (the SDK's standard retry mode: exponential backoff with jitter). */
export const S3_MAX_ATTEMPTS = 6;

/** An S3 request whose connection stays silent this long fails (and is retried): a stalled server never hangs a push. */
export const S3_IDLE_TIMEOUT_MS = 120_000;

/** An S3 endpoint that does not accept a connection within this fails (and is retried). */
export const S3_CONNECT_TIMEOUT_MS = 30_000;

/** Objects named in one Git LFS batch request (git-lfs itself sends 100). */
export const LFS_BATCH_OBJECTS = 100;

/** A JSON answer from an LFS server (batch, ssh authentication) read at most. */
export const MAX_LFS_JSON_BYTES = 16 * 1024 * 1024;

/** LFS objects sent or fetched at once when `lfs.concurrenttransfers` is unset (git-lfs's default). */
export const LFS_CONCURRENT_TRANSFERS = 8;

/** S3 requests (parts, small objects) in flight at once when `gittrack.store.concurrency` is unset. */
export const S3_CONCURRENT_REQUESTS = 8;

/** The most a concurrency setting (`lfs.concurrenttransfers`, `gittrack.store.concurrency`) is granted. */
export const MAX_STORE_CONCURRENCY = 64;

/** An LFS request with no answer for this long fails (an upload's body may take longer). */
export const LFS_REQUEST_TIMEOUT_MS = 60_000;

// Import from MLflow (src/mlflow/import/): everything in a `mlruns/` folder or from a server is untrusted.

/** An MLflow `meta.yaml` (a run's or an experiment's is a few hundred bytes). */
export const MAX_MLFLOW_META_BYTES = 64 * 1024;

/** Artifact files imported for one MLflow run; past it the run is refused with a line naming it. */
export const MAX_IMPORT_ARTIFACT_FILES = 10_000;

/** One JSON response of an MLflow server (a page of runs, of a metric history, of artifacts). */
export const MAX_MLFLOW_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Runs and metric points asked for per page from an MLflow server (MLflow's own page sizes). */
export const MLFLOW_RUNS_PAGE = 1000;
export const MLFLOW_HISTORY_PAGE = 25_000;

/** Imported runs written per move of the `runs` ref (each still its own commit). */
export const MLFLOW_IMPORT_BATCH_RUNS = 200;

/** How often an import waiting for another import of the same store looks again. */
export const MLFLOW_IMPORT_LOCK_POLL_MS = 250;

/** Age past which an unreadable import lock, or a stale-lock breaker, counts as left by a killed process. */
export const STALE_LOCK_BREAKER_MS = 10_000;

// Many writers, one remote (src/sync/incoming.ts).

/** Incoming writers' refs one fold takes into `runs`; the rest wait for the next pull or push. */
export const MAX_FOLDED_WRITERS = 256;

/**
 * Incoming refs holding only runs `runs` already has (a push that landed in `runs` leaves its
 * writer's ref behind, see transport.ts) that a pull or push lets stay rather than pushing
 * their deletion alone; they go with the next fold that moves `runs`, or once this many.
 */
export const STALE_INCOMING_REFS_KEPT = 32;

/**
 * Tree levels `log --remote` fetches of the remote's `runs` tip (`--filter=tree:N`): 2 is the
 * root, its files and the `runs/` tree; the shard a run goes into comes when it is written.
 */
export const REMOTE_WRITER_TREE_DEPTH = 2;

/**
 * Bytes of git's packet trace of `log --remote`'s fetch read for the server's capabilities
 * (server-offer.ts): they come first; a v0 server's list of every ref it has follows.
 */
export const SERVER_OFFER_TRACE_BYTES = 64 * 1024;

/**
 * Trees a push reads itself to list what it sends (the shards new runs went into); past
 * this many, `git diff-tree` lists them faster than a process start costs.
 */
export const MAX_TREES_COMPARED_HERE = 64;

/** Commits a push reads itself to find the remote tip below its own (else `git merge-base`). */
export const NEARBY_COMMITS = 64;
