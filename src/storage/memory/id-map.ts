// An ordered map from stream ids (bigint) to values: a sorted array of nodes,
// each a sorted run of ids. Seeks are two binary searches (O(log n)), appends
// at the end are O(1), and removals splice within one node. Streams use it
// for entries (a node then mirrors one of Redis's listpack nodes, so `~`
// trimming removes the same whole nodes), groups for their PELs.

import type { StreamId } from "../stream-ops.ts";

export class IdNode<V> {
  readonly ids: StreamId[] = [];
  readonly values: V[] = [];
  /** Entries removed from this node (Redis keeps them as tombstones in the node). */
  deleted = 0;
  /** Encoded size of the entries, kept by the owner (streams close a node at a byte budget). */
  bytes = 0;
  /** Owner-defined, immutable node data (streams: the node's master entry). */
  tag: unknown = null;
}

/** Node size of set(): callers that need their own node layout use append(). */
const DEFAULT_NODE_SIZE = 128;

export class IdMap<V> {
  nodes: IdNode<V>[] = [];
  size = 0;

  /** Index of the last node whose first id is <= id (0 when none). */
  private nodeIndex(id: StreamId): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (nodes[mid].ids[0] <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  get(id: StreamId): V | undefined {
    if (this.size === 0) return undefined;
    const node = this.nodes[this.nodeIndex(id)];
    const i = lowerBound(node.ids, id);
    return i < node.ids.length && node.ids[i] === id ? node.values[i] : undefined;
  }

  first(): StreamId | undefined {
    return this.size === 0 ? undefined : this.nodes[0].ids[0];
  }

  last(): StreamId | undefined {
    if (this.size === 0) return undefined;
    const ids = this.nodes[this.nodes.length - 1].ids;
    return ids[ids.length - 1];
  }

  /** The node appended ids go to, if any. */
  lastNode(): IdNode<V> | undefined {
    return this.nodes[this.nodes.length - 1];
  }

  /** Appends an id greater than every id held, to the last node or (newNode) a new one. */
  append(id: StreamId, value: V, newNode: boolean): IdNode<V> {
    let node = this.lastNode();
    if (node === undefined || newNode) this.nodes.push((node = new IdNode<V>()));
    node.ids.push(id);
    node.values.push(value);
    this.size++;
    return node;
  }

  /** Inserts or replaces. */
  set(id: StreamId, value: V): void {
    const nodes = this.nodes;
    const tail = this.lastNode();
    if (tail === undefined || id > tail.ids[tail.ids.length - 1]) {
      this.append(id, value, tail === undefined || tail.ids.length >= DEFAULT_NODE_SIZE);
      return;
    }
    const ni = this.nodeIndex(id);
    const node = nodes[ni];
    const i = lowerBound(node.ids, id);
    if (i < node.ids.length && node.ids[i] === id) {
      node.values[i] = value;
      return;
    }
    node.ids.splice(i, 0, id);
    node.values.splice(i, 0, value);
    this.size++;
    if (node.ids.length >= 2 * DEFAULT_NODE_SIZE) this.split(ni);
  }

  private split(ni: number): void {
    const node = this.nodes[ni];
    const half = node.ids.length >> 1;
    const right = new IdNode<V>();
    right.ids.push(...node.ids.splice(half));
    right.values.push(...node.values.splice(half));
    this.nodes.splice(ni + 1, 0, right);
  }

  /** Removes id; returns its value. A node left without entries is dropped. */
  delete(id: StreamId): V | undefined {
    if (this.size === 0) return undefined;
    const ni = this.nodeIndex(id);
    const node = this.nodes[ni];
    const i = lowerBound(node.ids, id);
    if (i >= node.ids.length || node.ids[i] !== id) return undefined;
    const value = node.values[i];
    node.ids.splice(i, 1);
    node.values.splice(i, 1);
    node.deleted++;
    this.size--;
    if (node.ids.length === 0) this.nodes.splice(ni, 1);
    return value;
  }

  /** A copy with the same node layout; values copied by copyValue. */
  clone(copyValue: (v: V) => V): IdMap<V> {
    const copy = new IdMap<V>();
    copy.size = this.size;
    copy.nodes = this.nodes.map((n) => {
      const c = new IdNode<V>();
      c.ids.push(...n.ids);
      for (const v of n.values) c.values.push(copyValue(v));
      c.deleted = n.deleted;
      c.bytes = n.bytes;
      c.tag = n.tag;
      return c;
    });
    return copy;
  }

  /** Drops the first node whole; returns how many entries it held. */
  dropFirstNode(): number {
    const node = this.nodes.shift();
    if (node === undefined) return 0;
    this.size -= node.ids.length;
    return node.ids.length;
  }

  /**
   * Visits entries with start <= id <= end, ascending or (reverse)
   * descending, while visit returns true.
   */
  forRange(start: StreamId, end: StreamId, reverse: boolean, visit: (id: StreamId, value: V) => boolean): void {
    if (this.size === 0 || start > end) return;
    const nodes = this.nodes;
    if (!reverse) {
      let ni = this.nodeIndex(start);
      let i = lowerBound(nodes[ni].ids, start);
      for (; ni < nodes.length; ni++, i = 0) {
        const { ids, values } = nodes[ni];
        for (; i < ids.length; i++) {
          if (ids[i] > end || !visit(ids[i], values[i])) return;
        }
      }
      return;
    }
    let ni = this.nodeIndex(end);
    let i = upperBound(nodes[ni].ids, end) - 1;
    for (; ni >= 0; ni--, i = ni >= 0 ? nodes[ni].ids.length - 1 : 0) {
      const { ids, values } = nodes[ni];
      for (; i >= 0; i--) {
        if (ids[i] < start || !visit(ids[i], values[i])) return;
      }
    }
  }
}

/** First index whose id is >= id. */
function lowerBound(ids: readonly StreamId[], id: StreamId): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose id is > id. */
function upperBound(ids: readonly StreamId[], id: StreamId): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
