// Transactions: MULTI EXEC DISCARD WATCH UNWATCH, like Redis 7.0's multi.c.
//
// - Inside MULTI, every command but EXEC/DISCARD/MULTI/WATCH/QUIT/RESET is
//   queued (+QUEUED) by a server interceptor, with its arguments copied (argv
//   are views of the network buffer). A command rejected before it could be
//   queued (unknown, wrong arity, no_multi, another interceptor's error)
//   flags the transaction, and EXEC then fails with EXECABORT.
// - EXEC runs the queued commands through Server.call (commandstats, MONITOR
//   and keyspace notifications see each one); a command's runtime error is
//   its reply and the others still run. Nothing else runs in between (one
//   event loop), blocked clients are served after the whole EXEC (the server
//   is still `executing`), blocking commands don't block, and expiry time is
//   frozen for the duration like Redis's cached command time.
// - WATCH (src/keyspace/watch.ts) makes EXEC reply a null array when a watched
//   key changed; EXEC, DISCARD, UNWATCH, RESET and disconnecting unwatch.

import { blockingOf } from "../keyspace/blocking.ts";
import { watchedKeysOf } from "../keyspace/watch.ts";
import type { Client } from "../net/client.ts";
import { addClientFlag, addClientInfo } from "../observability/client-info.ts";
import type { Server } from "../server.ts";
import { CommandError, fail } from "./errors.ts";
import { CMD, type Command, type CommandDef } from "./table.ts";

/** Commands that run immediately inside MULTI instead of being queued. */
const NOT_QUEUED = new Set(["exec", "discard", "multi", "watch", "quit", "reset"]);

interface QueuedCommand {
  readonly cmd: Command;
  readonly argv: Uint8Array[];
}

interface Transaction {
  readonly queued: QueuedCommand[];
  /** A command was rejected while queuing: EXEC aborts (Redis's CLIENT_DIRTY_EXEC). */
  aborted: boolean;
}

export class Transactions {
  /** Clients in MULTI. Not in Client.ext: unlike blocked or subscribed clients, they still time out. */
  private readonly open = new Map<Client, Transaction>();
  /** The client whose EXEC is running: its blocking commands don't block. */
  private running: Client | null = null;

  constructor(private readonly server: Server) {
    server.intercept((c, cmd, argv) => this.queue(c, cmd, argv));
    server.onCommandRejected((c, cmd, error) => this.rejected(c, cmd, error));
    server.onClientCleanup((c) => this.open.delete(c));
    blockingOf(server).denyBlockingWhen((c) => c === this.running);
  }

  inMulti(c: Client): boolean {
    return this.open.has(c);
  }

  /** Commands queued by c, or -1 when c is not in MULTI (CLIENT LIST multi=). */
  queuedCount(c: Client): number {
    return this.open.get(c)?.queued.length ?? -1;
  }

  begin(c: Client): void {
    if (this.open.has(c)) fail("ERR MULTI calls can not be nested");
    this.open.set(c, { queued: [], aborted: false });
  }

  discard(c: Client): void {
    if (!this.open.delete(c)) fail("ERR DISCARD without MULTI");
    watchedKeysOf(this.server).unwatchAll(c);
  }

  exec(c: Client): void {
    const tx = this.open.get(c);
    if (tx === undefined) fail("ERR EXEC without MULTI");
    this.open.delete(c);
    const watches = watchedKeysOf(this.server);
    const dirty = watches.isDirty(c);
    watches.unwatchAll(c);
    if (tx.aborted) fail("EXECABORT Transaction discarded because of previous errors.");
    if (dirty) {
      c.out.nilArray();
      return;
    }
    const server = this.server;
    const ks = server.keyspace;
    const frozen = ks.frozenNow;
    if (frozen === 0) ks.frozenNow = Date.now();
    this.running = c;
    try {
      c.out.array(tx.queued.length);
      for (const q of tx.queued) server.call(c, q.cmd, q.argv);
    } finally {
      this.running = null;
      ks.frozenNow = frozen;
    }
  }

  /**
   * A command of c was rejected before running: the transaction is flagged,
   * and a rejected EXEC itself discards it with Redis's EXECABORT wording.
   */
  private rejected(c: Client, cmd: Command | undefined, error: unknown): CommandError | undefined {
    const tx = this.open.get(c);
    if (tx !== undefined) tx.aborted = true;
    if (cmd?.name !== "exec" || !(error instanceof CommandError)) return undefined;
    this.open.delete(c);
    watchedKeysOf(this.server).unwatchAll(c);
    return new CommandError(`EXECABORT Transaction discarded because of: ${error.message.replace(/^ERR /, "")}`);
  }

  /** The interceptor: queues c's command while c is in MULTI. */
  private queue(c: Client, cmd: Command, argv: Uint8Array[]): boolean {
    if (this.open.size === 0) return false; // no MULTI open anywhere: no lookup per command
    const tx = this.open.get(c);
    if (tx === undefined || NOT_QUEUED.has((cmd.parent ?? cmd).name)) return false;
    if (cmd.has(CMD.NO_MULTI)) throw new CommandError("ERR Command not allowed inside a transaction");
    tx.queued.push({ cmd, argv: argv.map((a) => a.slice()) });
    c.out.simple("QUEUED");
    return true;
  }
}

const registries = new WeakMap<Server, Transactions>();

/** The MULTI state of a server, created on first use (it hooks itself into the server). */
export function transactionsOf(server: Server): Transactions {
  let reg = registries.get(server);
  if (reg === undefined) registries.set(server, (reg = new Transactions(server)));
  return reg;
}

addClientInfo((c, f) => {
  const n = registries.get(c.server)?.queuedCount(c) ?? -1;
  if (n < 0) return;
  f.set("multi", n);
  addClientFlag(f, "x");
});

function watch(c: Client, argv: Uint8Array[]): void {
  if (transactionsOf(c.server).inMulti(c)) fail("ERR WATCH inside MULTI is not allowed");
  const watches = watchedKeysOf(c.server);
  for (let i = 1; i < argv.length; i++) watches.watch(c, argv[i]);
  c.out.ok();
}

export const transactionCommands: CommandDef[] = [
  {
    name: "multi",
    summary: "Starts a transaction.",
    run: (c) => {
      transactionsOf(c.server).begin(c);
      c.out.ok();
    },
  },
  { name: "exec", summary: "Executes all commands in a transaction.", run: (c) => transactionsOf(c.server).exec(c) },
  {
    name: "discard",
    summary: "Discards a transaction.",
    run: (c) => {
      transactionsOf(c.server).discard(c);
      c.out.ok();
    },
  },
  { name: "watch", summary: "Monitors changes to keys to determine the execution of a transaction.", run: watch },
  {
    name: "unwatch",
    summary: "Forgets about watched keys of a transaction.",
    run: (c) => {
      watchedKeysOf(c.server).unwatchAll(c);
      c.out.ok();
    },
  },
];
