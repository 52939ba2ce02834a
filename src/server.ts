// The server: owns configuration, keyspace, command table and clients, and
// runs every command on the one event loop, to completion, like Redis.

import type { Socket, SocketHandler, TCPSocketListener } from "bun";
import { ALL_COMMANDS } from "./commands/index.ts";
import { CommandError } from "./commands/errors.ts";
import { CMD, type Command, CommandTable } from "./commands/table.ts";
import type { Config } from "./config/config.ts";
import { Keyspace } from "./keyspace/keyspace.ts";
import { EMPTY, bytesEqual, bytesToStr, cString, rangeEquals } from "./net/bytes.ts";
import { Client } from "./net/client.ts";
import { enforceOutputLimit } from "./net/output-limits.ts";
import { ReplyBuffer } from "./net/reply.ts";
import { type ParserLimits, ProtocolError, QueryBufferLimitError, type RespParser, SHORT_ARG, keptBit } from "./net/resp-parser.ts";
import { type LogLevel, writeLog } from "./observability/log.ts";
import { Observability } from "./observability/observability.ts";
import { ServerStats } from "./observability/stats.ts";
import type { StorageEngine } from "./storage/engine.ts";
import { MemoryEngine } from "./storage/memory/memory-engine.ts";

export { REDIS_COMPAT_VERSION, VERSION } from "./version.ts";

/** Keys prefetched per read (see prefetchKeys). */
const PREFETCH_MAX = 16;
/** Deferred replies beyond this are sent at once, not at the end of the event-loop turn (see deferReplies). */
const DEFERRED_MAX_BYTES = 256 * 1024;
/** Output queued beyond this stops reading from the client until it drains (normal clients). */
const PAUSE_READ_BYTES = 64 * 1024 * 1024;

/**
 * A hook that may take over execution of a command before it runs
 * (MULTI queuing, pub/sub mode restrictions, busy scripts...). Returns true
 * when it handled the command.
 */
export type CommandInterceptor = (c: Client, cmd: Command, argv: Uint8Array[]) => boolean;
/**
 * Called when a command is rejected before running (unknown, wrong arity, an
 * interceptor's error): MULTI flags the transaction. May return the error to
 * reply instead (a rejected EXEC replies EXECABORT).
 */
export type CommandRejectHook = (c: Client, cmd: Command | undefined, error: unknown) => CommandError | undefined;
/** Called after a command ran (MONITOR feeds, slowlog, keyspace notifications flush...). */
export type CommandObserver = (c: Client, cmd: Command, argv: Uint8Array[], micros: number) => void;

/** How to shut down (SHUTDOWN SAVE / NOSAVE); persistence hooks decide what saving means. */
export interface ShutdownOptions {
  /** true: save even without save points; false: don't save; undefined: save if save points are configured. */
  save?: boolean;
  /** Exit even when saving fails. */
  force?: boolean;
}

export class Server {
  readonly out = new ReplyBuffer();
  readonly keyspace: Keyspace;
  readonly commands = new CommandTable();
  readonly clients = new Map<number, Client>();
  readonly stats = new ServerStats();
  readonly startedAt = Date.now();
  private readonly listeners: TCPSocketListener<Client>[] = [];
  /** Protocol limits every client's parser reads; CONFIG SET updates them in place for all clients. */
  readonly parserLimits: ParserLimits;
  private nextClientId = 1;
  private readonly interceptors: CommandInterceptor[] = [];
  private readonly observers: CommandObserver[] = [];
  private readonly rejectHooks: CommandRejectHook[] = [];
  private cronTimer: ReturnType<typeof setInterval> | null = null;
  /** Clients paused by CLIENT PAUSE until this time (ms), and for which commands. */
  pausedUntil = 0;
  pauseWritesOnly = false;
  private readonly pausedClients: { c: Client; argv: Uint8Array[] }[] = [];
  /**
   * performance.now() when the current command started: the previous command's
   * end, so each command costs one clock read (~50 ns here).
   */
  private clockMark = 0;
  /** Date.now() - performance.now(), refreshed by the cron: a read's clockMark dates the client's activity without a second clock read. */
  private wallClockOffset = Date.now() - performance.now();
  /** The last command looked up and its name bytes: pipelines mostly repeat one command. */
  private lastCmdName: Uint8Array = new Uint8Array(0);
  private lastCmd: Command | undefined;
  /** Commands currently executing (nesting from MULTI/EXEC and scripts). */
  executing: Client | null = null;
  /**
   * Set while a script runs past busy-reply-threshold and other clients are
   * served meanwhile (scripting/vm.ts): commands without allow_busy get
   * `error` (-BUSY), and the cron doesn't run, so nothing else touches the keyspace.
   */
  busy: { error: string } | null = null;
  shuttingDown = false;
  readonly shutdownHooks: ((opts: ShutdownOptions) => Promise<void> | void)[] = [];
  private readonly cronHooks: ((now: number) => void)[] = [];
  /** Unix ms of the last successful save (LASTSAVE); the start time until persistence sets it. */
  lastSaveAt = Date.now();
  /**
   * CLIENT UNBLOCK: provided by the blocking commands; unblocks c (with an
   * -UNBLOCKED error or as a timeout) and returns whether it was blocked.
   */
  unblockClient: ((c: Client, withError: boolean) => boolean) | null = null;
  /** INFO, SLOWLOG, MONITOR and instantaneous metrics. */
  readonly observability: Observability;

  constructor(
    readonly config: Config,
    readonly engine: StorageEngine = new MemoryEngine(config.num("databases")),
  ) {
    this.keyspace = new Keyspace(engine, config);
    this.commands.register(ALL_COMMANDS);
    this.observability = new Observability(this);
    this.parserLimits = { maxBulkLen: config.num("proto-max-bulk-len"), maxQueryBuffer: config.num("client-query-buffer-limit") };
    config.onChange((name) => this.applyConfig(name));
    this.applyEncodingLimits();
  }

  /** Hands the collection encoding thresholds to the engine (OBJECT ENCODING conversions). */
  private applyEncodingLimits(): void {
    const n = (name: string) => this.config.num(name);
    this.engine.setEncodingLimits?.({
      hashMaxListpackEntries: n("hash-max-listpack-entries"),
      hashMaxListpackValue: n("hash-max-listpack-value"),
      setMaxIntsetEntries: n("set-max-intset-entries"),
      zsetMaxListpackEntries: n("zset-max-listpack-entries"),
      zsetMaxListpackValue: n("zset-max-listpack-value"),
      streamNodeMaxBytes: n("stream-node-max-bytes"),
      streamNodeMaxEntries: n("stream-node-max-entries"),
    });
  }

  /** Makes a CONFIG SET take effect where the value is cached (parser limits, cron frequency). */
  private applyConfig(name: string): void {
    if (name === "proto-max-bulk-len") this.parserLimits.maxBulkLen = this.config.num(name);
    else if (name === "client-query-buffer-limit") this.parserLimits.maxQueryBuffer = this.config.num(name);
    else if (name === "hz" && this.cronTimer !== null) this.startCron();
    else if (name === "appendfsync") this.engine.setSyncPolicy?.(this.config.str(name) as "always" | "everysec" | "no");
    else if (/^(hash|zset)-max-listpack-|^set-max-intset-entries$|^stream-node-max-/.test(name)) this.applyEncodingLimits();
  }

  get port(): number {
    return this.listeners[0]?.port ?? 0;
  }

  /**
   * Listens on every `bind` address ("*" all IPv4, "::*" all IPv6, "-" prefix:
   * skip the address if it can't be bound; none: "* -::*"), all on one port.
   */
  listen(): void {
    const server = this;
    const handlers: SocketHandler<Client> = {
      open(socket) {
        server.accept(socket);
      },
      data(socket, data) {
        server.onData(socket.data, data);
      },
      drain(socket) {
        socket.data?.flushQueue();
      },
      close(socket) {
        if (socket.data) server.onClose(socket.data);
      },
      error(socket) {
        if (socket.data) server.onClose(socket.data);
      },
    };
    const addresses = this.config.str("bind").split(" ").filter((a) => a !== "");
    let port = this.config.num("port");
    for (const address of addresses.length > 0 ? addresses : ["*", "-::*"]) {
      const optional = address.startsWith("-");
      const host = optional ? address.slice(1) : address;
      try {
        const hostname = host === "*" ? "0.0.0.0" : host === "::*" ? "::" : host;
        const listener = Bun.listen<Client>({ hostname, port, socket: handlers });
        this.listeners.push(listener);
        port = listener.port;
      } catch (e) {
        if (!optional) {
          for (const l of this.listeners.splice(0)) l.stop(true);
          throw e;
        }
        this.log("warning", `Could not bind to ${host}:${port}, skipped (optional address): ${(e as Error).message}`);
      }
    }
    this.startCron();
  }

  /** (Re)starts the cron at the configured hz. */
  private startCron(): void {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / this.config.num("hz")));
  }

  private readonly statResetHooks: (() => void)[] = [];

  /** Registers the reset of a subsystem's own INFO counters (latency, slowlog...) for CONFIG RESETSTAT. */
  onResetStats(fn: () => void): void {
    this.statResetHooks.push(fn);
  }

  /** CONFIG RESETSTAT: server counters, command and error statistics, keyspace hits/misses, subsystems' counters. */
  resetStats(): void {
    this.stats.reset();
    for (const cmd of this.commands.all()) {
      for (const c of [cmd, ...(cmd.subcommands?.values() ?? [])]) {
        Object.assign(c.stats, { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 });
      }
    }
    const ks = this.keyspace.stats as unknown as Record<string, number>;
    for (const k of Object.keys(ks)) ks[k] = 0;
    for (const fn of this.statResetHooks) fn();
  }

  /** Registers a command interceptor (see CommandInterceptor). */
  intercept(fn: CommandInterceptor): void {
    this.interceptors.push(fn);
  }

  observe(fn: CommandObserver): void {
    this.observers.push(fn);
  }

  /** Registers a hook on commands rejected before running (see CommandRejectHook). */
  onCommandRejected(fn: CommandRejectHook): void {
    this.rejectHooks.push(fn);
  }

  private accept(socket: Socket<Client>): void {
    const c = new Client(this, socket, this.nextClientId++);
    socket.data = c;
    socket.setNoDelay(true);
    const keepalive = this.config.num("tcp-keepalive");
    if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
    this.stats.connectionsReceived++;
    if (this.clients.size >= this.config.num("maxclients")) {
      this.stats.rejectedConnections++;
      socket.write("-ERR max number of clients reached\r\n");
      socket.end();
      c.closed = true;
      return;
    }
    this.clients.set(c.id, c);
  }

  private onData(c: Client, data: Uint8Array): void {
    if (c.closed) return;
    const now = performance.now();
    this.clockMark = now;
    c.lastInteraction = Math.floor(this.wallClockOffset + now);
    c.totalNetIn += data.length;
    this.stats.netInputBytes += data.length;
    const out = this.out;
    // Other clients' replies of this event-loop turn may be waiting below (see deferReplies).
    const mark = out.len;
    try {
      c.parser.feed(data);
      // Commands to run before the next look ahead; negative: no more look aheads in this read.
      let unprefetched = 0;
      for (;;) {
        // A client paused for its output queue runs no more of what it sent until that drains
        // (onOutputDrained): its queue then stays bounded however much it had pipelined.
        if (c.closed || c.closeAfterReply || c.blocked || c.readPaused) break;
        if (unprefetched === 0) unprefetched = this.prefetchKeys(c);
        const argv = c.parser.next();
        if (argv === null) break;
        unprefetched--;
        if (this.isPaused(c, argv)) continue;
        this.parsedArgv = argv;
        this.keptArgs = 0;
        this.execute(c, argv);
        // Whatever keeps a command's arguments copies the array (MULTI, slowlog, blocked
        // clients' keys); a script still running (busy) or a blocked command may not be done with it.
        if (this.busy === null && !c.blocked) c.parser.recycle(argv, this.keptArgs);
        // Large replies go out as they come, not at the end of the read: so the output
        // queue's pause (onOutputQueued) stops this loop instead of a whole pipeline's
        // replies piling up here first (200 pipelined GETs of 1 MB were 160 MB).
        if (out.len - mark > DEFERRED_MAX_BYTES) this.sendNow(c, mark);
      }
      c.parser.detach();
    } catch (e) {
      if (e instanceof ProtocolError) {
        this.stats.protocolErrors++;
        out.resp = c.resp;
        out.error(`ERR Protocol error: ${e.message}`);
        c.closeAfterReply = true;
      } else if (e instanceof QueryBufferLimitError) {
        this.log("warning", `Closing client that reached max query buffer length (id=${c.id})`);
        c.closeAfterReply = true;
      } else {
        throw e;
      }
    }
    this.deferReplies(c, mark);
    if (c.closeAfterReply) {
      this.sendDeferred(c);
      c.afterHeldOutput(() => this.closeClient(c));
    }
  }

  /** Clients whose replies wait in `out` for the end of this event-loop turn (see deferReplies). */
  private readonly deferred: Client[] = [];
  private flushScheduled = false;

  /**
   * Holds c's replies of this read, out[from, out.len), until the clients
   * whose reads are ready in this event-loop turn were all served, then sends
   * them one after another, as Redis does (beforeSleep's
   * handleClientsWithPendingWrites): a send to a benchmark client that sleeps
   * wakes it, and a burst of sends wakes it once instead of once per client
   * (the wake-up was ~1/6 of the server's CPU samples). Output sent to c by
   * other means meanwhile (pub/sub, unblocked commands) goes after these
   * replies (Client.send sends them first).
   */
  private deferReplies(c: Client, from: number): void {
    const out = this.out;
    if (out.len === from) return;
    if (c.deferredEnd !== 0) this.sendDeferred(c);
    c.deferredStart = from;
    c.deferredEnd = out.len;
    this.deferred.push(c);
    if (out.len > DEFERRED_MAX_BYTES) this.flushDeferred();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushDeferred);
    }
  }

  /** Sends c's replies of the current read, out[from, out.len), and drops them from `out`. */
  private sendNow(c: Client, from: number): void {
    const out = this.out;
    this.sendDurably(c, out.buf.subarray(from, out.len));
    this.stats.netOutputBytes += out.len - from;
    out.truncate(from);
  }

  /** Sends c's deferred replies now (before other output to c, or when it closes). */
  sendDeferred(c: Client): void {
    const end = c.deferredEnd;
    if (end === 0) return;
    c.deferredEnd = 0;
    this.sendDurably(c, this.out.buf.subarray(c.deferredStart, end));
    this.stats.netOutputBytes += end - c.deferredStart;
  }

  /** Sends every deferred reply, in the order the reads came, and empties the shared buffer. */
  private readonly flushDeferred = (): void => {
    this.flushScheduled = false;
    const deferred = this.deferred;
    for (let i = 0; i < deferred.length; i++) this.sendDeferred(deferred[i]);
    deferred.length = 0;
    this.out.reset();
  };

  /**
   * Lets the engine start loading the keys of the next commands received
   * (Redis 8 prefetches a batch's keys too): on a big keyspace a lookup's
   * cache misses were most of a GET's time, and loading up to 16 keys in
   * passes overlaps them. The keys are the command table's (first, last,
   * step) positions, so MSET's ten keys are loaded and no value or member is
   * probed as a key. Returns how many commands were looked at (0: no need to
   * look again in this read). A read that starts with two commands on one
   * key and no members (RPOP mylist, SPOP myset... pipelined) is taken to go
   * on like that: nothing to load ahead, so the look ahead stops there for
   * this read instead of scanning every command (~40 of SPOP's ~240 ns
   * in-process); a different command later in such a read runs unprefetched.
   */
  private prefetchKeys(c: Client): number {
    const store = c.db.store;
    if (store.prefetch === undefined) return 0;
    this.prefetchCount = 0;
    this.prefetchRepeats = 0;
    this.prefetchCommands = 0;
    this.memberCount = 0;
    this.memberKeyEnd = -1;
    const parser = c.parser;
    for (let f = 0; f < parser.framesAhead || parser.scanFrame(); f++) {
      if (!this.collectPrefetchKeys(parser, f)) break;
    }
    const buf = parser.frameBytes;
    if (this.prefetchCount > 1) store.prefetch(buf, this.prefetchStarts, this.prefetchEnds, this.prefetchCount);
    if (this.memberCount > 1) {
      store.prefetchMembers?.(buf, this.memberKeyStart, this.memberKeyEnd, this.memberStarts, this.memberEnds, this.memberCount);
    }
    return this.oneKeyRead() ? 0 : this.prefetchCommands;
  }

  /** Whether the scan stopped at a third command after two on one key without members (see prefetchKeys). */
  private oneKeyRead(): boolean {
    return this.prefetchCommands === 2 && this.prefetchCount === 1 && this.prefetchRepeats === 1 && this.memberCount === 0;
  }

  /** The keys prefetchKeys collects: ranges of the parser's frameBytes. */
  private readonly prefetchStarts: number[] = new Array(PREFETCH_MAX).fill(0);
  private readonly prefetchEnds: number[] = new Array(PREFETCH_MAX).fill(0);
  private prefetchCount = 0;
  /** Keys not collected because they repeat the one collected just before. */
  private prefetchRepeats = 0;
  /** Commands whose keys were collected. */
  private prefetchCommands = 0;
  /** The command the scanned name resolved to, and that name (pipelines repeat one command). */
  private prefetchName: Uint8Array = EMPTY;
  private prefetchCmd: Command | undefined;
  /**
   * The members (fields) of one collection that the scanned commands look up
   * (CommandDef.memberArgs), as ranges of frameBytes: those of the first such
   * command's key, and of later commands on the same key.
   */
  private readonly memberStarts: number[] = new Array(PREFETCH_MAX).fill(0);
  private readonly memberEnds: number[] = new Array(PREFETCH_MAX).fill(0);
  private memberCount = 0;
  private memberKeyStart = 0;
  /** -1: no member command seen yet. */
  private memberKeyEnd = -1;

  /**
   * Collects the keys (and members) of the parser's recorded frame f, the
   * (f+1)th command to run; false when the look ahead stops there: its keys
   * don't all fit (it then waits for the next look ahead, unless it is the
   * first), the keys collected are PREFETCH_MAX, or the read is a one-key read.
   */
  private collectPrefetchKeys(parser: RespParser, f: number): boolean {
    if (this.oneKeyRead()) return false;
    const buf = parser.frameBytes;
    const argc = parser.frameArgc(f);
    const cmd = this.prefetchCommand(buf, parser.argStart(f, 0), parser.argEnd(f, 0));
    const first = cmd === undefined || cmd.firstKey <= 0 ? 0 : cmd.firstKey;
    const last = first === 0 ? -1 : Math.min(cmd!.lastKey < 0 ? argc + cmd!.lastKey : cmd!.lastKey, argc - 1);
    const step = first === 0 ? 1 : Math.max(cmd!.keyStep, 1);
    const keys = last >= first ? Math.floor((last - first) / step) + 1 : 0;
    if (keys > 0 && this.prefetchCount + keys > PREFETCH_MAX && this.prefetchCommands > 0) return false;
    this.prefetchCommands++;
    if (first === 1 && cmd!.firstMemberArg > 0 && argc > 1) this.collectMembers(parser, f, argc, cmd!.firstMemberArg, cmd!.memberArgStep);
    for (let i = first; i <= last; i += step) {
      const start = parser.argStart(f, i);
      const end = parser.argEnd(f, i);
      // A pipeline of one collection's commands (LPUSH mylist ...) repeats its key: it is loaded once.
      const prev = this.prefetchCount - 1;
      if (prev >= 0 && rangeEquals(buf, start, end, buf, this.prefetchStarts[prev], this.prefetchEnds[prev])) {
        this.prefetchRepeats++;
        continue;
      }
      this.prefetchStarts[this.prefetchCount] = start;
      this.prefetchEnds[this.prefetchCount++] = end;
      if (this.prefetchCount === PREFETCH_MAX) return false;
    }
    return true;
  }

  /** Collects the members of recorded frame f, a command on the collection at argument 1, from argument `from` every `step` (see memberStarts). */
  private collectMembers(parser: RespParser, f: number, argc: number, from: number, step: number): void {
    const buf = parser.frameBytes;
    const keyStart = parser.argStart(f, 1);
    const keyEnd = parser.argEnd(f, 1);
    if (this.memberKeyEnd < 0) {
      this.memberKeyStart = keyStart;
      this.memberKeyEnd = keyEnd;
    } else if (!rangeEquals(buf, keyStart, keyEnd, buf, this.memberKeyStart, this.memberKeyEnd)) {
      return; // another collection: not this look ahead's
    }
    for (let i = from; i < argc && this.memberCount < PREFETCH_MAX; i += step) {
      const k = this.memberCount++;
      this.memberStarts[k] = parser.argStart(f, i);
      this.memberEnds[k] = parser.argEnd(f, i);
    }
  }

  /** The command named by buf[start, end), for the look ahead. */
  private prefetchCommand(buf: Uint8Array, start: number, end: number): Command | undefined {
    if (!rangeEquals(this.prefetchName, 0, this.prefetchName.length, buf, start, end)) {
      this.prefetchName = buf.slice(start, end);
      this.prefetchCmd = this.commands.get(bytesToStr(this.prefetchName));
    }
    return this.prefetchCmd;
  }

  /**
   * Sends bytes to c, after the writes made so far are durable when the
   * engine says they are not yet (appendfsync always): no reply, not even a
   * read's or another client's, acknowledges data that could still be lost.
   */
  private sendDurably(c: Client, bytes: Uint8Array): void {
    const durable = this.engine.pendingDurability?.() ?? null;
    if (durable === null) c.send(bytes);
    else c.sendWhenDurable(bytes, durable);
  }

  /** Runs the commands a client sent while it was blocked (BLPOP...) or paused for its output, once it no longer is. */
  resumeClient(c: Client): void {
    if (!c.closed && !c.blocked && c.parser.buffered > 0) this.onData(c, new Uint8Array(0));
  }

  /**
   * Writes a reply to a client that is not the one currently executing (pub/sub
   * messages, unblocked clients, MONITOR): encodes at the end of the shared
   * buffer, sends, and restores the buffer for the running command.
   */
  deliver(c: Client, write: (out: ReplyBuffer) => void): void {
    const out = this.out;
    const mark = out.len;
    const resp = out.resp;
    out.resp = c.resp;
    write(out);
    this.sendDurably(c, out.take(mark));
    this.stats.netOutputBytes += out.len - mark;
    out.truncate(mark);
    out.resp = resp;
  }

  /** Runs one command for c, writing its reply into the shared buffer. */
  execute(c: Client, argv: Uint8Array[]): void {
    const out = this.out;
    out.resp = c.resp;
    const mark = out.len;
    let cmd = this.lookupCommand(argv[0]);
    try {
      if (cmd === undefined) {
        this.stats.unknownCommands++;
        throw new CommandError(unknownCommandMessage(argv));
      }
      // A container with its own handler (COMMAND) runs it when given no subcommand.
      if (cmd.subcommands !== null && !(argv.length === 1 && cmd.run)) {
        if (argv.length === 1) throw new CommandError(arityMessage(cmd));
        // Binary-safe lookup: Redis hashes the whole name (NUL included) and only its key
        // compare stops at a NUL, so "ENCODING\0x" is found or not depending on its hash seed.
        const sub = cmd.subcommands.get(bytesToStr(argv[1]).toLowerCase());
        if (sub === undefined) {
          // The message prints the name as a C string (up to a NUL).
          throw new CommandError(`ERR unknown subcommand '${truncate(cString(argv[1]), 128)}'. Try ${cmd.name.toUpperCase()} HELP.`);
        }
        cmd = sub;
      }
      const arity = cmd.arity;
      if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
        throw new CommandError(arityMessage(cmd));
      }
      if (!c.authenticated && !cmd.has(CMD.NO_AUTH)) throw new CommandError("NOAUTH Authentication required.");
      if (this.busy !== null && !cmd.has(CMD.ALLOW_BUSY)) throw new CommandError(this.busy.error);
      // After a disk failure writes (and PING, as in Redis) get -MISCONF; reads go on.
      const diskError = this.engine.writeError?.() ?? null;
      if (diskError !== null && (cmd.has(CMD.WRITE) || cmd.name === "ping")) throw new CommandError(diskError);
      for (const fn of this.interceptors) if (fn(c, cmd, argv)) return this.afterReply(c, mark);
    } catch (e) {
      if (cmd) cmd.stats.rejectedCalls++;
      let error = e;
      for (const fn of this.rejectHooks) error = fn(c, cmd, error) ?? error;
      this.replyError(c, error);
      return this.afterReply(c, mark);
    }
    this.call(c, cmd, argv);
    this.afterReply(c, mark);
  }

  private lookupCommand(name: Uint8Array): Command | undefined {
    if (bytesEqual(name, this.lastCmdName)) return this.lastCmd;
    const cmd = this.commands.get(bytesToStr(name));
    this.lastCmdName = name.slice();
    this.lastCmd = cmd;
    return cmd;
  }

  /** The arguments of the command the parser returned last (see handsOver). */
  private parsedArgv: Uint8Array[] | null = null;
  /** The parsed arguments handsOver gave away, as a mask of keptBit(index): the parser reuses the others. */
  private keptArgs = 0;

  /**
   * Whether argv[from, to) are copies the parser made for this command alone,
   * so a write may keep them instead of copying them again (SET's value):
   * nothing else holds them (MULTI and paused clients queue copies, scripts
   * their own arguments) and the command's arguments are not used after it ran.
   */
  handsOver(argv: Uint8Array[], from: number, to = from + 1): boolean {
    if (argv !== this.parsedArgv || from < 1) return false;
    for (let i = from; i < to; i++) if (argv[i].length > SHORT_ARG) return false;
    for (let i = from; i < to; i++) this.keptArgs |= 1 << keptBit(i);
    return true;
  }

  /** Restarts command timing (before running commands outside a read, e.g. unblocked clients). */
  markClock(): void {
    this.clockMark = performance.now();
  }

  /** Runs an already validated command (also used by EXEC and scripts). */
  call(c: Client, cmd: Command, argv: Uint8Array[]): void {
    const start = this.clockMark;
    const prev = this.executing;
    this.executing = c;
    c.lastCommand = cmd.name; // CLIENT LIST shows the running command as cmd=, like Redis
    const engine = this.engine;
    engine.beginAtomic?.(); // a command's (EXEC's, a script's) writes are durable together or not at all
    try {
      cmd.run!(c, argv);
    } catch (e) {
      cmd.stats.failedCalls++;
      this.replyError(c, e);
    } finally {
      this.executing = prev;
      engine.endAtomic?.();
    }
    const end = performance.now();
    this.clockMark = end;
    const micros = Math.round((end - start) * 1000);
    cmd.stats.calls++;
    cmd.stats.usec += micros;
    c.commandsProcessed++;
    this.stats.commandsProcessed++;
    for (const fn of this.observers) fn(c, cmd, argv, micros);
  }

  private replyError(c: Client, e: unknown): void {
    if (!(e instanceof CommandError)) {
      // A bug, not client input: answer with an error and keep serving.
      const msg = e instanceof Error ? e.message : String(e);
      this.log("warning", `internal error: ${e instanceof Error ? e.stack : msg}`);
      e = new CommandError(`ERR internal error: ${msg}`);
    }
    const msg = (e as CommandError).message;
    this.stats.countError(msg);
    c.out.error(msg);
  }

  /** Applies CLIENT REPLY OFF/SKIP by discarding the reply just written. */
  private afterReply(c: Client, mark: number): void {
    if (c.replyMode === "on" && !c.skipNext) return;
    this.out.truncate(mark);
    // CLIENT REPLY SKIP sets mode "skip" while it runs: the reply to drop is the next command's.
    if (c.replyMode === "skip") {
      c.replyMode = "on";
      c.skipNext = true;
    } else c.skipNext = false;
  }

  onOutputQueued(c: Client): void {
    enforceOutputLimit(this, c);
    if (!c.readPaused && c.outQueueBytes > PAUSE_READ_BYTES && c.socket) {
      c.readPaused = true;
      c.socket.pause();
    }
  }

  onOutputDrained(c: Client): void {
    if (c.readPaused && c.socket) {
      c.readPaused = false;
      c.socket.resume();
      this.resumeClient(c); // the commands it sent that onData left for now
    }
    if (c.closeAfterReply) this.closeClient(c);
  }

  closeClient(c: Client): void {
    if (c.closed) return;
    if (c.hasPendingOutput && c.closeAfterReply) {
      c.socket?.end();
      return; // drain/close callbacks finish the job
    }
    c.socket?.end();
    this.onClose(c);
  }

  private readonly cleanupHooks: ((c: Client) => void)[] = [];

  /**
   * Registers per-subsystem cleanup of a client's state (unsubscribe, unblock,
   * unwatch, discard MULTI...), run when it disconnects and on RESET.
   */
  onClientCleanup(fn: (c: Client) => void): void {
    this.cleanupHooks.push(fn);
  }

  resetClient(c: Client): void {
    for (const fn of this.cleanupHooks) fn(c);
  }

  private onClose(c: Client): void {
    if (c.closed && !this.clients.has(c.id)) return;
    c.closed = true;
    this.clients.delete(c.id);
    this.resetClient(c);
  }

  private isPaused(c: Client, argv: Uint8Array[]): boolean {
    if (this.pausedUntil === 0) return false;
    if (Date.now() >= this.pausedUntil) {
      this.unpause();
      return false;
    }
    // A client with held commands keeps its order: everything after them waits too.
    if (this.pauseWritesOnly && !this.pausedClients.some((p) => p.c === c)) {
      const cmd = this.commands.get(bytesToStr(argv[0]));
      if (cmd === undefined || !cmd.has(CMD.WRITE | CMD.MAY_REPLICATE)) return false;
    }
    // Copy: argv are views into the read buffer.
    this.pausedClients.push({ c, argv: argv.map((a) => a.slice()) });
    return true;
  }

  /** CLIENT UNPAUSE or pause expiry: runs the held commands in arrival order. */
  unpause(): void {
    this.pausedUntil = 0;
    const held = this.pausedClients.splice(0);
    // Runs from CLIENT UNPAUSE or a read too: replies are sent from the end of the shared buffer, which is restored.
    const out = this.out;
    const resp = out.resp;
    for (const { c, argv } of held) {
      if (c.closed) continue;
      const mark = out.len;
      this.markClock();
      this.execute(c, argv);
      c.send(out.take(mark));
      this.stats.netOutputBytes += out.len - mark;
      out.truncate(mark);
      if (c.closeAfterReply) this.closeClient(c);
    }
    out.resp = resp;
  }

  /** Registers work to run on every cron tick (hz times a second). */
  onCron(fn: (now: number) => void): void {
    this.cronHooks.push(fn);
  }

  private cron(): void {
    if (this.busy !== null) return; // like Redis, no timers while a script is busy
    const now = Date.now();
    this.wallClockOffset = now - performance.now();
    for (const fn of this.cronHooks) fn(now);
    if (this.pausedUntil !== 0 && now >= this.pausedUntil) this.unpause();
    // As in Redis, each active-expire-effort step above 1 adds 2/25 to the slow cycle's time budget.
    this.keyspace.activeExpireCycle((25 + 2 * (this.config.num("active-expire-effort") - 1)) / this.config.num("hz"));
    const timeout = this.config.num("timeout");
    if (timeout > 0) {
      for (const c of this.clients.values()) {
        if (now - c.lastInteraction > timeout * 1000 && c.ext.size === 0 && !c.monitor) this.closeClient(c);
      }
    }
  }

  log(level: LogLevel, msg: string): void {
    writeLog(this.config, level, msg);
  }

  private shutdownRun: Promise<void> | null = null;

  /**
   * Runs the shutdown hooks (a save first), then closes everything. A hook
   * that fails (the save, without FORCE) aborts the shutdown, as Redis's
   * prepareForShutdown: the server goes on serving and the promise rejects.
   */
  shutdown(opts: ShutdownOptions = {}): Promise<void> {
    this.shutdownRun ??= this.runShutdown(opts).catch((e: unknown) => {
      this.shutdownRun = null;
      this.shuttingDown = false;
      this.startCron();
      throw e;
    });
    return this.shutdownRun;
  }

  private async runShutdown(opts: ShutdownOptions): Promise<void> {
    this.shuttingDown = true;
    if (this.cronTimer) clearInterval(this.cronTimer);
    for (const hook of this.shutdownHooks) await hook(opts);
    for (const l of this.listeners) l.stop(true);
    for (const c of this.clients.values()) c.socket?.end();
    await this.engine.close();
  }
}


function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

export function arityMessage(cmd: Command): string {
  return `ERR wrong number of arguments for '${cmd.name}' command`;
}

function unknownCommandMessage(argv: Uint8Array[]): string {
  let args = "";
  for (let j = 1; j < argv.length && args.length < 128; j++) {
    args += `'${truncate(cString(argv[j]), 128 - args.length)}' `;
  }
  return `ERR unknown command '${truncate(cString(argv[0]), 128)}', with args beginning with: ${args}`;
}
