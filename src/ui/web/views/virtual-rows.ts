/**
 * Virtualised rows: only the rows in view (plus a margin) exist in the DOM, so a table of
 * 100,000 runs costs what 60 rows cost. Rows have one fixed height; the scroll height is the
 * row count times it (Chromium's element height limit, ~16 million px, is ~570,000 rows of
 * 28 px, beyond the server's and the export's sizes).
 */
import { h } from '../dom.js';

/** The list and how to drive it. */
export interface VirtualRows {
  /** The scrolling element to put on the page. */
  el: HTMLElement;
  /** Set how many rows there are and draw the ones in view. */
  setCount(n: number): void;
  /** Draw the rows in view again (their data arrived or changed). */
  refresh(): void;
  /** Scroll so that row `i` is in view. */
  reveal(i: number): void;
  /** The rows in view now, `[first, last)`. */
  range(): [number, number];
}

const OVERSCAN = 10;

/**
 * Make a list whose row `i` is drawn by `render(i)` when it comes into view.
 * The optional `header` is kept at the top of the scrolling box.
 * @example const list = virtualRows(28, (i) => h('div', null, `row ${i}`)); list.setCount(1e5);
 */
export function virtualRows(rowHeight: number, render: (i: number) => HTMLElement, header?: HTMLElement): VirtualRows {
  const slab = h('div', { class: 'vslab' });
  const spacer = h('div', { class: 'vspacer' }, slab);
  // The header scrolls sideways with the rows and stays on top (position: sticky).
  const el = h('div', { class: 'vscroll', tabindex: -1 }, header, spacer);
  let count = 0;
  let drawn: [number, number] = [-1, -1];
  let pending = false;

  const range = (): [number, number] => {
    const first = Math.max(0, Math.floor(el.scrollTop / rowHeight) - OVERSCAN);
    const last = Math.min(count, Math.ceil((el.scrollTop + (el.clientHeight || 800)) / rowHeight) + OVERSCAN);
    return [first, last];
  };
  const draw = (force: boolean) => {
    pending = false;
    const [first, last] = range();
    if (!force && first === drawn[0] && last === drawn[1]) return;
    drawn = [first, last];
    slab.style.transform = `translateY(${first * rowHeight}px)`;
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) rows.push(render(i));
    slab.replaceChildren(...rows);
  };
  el.addEventListener('scroll', () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => draw(false));
    }
  }, { passive: true });
  new ResizeObserver(() => draw(false)).observe(el);

  return {
    el,
    setCount(n) {
      count = n;
      spacer.style.height = `${n * rowHeight}px`;
      draw(true);
    },
    refresh: () => draw(true),
    reveal(i) {
      const top = i * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
      draw(false);
    },
    range: () => [Math.max(0, Math.floor(el.scrollTop / rowHeight)), Math.min(count, Math.ceil((el.scrollTop + el.clientHeight) / rowHeight))],
  };
}
