// Crash workload for the lsm engine (crash.test.ts, bench/lsm-crash.ts): a
// writer pipelines steps - SET, INCR, HSET, SADD, LPUSH, ZADD, DEL and
// MULTI/EXEC blocks of them - to a real server started with
// `--appendfsync always` and records which steps were acknowledged; the
// server is SIGKILLed at a random moment and restarted on the same
// directory. One connection executes steps in order, so the recovered
// keyspace must equal the model after exactly the first P steps of the round
// for some P >= the acknowledged count: every acknowledged write is there,
// nothing beyond a prefix of what was sent, and a MULTI block (one step) is
// all or nothing.
//
// To add a command: an Op below (the command it sends, and its effect on the
// model). Ops the server rejects (a type not supported yet) are left out.

import Redis from "ioredis";
import { mulberry32 } from "../../../src/util/prng.ts";
import { startAikv, type RunningServer } from "../../helpers/server.ts";

type Value =
  | { type: "string"; v: string }
  | { type: "hash"; v: Map<string, string> }
  | { type: "set"; v: Set<string> }
  | { type: "list"; v: string[] }
  | { type: "zset"; v: Map<string, number> };
type Model = Map<string, Value>;
type Command = string[];
/** One acknowledged-or-not unit: a command, or a MULTI/EXEC block. */
type Step = Command[];

interface Op {
  make(rand: () => number, i: number): Command;
  apply(model: Model, cmd: Command): void;
}

const KEYS_PER_TYPE = 6;

function collection<T extends Value>(model: Model, key: string, type: T["type"], empty: () => T["v"]): T["v"] {
  let value = model.get(key);
  if (value === undefined) model.set(key, (value = { type, v: empty() } as T));
  return value.v;
}

const OPS: Record<string, Op> = {
  set: {
    make: (rand, i) => ["set", `s:${Math.floor(rand() * KEYS_PER_TYPE)}`, `v${i}`],
    apply: (m, [, key, v]) => m.set(key, { type: "string", v }),
  },
  incr: {
    make: (rand) => ["incr", `c:${Math.floor(rand() * KEYS_PER_TYPE)}`],
    apply: (m, [, key]) => m.set(key, { type: "string", v: String(Number((m.get(key)?.v as string | undefined) ?? 0) + 1) }),
  },
  hset: {
    make: (rand, i) => ["hset", `h:${Math.floor(rand() * KEYS_PER_TYPE)}`, `f${i % 40}`, `v${i}`],
    apply: (m, [, key, f, v]) => collection<Extract<Value, { type: "hash" }>>(m, key, "hash", () => new Map()).set(f, v),
  },
  sadd: {
    make: (rand, i) => ["sadd", `S:${Math.floor(rand() * KEYS_PER_TYPE)}`, `m${i % 60}`],
    apply: (m, [, key, member]) => collection<Extract<Value, { type: "set" }>>(m, key, "set", () => new Set()).add(member),
  },
  lpush: {
    make: (rand, i) => ["lpush", `l:${Math.floor(rand() * KEYS_PER_TYPE)}`, `e${i}`],
    apply: (m, [, key, e]) => collection<Extract<Value, { type: "list" }>>(m, key, "list", () => []).unshift(e),
  },
  zadd: {
    make: (rand, i) => ["zadd", `z:${Math.floor(rand() * KEYS_PER_TYPE)}`, String(i % 97), `m${i % 50}`],
    apply: (m, [, key, score, member]) => collection<Extract<Value, { type: "zset" }>>(m, key, "zset", () => new Map()).set(member, Number(score)),
  },
  // Collections deleted and written again: stale sub-keys must never come back.
  del: {
    make: (rand) => ["del", `${"hSlz"[Math.floor(rand() * 4)]}:${Math.floor(rand() * KEYS_PER_TYPE)}`],
    apply: (m, [, key]) => m.delete(key),
  },
};

/** The ops whose commands the server runs (others are not supported by its engine yet). */
export async function supportedOps(r: Redis): Promise<string[]> {
  const names: string[] = [];
  for (const [name, op] of Object.entries(OPS)) {
    const cmd = op.make(() => 0, 0);
    cmd[1] = `probe:${name}`;
    try {
      await r.call(cmd[0], ...cmd.slice(1));
      names.push(name);
    } catch {}
    await r.del(cmd[1]);
  }
  return names;
}

/** A canonical rendering of one value, equal for equal contents. */
function render(value: Value): string {
  switch (value.type) {
    case "string":
      return `string:${value.v}`;
    case "list":
      return `list:${JSON.stringify(value.v)}`;
    case "set":
      return `set:${JSON.stringify([...value.v].sort())}`;
    case "hash":
      return `hash:${JSON.stringify([...value.v].sort())}`;
    case "zset":
      return `zset:${JSON.stringify([...value.v].sort())}`;
  }
}

function renderModel(model: Model): Map<string, string> {
  return new Map([...model].map(([k, v]) => [k, render(v)]));
}

/** The server's keyspace (db 0) rendered like the model. */
async function readKeyspace(r: Redis): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of (await r.keys("*")).sort()) {
    const type = await r.type(key);
    let value: Value;
    if (type === "string") value = { type, v: (await r.get(key))! };
    else if (type === "hash") value = { type, v: new Map(Object.entries(await r.hgetall(key))) };
    else if (type === "set") value = { type, v: new Set(await r.smembers(key)) };
    else if (type === "list") value = { type, v: await r.lrange(key, 0, -1) };
    else if (type === "zset") {
      const flat = await r.zrange(key, 0, -1, "WITHSCORES");
      const members = new Map<string, number>();
      for (let i = 0; i < flat.length; i += 2) members.set(flat[i], Number(flat[i + 1]));
      value = { type, v: members };
    } else throw new Error(`unexpected type ${type} of ${key}`);
    out.set(key, render(value));
  }
  return out;
}

function sameKeyspace(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function firstDifference(expected: Map<string, string>, actual: Map<string, string>): string {
  for (const k of new Set([...expected.keys(), ...actual.keys()])) {
    if (expected.get(k) !== actual.get(k)) return `${k}: expected ${expected.get(k) ?? "(absent)"}, found ${actual.get(k) ?? "(absent)"}`;
  }
  return "none";
}

function cloneModel(model: Model): Model {
  const copy: Model = new Map();
  for (const [k, value] of model) {
    const v: unknown = value.v;
    copy.set(k, { type: value.type, v: v instanceof Map ? new Map(v) : v instanceof Set ? new Set(v) : Array.isArray(v) ? [...v] : v } as Value);
  }
  return copy;
}

function send(r: Redis, step: Step): Promise<unknown> {
  if (step.length === 1) return r.call(step[0][0], ...step[0].slice(1));
  return r
    .multi(step)
    .exec()
    .then((results) => {
      if (results === null) throw new Error("EXEC aborted");
    });
}

export interface CrashOptions {
  kills: number;
  seed: number;
  /** Steps in flight at once (pipelining). */
  window?: number;
  /** The server is killed between this many ms after the writer starts... */
  minDelayMs?: number;
  /** ...and this many. */
  maxDelayMs?: number;
  dir: string;
  log?: (line: string) => void;
}

export interface CrashResult {
  kills: number;
  steps: number;
  acknowledged: number;
  /** Steps executed but not acknowledged when the server died, and found recovered. */
  recoveredUnacknowledged: number;
  ops: string[];
}

const SERVER_ARGS = ["--engine", "lsm", "--appendfsync", "always"];

async function connect(srv: RunningServer): Promise<Redis> {
  // No offline queue and no reconnection: once the server dies, commands fail at once.
  const r = srv.client({ lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  await r.connect();
  return r;
}

/** Runs `kills` rounds of write, SIGKILL, restart, verify; throws on the first violation. */
export async function runCrashRounds(o: CrashOptions): Promise<CrashResult> {
  const rand = mulberry32(o.seed);
  const window = o.window ?? 8;
  const [minDelay, maxDelay] = [o.minDelayMs ?? 20, o.maxDelayMs ?? 250];
  let srv = await startAikv(SERVER_ARGS, { dir: o.dir });
  const probe = await connect(srv);
  await probe.flushall();
  const opNames = await supportedOps(probe);
  const ops = opNames.map((n) => OPS[n]);
  const result: CrashResult = { kills: 0, steps: 0, acknowledged: 0, recoveredUnacknowledged: 0, ops: opNames };
  let durable: Model = new Map();
  let stepIndex = 0;
  const makeStep = (): Step => {
    const n = rand() < 0.2 ? 2 + Math.floor(rand() * 3) : 1;
    return Array.from({ length: n }, () => ops[Math.floor(rand() * ops.length)].make(rand, stepIndex++));
  };
  try {
    for (let round = 0; round < o.kills; round++) {
      const r = await connect(srv);
      const steps: Step[] = [];
      const acked: boolean[] = [];
      let dead = false;
      // The clock starts at the first acknowledgement, so that every round has some
      // (a loaded machine may take longer than the delay to answer the first step).
      const killAt = minDelay + rand() * (maxDelay - minDelay);
      const victim = srv;
      const kill = () => victim.proc.kill("SIGKILL");
      let killer = setTimeout(kill, 30_000);
      let armed = false;
      const inflight = new Set<Promise<void>>();
      while (!dead) {
        while (inflight.size < window && !dead) {
          const j = steps.length;
          steps.push(makeStep());
          acked.push(false);
          const p: Promise<void> = send(r, steps[j]).then(
            () => {
              if (!armed) {
                armed = true;
                clearTimeout(killer);
                killer = setTimeout(kill, killAt);
              }
              acked[j] = true;
            },
            () => {
              dead = true;
            },
          );
          inflight.add(p);
          void p.finally(() => inflight.delete(p));
        }
        await Promise.race(inflight);
      }
      await Promise.allSettled([...inflight]);
      clearTimeout(killer);
      await victim.proc.exited;
      await victim.stop();
      const ackedCount = acked.filter(Boolean).length;
      if (acked.slice(0, ackedCount).includes(false)) throw new Error(`round ${round}: replies out of order`);

      srv = await startAikv(SERVER_ARGS, { dir: o.dir });
      const reader = await connect(srv);
      const found = await readKeyspace(reader);
      // DBSIZE comes from the stored counts (key-counts.ts), not from a scan: it must match.
      const dbsize = await reader.dbsize();
      if (dbsize !== found.size) throw new Error(`round ${round}: DBSIZE ${dbsize} after recovery, but ${found.size} keys`);
      // The recovered state must be the model after a prefix of at least the acknowledged steps.
      let model = cloneModel(durable);
      for (let j = 0; j < ackedCount; j++) for (const cmd of steps[j]) OPS[cmd[0]].apply(model, cmd);
      let p = ackedCount;
      while (!sameKeyspace(renderModel(model), found)) {
        if (p === steps.length) {
          const expected = renderModel(durable);
          for (let j = 0; j < ackedCount; j++) for (const cmd of steps[j]) OPS[cmd[0]].apply(durable, cmd);
          throw new Error(
            `round ${round}: the recovered keyspace is no prefix of the ${steps.length} steps sent (${ackedCount} acknowledged); ` +
              `vs. the acknowledged prefix: ${firstDifference(renderModel(durable), found)}; before the round: ${expected.size} keys`,
          );
        }
        for (const cmd of steps[p]) OPS[cmd[0]].apply(model, cmd);
        p++;
      }
      durable = model;
      result.kills++;
      result.steps += steps.length;
      result.acknowledged += ackedCount;
      result.recoveredUnacknowledged += p - ackedCount;
      o.log?.(`round ${round}: killed ${Math.round(killAt)} ms after the first acknowledgement, ${steps.length} steps sent, ${ackedCount} acknowledged, ${p} recovered`);
    }
  } finally {
    await srv.stop();
  }
  return result;
}
