/**
 * Brushing parallel coordinates from the keyboard. Under the plot, each axis gets a two-thumb
 * range slider (the ARIA multi-thumb slider pattern): its top and bottom ends step through the
 * axis's values with the arrow keys, Page Up/Down step further, Home/End jump to the ends,
 * Shift+arrow moves the whole range, and Delete, Backspace or Escape clear the axis. Both ends at the axis's ends means no brush. A
 * mouse brush moves the thumbs too, so both ways of brushing show one state.
 */
import { h, replace } from '../dom.js';
import { formatNumber } from '../format.js';
import { axisCategories, isNumericAxis } from '../charts/axis-categories.js';
import type { Dimension, ParallelPlot } from '../charts/plots-chunk.js';
import { UI_BRUSH_KEY_STEPS } from '../../../limits.js';

/** The values a thumb steps through, ascending: data units (a category axis: its indexes). */
interface Axis {
  name: string;
  steps: number[];
  labels: string[];
}

/**
 * An axis's steps: its distinct numbers (at most UI_BRUSH_KEY_STEPS, spread by rank so each
 * step moves past about as many runs), or its categories in the chart's order.
 * @example axisSteps({ name: 'depth', values: [3, 6, 3, 4] }).steps; // [3, 4, 6]
 */
export function axisSteps(d: Dimension): Axis {
  if (!isNumericAxis(d.values)) {
    const cats = axisCategories(d.values);
    return { name: d.name, steps: cats.map((_, i) => i), labels: cats };
  }
  const distinct = [...new Set(d.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)))].sort((a, b) => a - b);
  const n = Math.min(distinct.length, UI_BRUSH_KEY_STEPS);
  const steps = n < distinct.length ? Array.from({ length: n }, (_, k) => distinct[Math.round((k * (distinct.length - 1)) / (n - 1))]!) : distinct;
  return { name: d.name, steps, labels: steps.map(formatNumber) };
}

/** The steps inside `range` as [first, last] indexes; [k, k - 1] when none is inside. */
function inside(a: Axis, range: [number, number] | null): [number, number] {
  if (!range) return [0, a.steps.length - 1];
  const lo = a.steps.findIndex((v) => v >= range[0]);
  let hi = -1;
  for (let k = a.steps.length - 1; k >= 0; k--) if (a.steps[k]! <= range[1]) { hi = k; break; }
  return lo < 0 ? [a.steps.length, a.steps.length - 1] : [lo, hi];
}

/**
 * The range brushing steps lo…hi: halfway to the neighbouring steps (so the brush is visible
 * even around one value, and no neighbour is inside), or a little past an end of the axis.
 */
function rangeOf(a: Axis, lo: number, hi: number): [number, number] {
  const s = a.steps;
  const span = s[s.length - 1]! - s[0]!;
  const pad = span > 0 ? span * 0.02 : 0.5;
  return [lo > 0 ? (s[lo - 1]! + s[lo]!) / 2 : s[0]! - pad, hi < s.length - 1 ? (s[hi]! + s[hi + 1]!) / 2 : s[s.length - 1]! + pad];
}

/** The keyboard brush of one plot: its element, and `sync` to call with each brush's ranges. */
export interface KeyBrush {
  el: HTMLElement;
  sync(ranges: [number, number][][]): void;
  /** Place each axis's sliders under its axis (after a resize). */
  place(): void;
}

/**
 * The sliders of `dims` driving `plot`.
 * @example const keys = keyBrush(plot, dims); parent.append(keys.el); // and keys.sync(ranges) on each brush
 */
export function keyBrush(plot: ParallelPlot, dims: Dimension[]): KeyBrush {
  const axes = dims.map(axisSteps);
  const ranges: ([number, number] | null)[] = axes.map(() => null);
  const boxes = axes.map((a, i) => axisBox(a, i));
  const el = h('div', { class: 'axis-keys', role: 'group', 'aria-label': 'brush from the keyboard' }, ...boxes.map((b) => b.el));

  function axisBox(a: Axis, i: number) {
    const thumb = (end: 'top' | 'bottom') => {
      const t = h('div', { class: `axis-thumb axis-${end}`, role: 'slider', tabindex: 0, 'aria-orientation': 'vertical', 'aria-valuemin': 0, 'aria-valuemax': Math.max(0, a.steps.length - 1), 'aria-label': `${a.name}, ${end === 'top' ? 'top' : 'bottom'} of the brushed range` });
      t.addEventListener('keydown', (ev) => key(ev, i, end));
      t.addEventListener('focus', () => plot.highlight(i));
      t.addEventListener('blur', () => plot.highlight(null));
      return t;
    };
    const top = thumb('top');
    const bottom = thumb('bottom');
    if (a.steps.length === 0) {
      // No plotted run has a value here: nothing to brush, and nothing for Tab to stop at.
      for (const t of [top, bottom]) {
        t.setAttribute('aria-disabled', 'true');
        t.setAttribute('tabindex', '-1');
      }
    }
    const box = h('div', { class: 'axis-key', 'data-axis': a.name }, h('div', { class: 'axis-key-name' }, a.name), top, bottom);
    return { el: box, top, bottom };
  }

  function key(ev: KeyboardEvent, i: number, end: 'top' | 'bottom') {
    const a = axes[i]!;
    const last = a.steps.length - 1;
    if (last < 0) return;
    let [lo, hi] = inside(a, ranges[i]!);
    if (lo > hi) [lo, hi] = end === 'top' ? [Math.min(lo, last), Math.min(lo, last)] : [Math.max(hi, 0), Math.max(hi, 0)];
    const page = Math.max(1, Math.round(a.steps.length / 10));
    const move = { ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1 }[ev.key];
    if (ev.shiftKey && move !== undefined) {
      // Shift+arrow moves the whole range one value, keeping its width.
      ev.preventDefault();
      if (lo + move < 0 || hi + move > last) return;
      set(i, lo + move === 0 && hi + move === last ? null : rangeOf(a, lo + move, hi + move));
      return;
    }
    const now = end === 'top' ? hi : lo;
    let next: number;
    switch (ev.key) {
      case 'ArrowUp': case 'ArrowRight': next = now + 1; break;
      case 'ArrowDown': case 'ArrowLeft': next = now - 1; break;
      case 'PageUp': next = now + page; break;
      case 'PageDown': next = now - page; break;
      case 'Home': next = 0; break;
      case 'End': next = last; break;
      case 'Delete': case 'Backspace': case 'Escape':
        ev.preventDefault();
        set(i, null);
        return;
      default: return;
    }
    ev.preventDefault();
    // An end never passes the other: the range keeps at least one value.
    if (end === 'top') hi = Math.max(lo, Math.min(last, next));
    else lo = Math.min(hi, Math.max(0, next));
    set(i, lo === 0 && hi === last ? null : rangeOf(a, lo, hi));
  }

  function set(i: number, range: [number, number] | null) {
    ranges[i] = range;
    draw(i);
    plot.brush(i, range); // the plot answers with a brush event: sync() and the runs list follow
  }

  function draw(i: number) {
    const a = axes[i]!;
    const b = boxes[i]!;
    const [lo, hi] = inside(a, ranges[i]!);
    const empty = lo > hi || a.steps.length === 0;
    const show = (t: HTMLElement, k: number, arrow: string) => {
      const k2 = Math.max(0, Math.min(a.steps.length - 1, k));
      t.setAttribute('aria-valuenow', String(k2));
      t.setAttribute('aria-valuetext', a.steps.length === 0 ? 'no values' : empty ? 'no value in range' : a.labels[k2] ?? '');
      replace(t, `${arrow} ${empty ? '–' : a.labels[k2] ?? ''}`);
    };
    show(b.top, hi, '▲');
    show(b.bottom, lo, '▼');
    b.el.classList.toggle('brushed', ranges[i] !== null);
  }

  axes.forEach((_, i) => draw(i));
  return {
    el,
    sync(next) {
      next.forEach((r, i) => {
        if (i >= ranges.length) return;
        // Several mouse brushes on one axis: the sliders show the span of them all.
        ranges[i] = r.length === 0 ? null : [Math.min(...r.map((x) => x[0])), Math.max(...r.map((x) => x[1]))];
        draw(i);
      });
    },
    place() {
      const xs = plot.axisX();
      boxes.forEach((b, i) => (b.el.style.left = `${xs[i] ?? 0}px`));
    },
  };
}
