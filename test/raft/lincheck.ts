// Linearizability checker for KV histories: Wing & Gong's search with
// Lowe's memoization of (linearized-set, state), as in Porcupine, applied
// per key (P-compositionality: a history is linearizable iff every per-key
// sub-history is, because keys are independent objects).

export type OpKind = "get" | "put" | "cas";

export interface Op {
  client: number;
  key: string;
  kind: OpKind;
  value?: string; // put/cas new value
  expect?: string | null; // cas
  // Output; undefined => indeterminate (crashed / timed out)
  out?: { ok: boolean; value: string | null };
  call: number;
  ret: number; // Infinity if indeterminate
}

type State = string | null;

// Returns [legal, newState] for applying op to state with its output.
function step(s: State, op: Op): [boolean, State] {
  const out = op.out;
  switch (op.kind) {
    case "get":
      if (!out) return [true, s];
      return [out.value === s, s];
    case "put":
      return [true, op.value!];
    case "cas": {
      const succeed = s === op.expect;
      if (!out) return [true, succeed ? op.value! : s];
      if (out.ok) return [succeed, op.value!];
      return [!succeed, s];
    }
  }
}

interface Node {
  op: number; // index into ops
  isCall: boolean;
  time: number;
  match: Node | null; // call -> its return
  prev: Node | null;
  next: Node | null;
}

export type CheckResult = "ok" | "illegal" | "unknown";

export function checkKey(ops: Op[], maxSteps = 5_000_000): CheckResult {
  // Indeterminate reads have no effect and constrain nothing: drop them.
  ops = ops.filter((o) => !(o.kind === "get" && !o.out));
  const n = ops.length;
  if (n === 0) return "ok";
  const events: Node[] = [];
  for (let i = 0; i < n; i++) {
    const c: Node = { op: i, isCall: true, time: ops[i]!.call, match: null, prev: null, next: null };
    const r: Node = { op: i, isCall: false, time: ops[i]!.ret, match: null, prev: null, next: null };
    c.match = r;
    events.push(c, r);
  }
  // Calls before returns at equal times: ops touching at an instant are
  // treated as concurrent (the lenient choice for a discrete clock).
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Node = { op: -1, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }

  const lift = (c: Node) => {
    c.prev!.next = c.next;
    c.next!.prev = c.prev;
    const r = c.match!;
    r.prev!.next = r.next;
    if (r.next) r.next.prev = r.prev;
  };
  const unlift = (c: Node) => {
    const r = c.match!;
    r.prev!.next = r;
    if (r.next) r.next.prev = r;
    c.prev!.next = c;
    c.next!.prev = c;
  };

  const words = Math.ceil(n / 32);
  const linearized = new Uint32Array(words);
  const cache = new Map<string, Set<string>>();
  const key = () => Array.prototype.join.call(linearized, ",");
  const stateKey = (s: State) => (s === null ? "\u0000null" : "s" + s);
  const calls: { node: Node; state: State }[] = [];
  let state: State = null;
  let entry: Node | null = head.next;
  let steps = 0;
  while (head.next !== null) {
    if (++steps > maxSteps) return "unknown";
    if (entry === null) return "illegal";
    if (entry.isCall) {
      const [ok, ns] = step(state, ops[entry.op]!);
      if (ok) {
        const id = entry.op;
        linearized[id >>> 5]! |= 1 << (id & 31);
        const k = key();
        let set = cache.get(k);
        if (!set) cache.set(k, (set = new Set()));
        const sk = stateKey(ns);
        if (!set.has(sk)) {
          set.add(sk);
          calls.push({ node: entry, state });
          state = ns;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[id >>> 5]! &= ~(1 << (id & 31));
      }
      entry = entry.next;
    } else {
      // A return whose call was not linearized yet: backtrack.
      const top = calls.pop();
      if (!top) return "illegal";
      const id = top.node.op;
      linearized[id >>> 5]! &= ~(1 << (id & 31));
      state = top.state;
      unlift(top.node);
      entry = top.node.next;
    }
  }
  return "ok";
}

export function checkHistory(ops: Op[]): { result: CheckResult; badKey?: string } {
  const byKey = new Map<string, Op[]>();
  for (const o of ops) {
    let l = byKey.get(o.key);
    if (!l) byKey.set(o.key, (l = []));
    l.push(o);
  }
  let unknown = false;
  for (const [k, l] of byKey) {
    const r = checkKey(l);
    if (r === "illegal") return { result: "illegal", badKey: k };
    if (r === "unknown") unknown = true;
  }
  return { result: unknown ? "unknown" : "ok" };
}
