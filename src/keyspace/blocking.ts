// Clients blocked on keys (BLPOP, BLMOVE, BLMPOP, BZPOPMIN, BZMPOP...), like
// Redis's blocked.c.
//
// How a blocking command uses it (see src/commands/lists.ts for BLPOP):
//
//   const deadline = parseTimeout(argv[argv.length - 1]);     // before touching keys
//   if (tryServeNow(...)) return;                              // data there: reply as usual
//   const blocking = blockingOf(c.server);
//   if (!blocking.canBlock(c)) { c.out.nilArray(); return; }  // MULTI/scripts: non-blocking
//   blocking.block(c, {
//     keys: keys.map((k) => k.slice()), type: "list", deadline,
//     serve: (db, key) => { ...pop from key, write the reply to c.out...; return true },
//   });
//
// Semantics, as in Redis 7.0:
// - a write to a key someone waits for (Db.modified -> Keyspace.onKeyChange)
//   only marks it ready; ready keys are served after the current top-level
//   command (a whole EXEC or script included) has finished, so waiters see
//   its final effect (an RPUSH+LPOP transaction wakes nobody);
// - waiters of a key are served first come, first served, each with its
//   `serve` callback, while the key exists with the waiter's type: a key
//   recreated with another type wakes nobody (waiters keep waiting);
// - a served client is removed from all of its keys; serving may write
//   other keys (BLMOVE's destination), which are served in turn;
// - timeouts (absolute ms deadlines, 0 = forever) fire from a timer and the
//   server cron and reply with a null array (RESP3 null); CLIENT UNBLOCK
//   replies as a timeout or with -UNBLOCKED;
// - a blocked client's further input is not processed until it is unblocked
//   (Client.blocked stops the server's read loop; Server.resumeClient runs it);
// - a client that disconnects while blocked leaves no trace;
// - MULTI/EXEC and scripts make blocking commands non-blocking by
//   registering `blockingOf(server).denyBlockingWhen((c) => ...)`;
//   connection-less clients never block.

import type { Client } from "../net/client.ts";
import { bytesToStr } from "../net/bytes.ts";
import { parseLongDouble } from "../net/long-double.ts";
import type { Server } from "../server.ts";
import type { KeyType } from "../storage/engine.ts";
import { CommandError, fail } from "../commands/errors.ts";
import { addClientInfo } from "../observability/client-info.ts";
import { addInfoFields } from "../observability/info.ts";
import { DeadlineHeap } from "./deadline-heap.ts";
import type { Db } from "./keyspace.ts";

export interface BlockRequest {
  /** Keys to wait on, in the client's db; kept, so they must be copies (`.slice()`), not argv views. */
  keys: readonly Uint8Array[];
  /** The key type that can serve this client; ready keys of another type are skipped. */
  type: KeyType;
  /** Absolute unix ms at which the wait times out; 0 waits forever (see parseTimeout). */
  deadline: number;
  /**
   * Serves the client from `key`, which exists in `db` with `type`: does the
   * command's work (pop, move...) and writes its reply to c.out, then returns
   * true. Returns false, having written nothing, to keep waiting. A thrown
   * CommandError is sent as the reply and ends the wait.
   */
  serve(db: Db, key: Uint8Array): boolean;
  /**
   * Called instead of serve when a waited-for key was deleted or now holds
   * another type (XREADGROUP ends with an error then); same contract as serve.
   * Absent: the client keeps waiting.
   */
  keyGone?(db: Db, key: Uint8Array): boolean;
}

/** A blocked client and what it waits for. */
interface Waiter {
  readonly client: Client;
  readonly db: Db;
  readonly keys: readonly Uint8Array[];
  /** "<db index>:<latin1 key>" of each key: the registry's index. */
  readonly ids: readonly string[];
  readonly type: KeyType;
  readonly deadline: number;
  readonly serve: (db: Db, key: Uint8Array) => boolean;
  readonly keyGone?: (db: Db, key: Uint8Array) => boolean;
}

/** The slot in Client.ext holding a blocked client's Waiter (keeps idle-timeout away, as in Redis). */
const EXT_SLOT = "blocking";

const TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range";
const TIMEOUT_NEGATIVE = "ERR timeout is negative";
const INT64_MAX = 9223372036854775807;

/**
 * Parses a blocking timeout in seconds into an absolute deadline in unix ms,
 * 0 for "forever". Like Redis 7.0: parsed as a long double (strtold syntax),
 * the ms value rounded up (so tiny positive timeouts wait 1 ms), and values
 * whose ms don't fit a 64-bit integer (inf, 1e400) reported as negative.
 */
export function parseTimeout(arg: Uint8Array, now = Date.now()): number {
  const ld = parseLongDouble(arg);
  if (ld === null) fail(TIMEOUT_NOT_FLOAT);
  if (ld.inf) fail(TIMEOUT_NEGATIVE);
  const magnitudeMs = Number(ld.mant) * 2 ** ld.exp * 1000;
  let ms = Math.ceil(ld.neg ? -magnitudeMs : magnitudeMs);
  if (ms === 0 && ld.mant !== 0n && !ld.neg) ms = 1; // underflowed below a double's range
  if (ms < 0 || !(ms < INT64_MAX)) fail(TIMEOUT_NEGATIVE);
  return ms === 0 ? 0 : now + ms;
}

export class BlockedClients {
  /** Waiters per key id, in arrival order (a Set iterates in insertion order). */
  private readonly byKey = new Map<string, Set<Waiter>>();
  private readonly waiters = new Map<Client, Waiter>();
  /** Keys written since the last serving round, by key id. */
  private ready = new Map<string, { db: Db; key: Uint8Array }>();
  private readonly denyBlocking: ((c: Client) => boolean)[] = [];
  /** Waiters with a timeout by deadline; entries of waiters already gone are skipped when they surface. */
  private readonly deadlines = new DeadlineHeap<Waiter>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = 0;

  constructor(private readonly server: Server) {
    server.keyspace.onKeyChange((db, key) => this.keyChanged(db, key));
    server.keyspace.onDbChange((db) => this.dbChanged(db));
    // Observers run after every call(); nested calls (EXEC, scripts) have
    // `executing` set to their caller, so this serves once per top-level command.
    server.observe(() => this.serveReady());
    server.onClientCleanup((c) => this.remove(c));
    server.onCron((now) => this.expire(now));
    server.unblockClient = (c, withError) => this.unblock(c, withError);
  }

  /** Serves waiters of keys written, unless a command or a busy script is still running (it is called again then). */
  serveReady(): void {
    if (this.ready.size > 0 && this.server.executing === null && this.server.busy === null) this.serveReadyKeys();
  }

  /** Number of blocked clients (INFO blocked_clients). */
  get blockedCount(): number {
    return this.waiters.size;
  }

  /** Number of blocked clients with a timeout (INFO clients_in_timeout_table). */
  get withTimeoutCount(): number {
    let n = 0;
    for (const w of this.waiters.values()) if (w.deadline !== 0) n++;
    return n;
  }

  /**
   * Makes commands of clients for which `deny(c)` holds behave as
   * non-blocking: MULTI/EXEC and scripts register themselves here.
   */
  denyBlockingWhen(deny: (c: Client) => boolean): void {
    this.denyBlocking.push(deny);
  }

  /**
   * Whether c may block now; when not, the command replies as on timeout (or
   * as its non-blocking form). Connection-less clients (scripts' callers,
   * in-process use) never block: nobody would read the late reply.
   */
  canBlock(c: Client): boolean {
    if (c.socket === null) return false;
    for (const deny of this.denyBlocking) if (deny(c)) return false;
    return true;
  }

  /** Blocks c until a key is served, the deadline passes, CLIENT UNBLOCK, or disconnect. */
  block(c: Client, req: BlockRequest): void {
    if (this.waiters.has(c)) throw new Error("client is already blocked");
    const db = c.db;
    const ids = [...new Set(req.keys.map((k) => keyId(db, k)))];
    const w: Waiter = { client: c, db, keys: req.keys, ids, type: req.type, deadline: req.deadline, serve: req.serve, keyGone: req.keyGone };
    this.waiters.set(c, w);
    for (const id of ids) {
      let set = this.byKey.get(id);
      if (set === undefined) this.byKey.set(id, (set = new Set()));
      set.add(w);
    }
    c.blocked = true;
    c.ext.set(EXT_SLOT, w);
    if (w.deadline !== 0) {
      this.deadlines.push(w.deadline, w);
      this.armTimer(w.deadline);
    }
  }

  /** CLIENT UNBLOCK: ends c's wait with the timeout reply or an -UNBLOCKED error. */
  unblock(c: Client, withError: boolean): boolean {
    const w = this.waiters.get(c);
    if (w === undefined) return false;
    this.server.deliver(c, (out) => {
      if (withError) out.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
      else out.nilArray();
    });
    this.finish(w);
    return true;
  }

  private keyChanged(db: Db, key: Uint8Array): void {
    if (this.byKey.size === 0) return;
    const id = keyId(db, key);
    if (this.byKey.has(id) && !this.ready.has(id)) this.ready.set(id, { db, key: key.slice() });
  }

  /** FLUSHDB/SWAPDB: every waited-for key of that db may have new contents. */
  private dbChanged(db: Db): void {
    for (const w of this.waiters.values()) {
      if (w.db.index === db.index) for (const key of w.keys) this.keyChanged(w.db, key);
    }
    if (this.server.executing === null) this.serveReadyKeys();
  }

  /** Redis's handleClientsBlockedOnKeys: serves waiters of ready keys until none is left. */
  private serveReadyKeys(): void {
    while (this.ready.size > 0) {
      const batch = this.ready;
      this.ready = new Map();
      for (const [id, { db, key }] of batch) {
        const set = this.byKey.get(id);
        if (set === undefined) continue;
        // Served waiters leave the set as we go (safe while iterating a Set);
        // nobody new can block during a round, so this is the FIFO of the round.
        for (const w of set) {
          const meta = db.lookupWrite(key);
          if (meta === null || meta.type !== w.type) {
            if (w.keyGone !== undefined && this.tryServe(w, db, key, w.keyGone)) this.finish(w);
            continue;
          }
          if (this.tryServe(w, db, key, w.serve)) this.finish(w);
        }
      }
    }
  }

  private tryServe(w: Waiter, db: Db, key: Uint8Array, serve: (db: Db, key: Uint8Array) => boolean): boolean {
    let served = false;
    this.server.deliver(w.client, (out) => {
      const mark = out.len;
      try {
        served = serve(db, key);
      } catch (e) {
        if (!(e instanceof CommandError)) this.server.log("warning", `serving a blocked client failed: ${String(e)}`);
        out.truncate(mark);
        out.error(e instanceof CommandError ? e.message : `ERR internal error: ${String(e)}`);
        served = true;
      }
    });
    return served;
  }

  /** Times out every waiter whose deadline has passed. */
  private expire(now: number): void {
    const heap = this.deadlines;
    while (heap.size > 0 && heap.peekDeadline() <= now) {
      const w = heap.pop()!;
      if (this.waiters.get(w.client) !== w) continue; // served, unblocked or gone already
      this.server.deliver(w.client, (out) => out.nilArray());
      this.finish(w);
    }
    // Stale entries of waiters served long before their deadline: compact now and then.
    if (heap.size > 64 && heap.size > 2 * this.waiters.size) heap.retain((w) => this.waiters.get(w.client) === w);
  }

  /** Keeps one timer at the earliest deadline, so timeouts fire with ms precision between cron ticks. */
  private armTimer(deadline: number): void {
    if (this.timer !== null && this.timerAt <= deadline) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, deadline - Date.now()));
  }

  private onTimer(): void {
    this.timer = null;
    this.expire(Date.now());
    const next = this.deadlines.peekDeadline();
    if (next !== 0) this.armTimer(next);
  }

  /** Ends a wait that got its reply, and lets the client's pending input run. */
  private finish(w: Waiter): void {
    const c = w.client;
    this.remove(c);
    // Not now: we may be inside another client's command, whose reply is in the shared buffer.
    setImmediate(() => this.server.resumeClient(c));
  }

  /** Forgets c's wait without replying (disconnect, RESET). */
  private remove(c: Client): void {
    const w = this.waiters.get(c);
    if (w === undefined) return;
    this.waiters.delete(c);
    for (const id of w.ids) {
      const set = this.byKey.get(id);
      if (set === undefined) continue;
      set.delete(w);
      if (set.size === 0) this.byKey.delete(id);
    }
    c.blocked = false;
    c.ext.delete(EXT_SLOT);
  }
}

function keyId(db: Db, key: Uint8Array): string {
  return `${db.index}:${bytesToStr(key)}`;
}

const registries = new WeakMap<Server, BlockedClients>();

/** The blocked-clients registry of a server, created on first use (it hooks itself into the server). */
export function blockingOf(server: Server): BlockedClients {
  let reg = registries.get(server);
  if (reg === undefined) registries.set(server, (reg = new BlockedClients(server)));
  return reg;
}

/** INFO blocked_clients without creating the registry. */
export function blockedClientCount(server: Server): number {
  return registries.get(server)?.blockedCount ?? 0;
}

addInfoFields("clients", (s) => [
  ["blocked_clients", blockedClientCount(s)],
  ["clients_in_timeout_table", registries.get(s)?.withTimeoutCount ?? 0],
]);
addClientInfo((c, f) => {
  if (c.blocked) f.set("flags", `${f.get("flags")}b`);
});
