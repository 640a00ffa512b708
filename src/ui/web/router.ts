/**
 * The page's state lives in the URL hash (`#/runs?filter=…&cols=…`), so every view, filter,
 * column choice, selection and chart option can be shared as a link, and the hash works in an
 * export opened from file:// (no server to answer other paths).
 */

/** A parsed location: the view (`runs`, `run`, `charts`, …), its path argument and its state. */
export interface Route {
  view: string;
  arg: string;
  state: URLSearchParams;
}

/** The route of the current location. `#/run/3f9a21c0b7d4?tab=x` → view `run`, arg the id. */
export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const [view = '', ...rest] = path.split('/');
  return { view: view || 'runs', arg: decodeURIComponent(rest.join('/')), state: new URLSearchParams(q < 0 ? '' : hash.slice(q + 1)) };
}

/** The hash of a view with its state; empty state values are left out. */
export function href(view: string, arg = '', state: Record<string, string | undefined> | URLSearchParams = {}): string {
  const entries = state instanceof URLSearchParams ? [...state.entries()] : Object.entries(state);
  const q = new URLSearchParams(entries.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')).toString();
  return `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}${q ? `?${q}` : ''}`;
}

/**
 * Change the current view's state in place (no history entry per keystroke, no hashchange),
 * e.g. the filter as it is typed: the view already shows it, the URL only records it.
 */
export function replaceState(view: string, arg: string, state: URLSearchParams): void {
  const next = href(view, arg, state);
  if (location.hash !== next) history.replaceState(null, '', next);
}

/** A comma-separated list from the state (`sel=a,b`), without empty items. */
export function listParam(state: URLSearchParams, name: string): string[] {
  return (state.get(name) ?? '').split(',').filter((s) => s !== '');
}
