/**
 * The filter input of `git-track list --filter`, with the parser's error shown under it and a
 * caret under the column it points at.
 */
import { h, replace } from '../dom.js';

/** The pause in typing after which the filter is applied: a query per pause, not per key. */
const TYPING_PAUSE_MS = 100;

/** The input, its error line, and how to show or clear an error. */
export interface FilterBox {
  el: HTMLElement;
  input: HTMLInputElement;
  showError(message: string, column?: number): void;
  clearError(): void;
}

/**
 * A filter box that calls `onChange` when typing pauses (and at once on Enter).
 * @example const box = filterBox('metrics.f1 > 0.8', (text) => load(text));
 */
export function filterBox(initial: string, onChange: (text: string) => void): FilterBox {
  const input = h('input', {
    type: 'search',
    class: 'filter-input',
    placeholder: "filter: metrics.f1 > 0.8 AND tags.team = 'growth'",
    title: 'The filter language of git-track list: params.X, metrics.X, tags.X, name, status, created…; =, !=, <, >, LIKE, IN, IS NULL; AND, OR, NOT',
    'aria-label': 'Filter runs',
    spellcheck: 'false',
    autocomplete: 'off',
  });
  input.value = initial;
  const error = h('div', { class: 'filter-error', role: 'alert', hidden: true });
  let timer = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => onChange(input.value), TYPING_PAUSE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      clearTimeout(timer);
      onChange(input.value);
    }
  });
  return {
    el: h('div', { class: 'filter-box' }, input, error),
    input,
    showError(message, column) {
      input.setAttribute('aria-invalid', 'true');
      const caret = column && column > 0 ? h('pre', { class: 'caret' }, `${input.value}\n${' '.repeat(column - 1)}^`) : null;
      replace(error, h('div', null, message), caret);
      error.hidden = false;
    },
    clearError() {
      input.removeAttribute('aria-invalid');
      error.hidden = true;
      error.replaceChildren();
    },
  };
}
