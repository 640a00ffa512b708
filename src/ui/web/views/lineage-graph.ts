/**
 * Draws the lineage graph (lineage-layout.ts) as inline SVG: one column per layer, left to
 * right (producers → this run → the runs that used its outputs), a curved arrow per data flow
 * labelled with what flowed, every run a link to its page. Colours are the page's CSS
 * variables, so the light and dark themes both apply. Names are hostile (other people's
 * pushes): they go in text nodes only.
 */
import { href } from '../router.js';
import type { RunAnswer } from '../api-types.js';
import { lineageGraph, type GraphNode } from './lineage-layout.js';

const NODE_W = 172;
const NODE_H = 40;
const ROW_GAP = 14;
const COL_GAP = 132;
const PAD = 8;
/** Room left of the first column for the "older inputs" mark. */
const LEFT = 24;
const NS = 'http://www.w3.org/2000/svg';

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: (Node | string | null)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** `text` cut to `n` characters with an ellipsis. */
function cut(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

function edgeLabel(labels: string[]): string {
  if (labels.length === 0) return '';
  const first = cut(labels[0]!, 20);
  return labels.length === 1 ? first : `${first} +${labels.length - 1}`;
}

/**
 * The lineage of `run` as an SVG graph in a scrollable box, or null when it has none.
 * @example const el = lineageView(answer); if (el) section.append(el);
 */
export function lineageView(run: RunAnswer): HTMLElement | null {
  const graph = lineageGraph(run);
  if (!graph) return null;
  const layers = [...new Set(graph.nodes.map((n) => n.layer))].sort((a, b) => a - b);
  const columns = layers.map((l) => graph.nodes.filter((n) => n.layer === l));
  const tallest = Math.max(...columns.map((c) => c.length));
  const height = tallest * NODE_H + (tallest - 1) * ROW_GAP + 2 * PAD + 18;
  const width = LEFT + layers.length * NODE_W + (layers.length - 1) * COL_GAP + PAD;
  const at = new Map<string, { x: number; y: number }>();
  columns.forEach((col, i) => {
    const colHeight = col.length * NODE_H + (col.length - 1) * ROW_GAP;
    const top = PAD + 18 + (height - PAD - 18 - PAD - colHeight) / 2;
    col.forEach((n, j) => at.set(n.key, { x: LEFT + i * (NODE_W + COL_GAP), y: top + j * (NODE_H + ROW_GAP) }));
  });

  const svg = s('svg', { class: 'lineage-graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': 'lineage graph' });
  svg.appendChild(s('defs', {}, s('marker', { id: 'lin-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'lin-arrowhead' }))));
  // Column titles say what each side is.
  layers.forEach((l, i) => {
    const title = l < -1 ? `inputs of those (${-l} back)` : l === -1 ? 'made its inputs' : l === 0 ? 'this run' : 'used its outputs';
    svg.appendChild(s('text', { x: LEFT + i * (NODE_W + COL_GAP) + NODE_W / 2, y: PAD + 10, class: 'lin-col-title', 'text-anchor': 'middle' }, title));
  });
  // Edges under the nodes; their labels over everything.
  const labels: SVGElement[] = [];
  const layerOf = new Map(graph.nodes.map((n) => [n.key, n.layer]));
  for (const e of graph.edges) {
    const a = at.get(e.from);
    const b = at.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const bend = (x2 - x1) / 2;
    const more = e.from.startsWith('more:') || e.to.startsWith('more:');
    svg.appendChild(s('path', { d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2 - 1},${y2}`, class: more ? 'lin-edge lin-edge-more' : 'lin-edge', 'marker-end': 'url(#lin-arrow)', 'data-from': e.from, 'data-to': e.to }));
    const text = edgeLabel(e.labels);
    if (text) {
      // Edges fan in to (or out of) the run, so their middles crowd together; each label sits
      // instead over the flat end of its curve at the node farther from the run, where the
      // nodes' spacing keeps labels apart.
      const outerIsSource = Math.abs(layerOf.get(e.from) ?? 0) >= Math.abs(layerOf.get(e.to) ?? 0);
      const lx = outerIsSource ? x1 + 6 : x2 - 10;
      const ly = (outerIsSource ? y1 : y2) - 5;
      labels.push(s('text', { x: lx, y: ly, class: 'lin-edge-label', 'text-anchor': outerIsSource ? 'start' : 'end' }, s('title', {}, e.labels.join('\n')), text));
    }
  }
  for (const n of graph.nodes) svg.appendChild(nodeEl(n, at.get(n.key)!, n.layer === 0));
  for (const l of labels) svg.appendChild(l);

  const box = document.createElement('div');
  box.className = 'lineage';
  box.appendChild(svg);
  return box;
}

function nodeEl(n: GraphNode, p: { x: number; y: number }, self: boolean): SVGElement {
  const rect = s('rect', { x: p.x, y: p.y, width: NODE_W, height: NODE_H, rx: 6, class: self ? 'lin-box lin-self' : n.more ? 'lin-box lin-more' : 'lin-box' });
  if (n.more) {
    return s('g', { class: 'lin-node', 'data-more': n.more }, rect,
      s('title', {}, `${n.more} more run${n.more === 1 ? '' : 's'}: ${(n.hidden ?? []).join(', ')}${(n.hidden?.length ?? 0) < n.more ? ', …' : ''}`),
      s('text', { x: p.x + NODE_W / 2, y: p.y + NODE_H / 2 + 4, 'text-anchor': 'middle', class: 'lin-name' }, `+${n.more} more`));
  }
  const id = n.id!;
  const name = s('text', { x: p.x + 10, y: p.y + 17, class: 'lin-name' }, cut(n.name ?? id.slice(0, 12), 22));
  const sub = s('text', { x: p.x + 10, y: p.y + 32, class: 'lin-id' }, id.slice(0, 12));
  const older = n.older ? s('text', { x: p.x - 16, y: p.y + NODE_H / 2 + 4, class: 'lin-older' }, s('title', {}, 'its inputs were made by earlier runs: open its page'), '⋯') : null;
  if (self) return s('g', { class: 'lin-node lin-node-self', 'data-run': id, 'aria-current': 'page' }, rect, name, sub);
  const link = s('a', { href: href('run', id), title: id, 'aria-label': `run ${n.name ? `${n.name} ` : ''}${id}`, class: 'lin-node', 'data-run': id }, s('title', {}, n.name ? `${n.name} (${id})` : id), rect, name, sub);
  return older ? s('g', {}, older, link) : link;
}
