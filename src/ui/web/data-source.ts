/**
 * Where the page's data comes from. Live (`git-track ui`): fetch() of the JSON API and an
 * EventSource on /api/events. Export (`git-track ui --export`, opened from file:// or a static
 * host): the answers the export wrote as scripts (export-source.ts). Views call only this.
 * docs/ui-api.md is the contract.
 */

/** A query parameter; `undefined`, `''` and `false` are left out of the request. */
export type Param = string | number | boolean | undefined;

/** An answer the API refused: its stable code, message and, for a filter, the column. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** A live event: `tip`, `run-started`, `run-progress`, `run-finished`, `hello`. */
export type LiveEvent = { type: string; data: Record<string, unknown> };

/** What the views read through. */
export interface DataSource {
  /** True when the page follows the repository (a server); false in an export. */
  readonly live: boolean;
  /** GET `/api/<path>?<params>` and its JSON, or an {@link ApiError}. */
  get<T>(path: string, params?: Record<string, Param>): Promise<T>;
  /** Follow live events; returns the function that stops following. No-op in an export. */
  subscribe(listener: (e: LiveEvent) => void): () => void;
}

/** The query parameters that are set, sorted by name (the export's request key uses this order). */
export function queryPairs(params: Record<string, Param> = {}): [string, string][] {
  return Object.entries(params)
    .filter((e): e is [string, string | number | true] => e[1] !== undefined && e[1] !== '' && e[1] !== false)
    .map(([k, v]): [string, string] => [k, v === true ? '1' : String(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** `runs?filter=…&limit=100`: a path and its parameters as a URL tail. */
export function withQuery(path: string, params?: Record<string, Param>): string {
  const q = queryPairs(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return q ? `${path}?${q}` : path;
}

const EVENT_TYPES = ['hello', 'tip', 'run-started', 'run-progress', 'run-finished'];

/** The data source of a page served by `git-track ui`. */
export function liveSource(base = 'api/'): DataSource {
  let stream: EventSource | null = null;
  const listeners = new Set<(e: LiveEvent) => void>();
  return {
    live: true,
    async get<T>(path: string, params?: Record<string, Param>): Promise<T> {
      const res = await fetch(base + withQuery(path, params), { headers: { accept: 'application/json' } });
      const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; column?: number } } | null;
      if (!res.ok || body === null) {
        const e = body?.error;
        throw new ApiError(e?.code ?? 'INTERNAL', e?.message ?? `the server answered ${res.status}`, res.status, e?.column);
      }
      return body as T;
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!stream) {
        stream = new EventSource(base + 'events');
        for (const type of EVENT_TYPES) {
          stream.addEventListener(type, (ev) => {
            let data: Record<string, unknown> = {};
            try {
              data = JSON.parse((ev as MessageEvent<string>).data) as Record<string, unknown>;
            } catch {
              // A malformed event carries nothing the page can use; the next one will.
            }
            for (const l of listeners) l({ type, data });
          });
        }
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          stream?.close();
          stream = null;
        }
      };
    },
  };
}
