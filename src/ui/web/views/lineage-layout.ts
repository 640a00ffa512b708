/**
 * The run page's lineage as a small layered graph, before any drawing: the runs that made its
 * inputs (and, one generation further, theirs) on the left, the run in the middle, the runs
 * that used its outputs on the right. Pure (no DOM), so its bounds are tested without a browser.
 */
import { UI_LINEAGE_GENERATIONS, UI_LINEAGE_HIDDEN_NAMED, UI_LINEAGE_LAYER_NODES } from '../../../limits.js';
import type { LineageNode, RunAnswer } from '../api-types.js';

/** A run in the graph, or (with `more`) the count of runs a crowded layer leaves out. */
export interface GraphNode {
  key: string;
  id: string | null;
  name: string | null;
  /** 0 the run, < 0 producers (generations back), 1 the runs that used its outputs. */
  layer: number;
  /** Runs of this layer not drawn (a "+N more" node). */
  more?: number;
  /** The first of those, by name (or short id), for the node's tooltip. */
  hidden?: string[];
  /** This run's own inputs were made by runs the graph does not reach (older generations). */
  older?: boolean;
}

/** Data flowing from one run to another, labelled with what flowed (paths, de-duplicated). */
export interface GraphEdge {
  from: string;
  to: string;
  labels: string[];
}

export interface LineageGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/**
 * The graph of `run`'s lineage, every layer at most UI_LINEAGE_LAYER_NODES nodes (the rest one
 * "+N more" node), UI_LINEAGE_GENERATIONS generations of producers. Null when the run has no
 * producers and no consumers.
 *
 * @example
 * const g = lineageGraph(answer); // { nodes: [{ key: 'a1…', layer: -1, … }, …], edges: [{ from, to, labels: ['model.pkl'] }] }
 */
export function lineageGraph(run: RunAnswer): LineageGraph | null {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const rootId = run.run.id;
  nodes.set(rootId, { key: rootId, id: rootId, name: (run.run['name'] as string | undefined) ?? null, layer: 0 });
  const addEdge = (from: string, to: string, label: string) => {
    const k = `${from}\n${to}`;
    const e = edges.get(k) ?? edges.set(k, { from, to, labels: [] }).get(k)!;
    if (label && !e.labels.includes(label)) e.labels.push(label);
  };
  const addNode = (id: string, name: string | null | undefined, layer: number) => {
    // A run reached twice (a shared ancestor) stays in the layer nearest the run.
    if (!nodes.has(id)) nodes.set(id, { key: id, id, name: name ?? null, layer });
  };

  if (run.lineage) {
    // Breadth first, so a run is placed at its nearest generation.
    let generation: LineageNode[] = [run.lineage];
    for (let g = 1; g <= UI_LINEAGE_GENERATIONS && generation.length > 0; g++) {
      const next: LineageNode[] = [];
      for (const consumer of generation) {
        for (const input of consumer.inputs) {
          for (const p of input.producers) {
            const fresh = !nodes.has(p.node.id);
            addNode(p.node.id, p.node.name, -g);
            addEdge(p.node.id, consumer.id, input.path ?? p.artifact);
            if (fresh) next.push(p.node);
          }
        }
      }
      generation = next;
    }
    // The last generation drawn: mark the runs whose inputs were made by runs further back.
    for (const n of generation) {
      if (n.truncated || n.inputs.some((i) => i.producers.length > 0)) nodes.get(n.id)!.older = true;
    }
  } else {
    // A run without a lineage answer (a running run): the producers its data inputs name.
    for (const d of run.data) {
      for (const p of d.producedBy ?? []) {
        addNode(p.id, p.name, -1);
        addEdge(p.id, rootId, d.path ?? d.label ?? '');
      }
    }
  }
  for (const u of run.usedBy) {
    if (nodes.has(u.id) && nodes.get(u.id)!.layer < 0) continue; // cannot be both sides; the index says earlier runs only
    addNode(u.id, u.name, 1);
    addEdge(rootId, u.id, u.path ?? '');
  }
  if (nodes.size === 1) return null;
  return bound({ nodes: [...nodes.values()], edges: [...edges.values()] });
}

/** Each layer cut to UI_LINEAGE_LAYER_NODES: the rest become one "+N more" node with one edge. */
function bound(g: LineageGraph): LineageGraph {
  const layers = new Map<number, GraphNode[]>();
  for (const n of g.nodes) (layers.get(n.layer) ?? layers.set(n.layer, []).get(n.layer)!).push(n);
  const dropped = new Set<string>();
  const nodes: GraphNode[] = [];
  const extra: GraphEdge[] = [];
  for (const [layer, list] of [...layers].sort((a, b) => a[0] - b[0])) {
    if (list.length <= UI_LINEAGE_LAYER_NODES) {
      nodes.push(...list);
      continue;
    }
    const kept = list.slice(0, UI_LINEAGE_LAYER_NODES - 1);
    const rest = list.slice(UI_LINEAGE_LAYER_NODES - 1);
    for (const n of rest) dropped.add(n.key);
    const more: GraphNode = { key: `more:${layer}`, id: null, name: null, layer, more: rest.length, hidden: rest.slice(0, UI_LINEAGE_HIDDEN_NAMED).map((n) => n.name ?? n.id!.slice(0, 8)) };
    nodes.push(...kept, more);
    // The "+N more" node hangs off its neighbour toward the run (the run itself for layers ±1).
    const toward = layer < 0 ? layer + 1 : layer - 1;
    const anchor = toward === 0 ? g.nodes.find((n) => n.layer === 0)!.key : nodes.find((n) => n.layer === toward)?.key;
    if (anchor) extra.push(layer < 0 ? { from: more.key, to: anchor, labels: [] } : { from: anchor, to: more.key, labels: [] });
  }
  const edges = g.edges.filter((e) => !dropped.has(e.from) && !dropped.has(e.to)).concat(extra);
  return { nodes, edges };
}
