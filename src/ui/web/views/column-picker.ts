/** The column picker: every attribute, param, metric and tag of the runs, as checkboxes. */
import { h } from '../dom.js';
import type { FieldsAnswer } from '../api-types.js';

/**
 * A panel of checkboxes; `onChange` gets the new column list in the order picked.
 * @example columnPicker(fields, ['name', 'metrics.f1'], (cols) => setColumns(cols));
 */
export function columnPicker(fields: FieldsAnswer, current: string[], onChange: (cols: string[]) => void): HTMLElement {
  const chosen = [...current];
  const sections: [string, string[]][] = [
    ['Attributes', fields.attributes.filter((a) => a !== 'id')],
    ['Params', fields.params.map((p) => `params.${p}`)],
    ['Metrics', fields.metrics.map((m) => `metrics.${m}`)],
    ['Tags', fields.tags.map((t) => `tags.${t}`)],
  ];
  const search = h('input', { type: 'search', placeholder: 'find a column', 'aria-label': 'Find a column', class: 'picker-search' });
  const boxes: HTMLLabelElement[] = [];
  const body = sections
    .filter(([, names]) => names.length > 0)
    .map(([title, names]) =>
      h('fieldset', null, h('legend', null, title), ...names.map((name) => {
        const box = h('input', { type: 'checkbox', value: name, checked: chosen.includes(name) });
        box.addEventListener('change', () => {
          const i = chosen.indexOf(name);
          if (box.checked && i < 0) chosen.push(name);
          if (!box.checked && i >= 0) chosen.splice(i, 1);
          onChange([...chosen]);
        });
        const label = h('label', { 'data-name': name.toLowerCase() }, box, ' ', name.replace(/^(params|metrics|tags)\./, ''));
        boxes.push(label);
        return label;
      })),
    );
  search.addEventListener('input', () => {
    const q = search.value.toLowerCase();
    for (const b of boxes) b.hidden = !b.dataset['name']!.includes(q);
  });
  return h('div', { class: 'picker' }, search, h('div', { class: 'picker-body' }, ...body));
}
