/**
 * Recorded runs as MLflow `Run` JSON, kept between searches. A recorded run's message is a
 * function of the `runs` tip (later tags, renames and deletions are commits there) and of its
 * experiment's id, so an entry is reused while both are unchanged: a search whose page holds
 * runs seen before only joins strings, no message is built or serialised again. Measured over
 * 10,000 runs, building and serialising a page was most of the server's time for broad filters.
 *
 * Bounded by {@link MLFLOW_SEARCH_JSON_CACHE_BYTES}: past it, the cache starts over.
 */
import { MLFLOW_SEARCH_JSON_CACHE_BYTES } from '../../limits.js';

interface Entry {
  experimentId: string;
  json: string;
}

export class RunJsonCache {
  private tip: string | null | undefined = undefined;
  private readonly runs = new Map<string, Entry>();
  private bytes = 0;

  /**
   * The cached JSON of run `id` under `tip` with `experimentId`, or the one `build` makes now.
   *
   * @example
   * cache.json(tip, id, '0', () => JSON.stringify(runFromManifest(m, options)));
   */
  json(tip: string | null, id: string, experimentId: string, build: () => string): string {
    if (tip !== this.tip) {
      this.clear();
      this.tip = tip;
    }
    const hit = this.runs.get(id);
    if (hit && hit.experimentId === experimentId) return hit.json;
    const json = build();
    // Strings are UTF-16 in memory: length is close enough to a byte bound for JSON text.
    if (this.bytes + json.length > MLFLOW_SEARCH_JSON_CACHE_BYTES) this.clear();
    this.runs.set(id, { experimentId, json });
    this.bytes += json.length;
    return json;
  }

  private clear(): void {
    this.runs.clear();
    this.bytes = 0;
  }
}

/** A response body already serialised: the HTTP layer sends its text as it is. */
export class RawJson {
  constructor(readonly text: string) {}
}
