/**
 * Loads a chart bundle (dist/ui/chart-lines.js, chart-plots.js) with a <script> tag the first
 * time a view needs it: the runs table never pays for uPlot or ECharts. Script tags rather than
 * import() because an export opened from file:// cannot load modules.
 */
import type { LinesApi } from './lines-chunk.js';
import type { PlotsApi } from './plots-chunk.js';

interface Chunks {
  'chart-lines': LinesApi;
  'chart-plots': PlotsApi;
}

declare global {
  interface Window {
    gtChunks?: Partial<Chunks>;
  }
}

// Resolved against app.js itself, so the page works from any directory and from file://.
const base = (document.currentScript as HTMLScriptElement | null)?.src ?? location.href;
const loading = new Map<string, Promise<unknown>>();

/**
 * The API of a chart bundle, loading it once.
 * @example const lines = await loadChunk('chart-lines'); lines.drawLines(el, options);
 */
export function loadChunk<K extends keyof Chunks>(name: K): Promise<Chunks[K]> {
  const ready = window.gtChunks?.[name];
  if (ready) return Promise.resolve(ready);
  let p = loading.get(name) as Promise<Chunks[K]> | undefined;
  if (!p) {
    p = new Promise<Chunks[K]>((resolve, reject) => {
      const s = document.createElement('script');
      s.src = new URL(`${name}.js`, base).href;
      s.onload = () => {
        const api = window.gtChunks?.[name];
        if (api) resolve(api);
        else reject(new Error(`${name}.js did not load`));
      };
      s.onerror = () => {
        loading.delete(name);
        reject(new Error(`could not load ${name}.js`));
      };
      document.head.appendChild(s);
    });
    loading.set(name, p);
  }
  return p;
}
