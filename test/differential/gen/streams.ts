// Stream commands (t_stream.c) with explicit ids only (`*` ids are clock
// times, which differ between the servers): XADD ids mostly grow, so most adds
// succeed, with `<ms>-*`, too-small, 0-0 and junk ids mixed in; every trim
// form; consumer groups with reads, acks, claims. Times never compare:
// idle/seen/delivery times are zeroed, and IDLE / min-idle arguments are 0
// or a billion ms, so their filters give the same answer on both servers.

import type { Reply } from "../resp-client.ts";
import type { Family, Gen } from "./gen.ts";

/** The growing ms part of XADD ids, per generator (one per seed). */
const clocks = new WeakMap<Gen, number>();

function nextMs(g: Gen): number {
  const ms = (clocks.get(g) ?? 0) + g.int(0, 2);
  clocks.set(g, ms);
  return ms;
}

/** An id near the ids in use, or an edge. */
function id(g: Gen): string {
  const r = g.float();
  const top = clocks.get(g) ?? 0;
  if (r < 0.75) return `${g.int(0, top + 1)}-${g.int(0, 3)}`;
  if (r < 0.85) return String(g.int(0, top + 1));
  return g.pick(["0-0", "0", "18446744073709551615-18446744073709551615", "18446744073709551616", "abc", "1-abc", "-1", " 5", "+5", "5-", "1--1", ""]);
}

function addId(g: Gen): string {
  const r = g.float();
  if (r < 0.6) return `${nextMs(g)}-${g.int(0, 2)}`;
  if (r < 0.8) return `${nextMs(g)}-*`;
  if (r < 0.9) return id(g);
  return g.pick(["0-0", "0-*", "0", "*-1", "18446744073709551615-18446744073709551615", "18446744073709551615-*", "abc"]);
}

/** A range bound: specials, exclusive ids, or an id. */
function bound(g: Gen): string {
  const r = g.float();
  if (r < 0.3) return g.pick(["-", "+"]);
  if (r < 0.45) return `(${id(g)}`;
  if (r < 0.5) return g.pick(["(-", "(+", "(", "(0-0", "(18446744073709551615-18446744073709551615"]);
  return id(g);
}

const FIELDS = ["f", "g", "name", "n", "1", ""];

/** Short values: node splits at stream-node-max-bytes stay the same on both servers either way, but runs stay readable. */
function fieldValues(g: Gen): string[] {
  const out: string[] = [];
  for (let i = g.int(1, 3); i > 0; i--) out.push(g.chance(0.8) ? g.pick(FIELDS) : g.value().slice(0, 20), g.value().slice(0, 40));
  return out;
}

function count(g: Gen): string {
  return g.pick(["1", "2", "3", "10", "0", "-1", "abc", "9223372036854775807"]);
}

function trimArgs(g: Gen): string[] {
  const strategy = g.option(g.pick(["MAXLEN", "MINID"]));
  const exactness = g.pick([[], ["="], ["~"], ["~"]]);
  const threshold = strategy.toUpperCase() === "MINID" ? id(g) : g.pick(["0", "1", "2", "5", "10", "-1", "abc", "150"]);
  const limit = g.chance(0.2) ? [g.option("LIMIT"), g.pick(["0", "1", "100", "-1", "abc"])] : [];
  return [strategy, ...exactness, threshold, ...limit];
}

const GROUPS = ["g1", "g2", "g3"];
const CONSUMERS = ["alice", "bob", "carol"];
const IDLE = ["0", "1000000000", "-5", "abc"];

/** XINFO/XPENDING fields whose values are times: zeroed on both sides. */
const TIME_FIELDS = new Set(["idle", "seen-time", "radix-tree-nodes"]);

const ZERO: Reply = { t: "int", v: 0n };

function isLabel(r: Reply, labels: Set<string>): boolean {
  return (r.t === "bulk" || r.t === "simple") && labels.has(r.v);
}

/**
 * Zeroes times in XINFO replies (RESP2 flat field/value arrays or RESP3 maps),
 * and the delivery times inside XINFO STREAM FULL's pending lists.
 */
function zeroTimes(r: Reply): Reply {
  if (r.t === "map") {
    return { t: "map", v: r.v.map(([k, v]) => [k, isLabel(k, TIME_FIELDS) ? ZERO : isLabel(k, PENDING) ? zeroDeliveries(v) : zeroTimes(v)]) };
  }
  if (r.t !== "array") return r;
  const v = r.v.map(zeroTimes);
  for (let i = 0; i + 1 < v.length; i++) {
    if (isLabel(v[i], TIME_FIELDS)) v[i + 1] = ZERO;
    else if (isLabel(v[i], PENDING)) v[i + 1] = zeroDeliveries(r.v[i + 1]);
  }
  return { t: "array", v };
}

const PENDING = new Set(["pending"]);

/** Pending lists of XINFO FULL: [id, consumer, time, count] or [id, time, count]. */
function zeroDeliveries(r: Reply): Reply {
  if (r.t !== "array") return r;
  return {
    t: "array",
    v: r.v.map((row) => {
      if (row.t !== "array" || row.v.length < 3) return row;
      const copy = [...row.v];
      copy[copy.length - 2] = ZERO;
      return { t: "array", v: copy };
    }),
  };
}

/** XPENDING's extended rows [id, consumer, idle, count]: idle zeroed. */
function zeroIdle(r: Reply): Reply {
  if (r.t !== "array") return r;
  return {
    t: "array",
    v: r.v.map((row) => (row.t === "array" && row.v.length === 4 && row.v[2].t === "int" ? { t: "array", v: [row.v[0], row.v[1], ZERO, row.v[3]] } : row)),
  };
}

function readOptions(g: Gen): string[] {
  return g.options([() => [g.option("COUNT"), count(g)], () => [g.option("BLOCK"), g.pick(["1", "-1", "abc"])]], 2);
}

export const streamsFamily: Family = {
  name: "streams",
  commands: {
    xadd: {
      weight: 12,
      gen: (g) => {
        const opts = g.options([() => [g.option("NOMKSTREAM")], () => trimArgs(g)], 2);
        return g.arity(["XADD", g.key(), ...opts, addId(g), ...fieldValues(g)]);
      },
    },
    xrange: { weight: 3, gen: (g) => g.arity(["XRANGE", g.key(), bound(g), bound(g), ...(g.chance(0.5) ? [g.option("COUNT"), count(g)] : [])]) },
    xrevrange: { weight: 2, gen: (g) => g.arity(["XREVRANGE", g.key(), bound(g), bound(g), ...(g.chance(0.5) ? [g.option("COUNT"), count(g)] : [])]) },
    xlen: { gen: (g) => g.arity(["XLEN", g.key()]) },
    xdel: { weight: 2, gen: (g) => g.arity(["XDEL", g.key(), id(g), ...(g.chance(0.4) ? [id(g), id(g)] : [])]) },
    xtrim: { weight: 2, gen: (g) => g.arity(["XTRIM", g.key(), ...trimArgs(g)]) },
    xsetid: {
      gen: (g) => {
        const opts = g.options([() => [g.option("ENTRIESADDED"), g.pick(["0", "5", "100", "-1", "abc"])], () => [g.option("MAXDELETEDID"), id(g)]], 2);
        return g.arity(["XSETID", g.key(), id(g), ...opts]);
      },
    },
    xread: {
      weight: 3,
      gen: (g) => {
        const keys = g.keyList(2);
        const ids = keys.map(() => (g.chance(0.3) ? "$" : g.chance(0.1) ? ">" : id(g)));
        return g.arity(["XREAD", ...readOptions(g), g.option("STREAMS"), ...keys, ...ids]);
      },
    },
    "xgroup|create": {
      weight: 3,
      gen: (g) => {
        const opts = g.options([() => [g.option("MKSTREAM")], () => [g.option("ENTRIESREAD"), g.pick(["0", "3", "-1", "-2", "abc"])]], 2);
        return g.arity(["XGROUP", "CREATE", g.key(), g.pick(GROUPS), g.chance(0.4) ? "$" : id(g), ...opts]);
      },
    },
    "xgroup|setid": {
      gen: (g) => {
        const opts = g.chance(0.3) ? [g.option("ENTRIESREAD"), g.pick(["0", "3", "-1", "-2", "abc"])] : [];
        return g.arity(["XGROUP", "SETID", g.key(), g.pick(GROUPS), g.chance(0.3) ? "$" : bound(g), ...opts]);
      },
    },
    "xgroup|destroy": { weight: 0.5, gen: (g) => g.arity(["XGROUP", "DESTROY", g.key(), g.pick(GROUPS)]) },
    "xgroup|createconsumer": { gen: (g) => g.arity(["XGROUP", "CREATECONSUMER", g.key(), g.pick(GROUPS), g.pick(CONSUMERS)]) },
    "xgroup|delconsumer": { weight: 0.5, gen: (g) => g.arity(["XGROUP", "DELCONSUMER", g.key(), g.pick(GROUPS), g.pick(CONSUMERS)]) },
    xreadgroup: {
      weight: 5,
      gen: (g) => {
        const keys = g.keyList(2);
        const ids = keys.map(() => (g.chance(0.6) ? ">" : g.chance(0.1) ? "$" : id(g)));
        const opts = [...readOptions(g), ...(g.chance(0.2) ? [g.option("NOACK")] : [])];
        return g.arity(["XREADGROUP", g.option("GROUP"), g.pick(GROUPS), g.pick(CONSUMERS), ...opts, g.option("STREAMS"), ...keys, ...ids]);
      },
    },
    xack: { weight: 2, gen: (g) => g.arity(["XACK", g.key(), g.pick(GROUPS), id(g), ...(g.chance(0.4) ? [id(g)] : [])]) },
    xpending: {
      weight: 3,
      gen: (g) => {
        if (g.chance(0.4)) return g.arity(["XPENDING", g.key(), g.pick(GROUPS)]);
        const idle = g.chance(0.3) ? [g.option("IDLE"), g.pick(IDLE)] : [];
        const consumer = g.chance(0.4) ? [g.pick(CONSUMERS)] : [];
        return g.arity(["XPENDING", g.key(), g.pick(GROUPS), ...idle, bound(g), bound(g), count(g), ...consumer]);
      },
      normalize: zeroIdle,
    },
    xclaim: {
      weight: 2,
      gen: (g) => {
        const ids = [id(g), ...(g.chance(0.4) ? [id(g)] : [])];
        const opts = g.options(
          [
            () => [g.option("FORCE")],
            () => [g.option("JUSTID")],
            () => [g.option("IDLE"), g.pick(["0", "1000", "abc"])],
            () => [g.option("TIME"), g.pick(["0", "abc"])],
            () => [g.option("RETRYCOUNT"), g.pick(["0", "5", "abc"])],
            () => [g.option("LASTID"), id(g)],
          ],
          3,
        );
        return g.arity(["XCLAIM", g.key(), g.pick(GROUPS), g.pick(CONSUMERS), g.pick(IDLE), ...ids, ...opts]);
      },
    },
    xautoclaim: {
      weight: 2,
      gen: (g) => {
        const opts = g.options([() => [g.option("COUNT"), g.pick(["1", "2", "100", "0", "abc"])], () => [g.option("JUSTID")]], 2);
        return g.arity(["XAUTOCLAIM", g.key(), g.pick(GROUPS), g.pick(CONSUMERS), g.pick(IDLE), bound(g), ...opts]);
      },
    },
    "xinfo|stream": {
      weight: 2,
      gen: (g) => g.arity(["XINFO", "STREAM", g.key(), ...(g.chance(0.4) ? [g.option("FULL"), ...(g.chance(0.5) ? [g.option("COUNT"), count(g)] : [])] : [])]),
      normalize: zeroTimes,
    },
    "xinfo|groups": { gen: (g) => g.arity(["XINFO", "GROUPS", g.key()]), normalize: zeroTimes },
    "xinfo|consumers": { gen: (g) => g.arity(["XINFO", "CONSUMERS", g.key(), g.pick(GROUPS)]), normalize: zeroTimes },
  },
};
