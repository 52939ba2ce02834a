// Table-driven command tests: each case is a command and the reply a real
// redis-server 7.0.15 gave to it in the same sequence (recorded once, checked
// in), so the suites pin Redis's behaviour even where no redis-server is
// installed. Plus a seeded random differential run against a live
// redis-server when one is.

import { expect } from "bun:test";
import { rawConn, renderReply, type Arg, type RawConn, type Rendered } from "./raw-conn.ts";

export type Case = [Arg[], Rendered];

/**
 * Other modules' commands the tables use for setup and checks; while AiKv
 * doesn't implement one yet its cases are skipped instead of failing.
 */
const FOREIGN = new Set(["ttl", "pttl", "exists", "sadd", "type", "object", "copy"]);

/** Runs a table in database `db` (a fresh one per table) and checks every reply. */
export async function runCases(conn: RawConn, db: number, table: Case[]): Promise<void> {
  expect(await conn.call("select", db)).toBe("+OK\r\n");
  for (const [args, want] of table) {
    const raw = await conn.call(...args);
    if (raw.startsWith("-ERR unknown command") && FOREIGN.has(String(args[0]).toLowerCase())) continue;
    expect({ command: args, reply: renderReply(raw) }).toEqual({ command: args, reply: want });
  }
}

/** A small seeded PRNG (LCG) so a failing random run can be replayed. */
export class Rand {
  constructor(private seed: number) {}
  next(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return this.seed / 2147483648;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A short binary string (latin1), biased to edge bytes. */
  bytes(maxLen: number): string {
    let s = "";
    for (let n = this.int(0, maxLen); n > 0; n--) s += String.fromCharCode(this.pick([0, 255, 0x0f, 0xf0, 97, this.int(0, 255)]));
    return s;
  }
  /** A range index: small, around the edges, or the int64 extremes. */
  index(): string {
    return this.pick(["-9223372036854775808", "9223372036854775807", String(this.int(-3, 3)), String(this.int(-20, 20)), String(this.int(-100, 100))]);
  }
}

/**
 * Sends `count` generated commands to both servers (in a fresh database,
 * optionally over RESP3) and returns the first differing replies, if any.
 */
export async function differential(aikvPort: number, redisPort: number, opts: { seed: number; count: number; resp3: boolean; db: number; gen: (r: Rand) => string[] }): Promise<string | null> {
  const aikv = await rawConn(aikvPort);
  const redis = await rawConn(redisPort);
  try {
    for (const conn of [aikv, redis]) {
      if (opts.resp3) await conn.call("hello", "3");
      await conn.call("select", opts.db);
    }
    const r = new Rand(opts.seed);
    for (let i = 0; i < opts.count; i++) {
      const args = opts.gen(r);
      const [a, b] = await Promise.all([aikv.call(...args), redis.call(...args)]);
      if (a !== b) return `seed ${opts.seed} command #${i} ${JSON.stringify(args)}\n  aikv:  ${JSON.stringify(a)}\n  redis: ${JSON.stringify(b)}`;
    }
    return null;
  } finally {
    aikv.close();
    redis.close();
  }
}

/** A command and the keyspace events (event:key, in order) Redis 7.0.15 published for it. */
export type EventCase = [string[], string[]];

/**
 * Runs `script` with notify-keyspace-events "EA" and checks the keyevent
 * notifications each command publishes. Returns false (checking nothing) while
 * AiKv lacks CONFIG SET or PSUBSCRIBE, which other modules provide.
 */
export async function checkKeyEvents(port: number, db: number, script: EventCase[]): Promise<boolean> {
  let events: string[] = [];
  const sub = await rawConn(port, {
    isPush: (raw) => raw.startsWith("*4\r\n$8\r\npmessage\r\n"),
    onPush: (raw) => {
      const [, , channel, key] = renderReply(raw) as string[];
      events.push(`${channel.slice(channel.indexOf(":") + 1)}:${key.slice(1)}`);
    },
  });
  const conn = await rawConn(port);
  try {
    const configured = await conn.call("config", "set", "notify-keyspace-events", "EA");
    const subscribed = await sub.call("psubscribe", `__keyevent@${db}__:*`);
    if (configured.startsWith("-ERR unknown command") || subscribed.startsWith("-ERR unknown command")) return false;
    expect(configured).toBe("+OK\r\n");
    await conn.call("select", db);
    // The recorded script starts from an empty database (other tables may share this db number).
    await conn.call("flushdb");
    for (const [args, want] of script) {
      events = [];
      await conn.call(...args);
      await sub.call("ping"); // a barrier: notifications for the command arrive before its reply
      expect({ command: args, events }).toEqual({ command: args, events: want });
    }
    await conn.call("config", "set", "notify-keyspace-events", "");
    return true;
  } finally {
    sub.close();
    conn.close();
  }
}
