// A connected client: protocol state, selected database, output queue and
// the per-connection settings that CLIENT and HELLO change.

import type { Socket } from "bun";
import type { Db } from "../keyspace/keyspace.ts";
import type { Server } from "../server.ts";
import type { ReplyBuffer } from "./reply.ts";
import { concatBytes } from "./bytes.ts";
import { RespParser } from "./resp-parser.ts";

export type ReplyMode = "on" | "off" | "skip";

export class Client {
  readonly id: number;
  readonly parser: RespParser;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  db: Db;
  resp: 2 | 3 = 2;
  name = "";
  libName = "";
  libVer = "";
  authenticated: boolean;
  user = "default";
  replyMode: ReplyMode = "on";
  /** Set after SKIP: the next command's reply is dropped. */
  skipNext = false;
  noEvict = false;
  noTouch = false;
  /** Last command name run, for CLIENT LIST "cmd=". */
  lastCommand = "NULL";
  /** Bytes written to the socket but not accepted yet (backpressure). */
  private outQueue: Uint8Array[] = [];
  outQueueBytes = 0;
  /** Reading paused because the output queue is over its limit. */
  readPaused = false;
  /** Close after the pending output is written (QUIT, protocol errors). */
  closeAfterReply = false;
  closed = false;
  /** Flags letters for CLIENT LIST (e.g. "M" monitor, "b" blocked, "x" in MULTI). */
  monitor = false;
  /** Waiting in a blocking command (BLPOP...): its further input is held until unblocked (keyspace/blocking.ts). */
  blocked = false;
  /** The client scripts' redis.call runs as (Redis's CLIENT_SCRIPT); set by the scripting VM. */
  isScript = false;
  /** This client's replies waiting in the server's shared buffer, [deferredStart, deferredEnd) (0: none; Server.deferReplies). */
  deferredStart = 0;
  deferredEnd = 0;
  totalNetIn = 0;
  totalNetOut = 0;
  commandsProcessed = 0;
  /** Generic per-subsystem state slots, keyed by subsystem (MULTI, pub/sub, blocking...). */
  readonly ext = new Map<string, unknown>();

  constructor(
    readonly server: Server,
    readonly socket: Socket<Client> | null,
    id: number,
  ) {
    this.id = id;
    this.parser = new RespParser(server.parserLimits);
    this.db = server.keyspace.dbs[0];
    this.authenticated = server.config.str("requirepass") === "";
  }

  /** The shared reply buffer, set to this client's protocol. */
  get out(): ReplyBuffer {
    return this.server.out;
  }

  get addr(): string {
    return this.socket ? `${this.socket.remoteAddress}:${this.socket.remotePort}` : "";
  }

  get laddr(): string {
    return this.socket ? `${this.socket.localAddress}:${this.socket.localPort}` : "";
  }

  /**
   * Sends bytes to the socket (behind any output held for durability); what
   * the kernel doesn't take is queued (copied) and sent on drain.
   */
  send(bytes: Uint8Array, immutable = false): void {
    if (this.deferredEnd !== 0) this.server.sendDeferred(this);
    if (this.closed || this.socket === null || bytes.length === 0) return;
    if (this.held.length > 0) {
      this.held[this.held.length - 1].parts.push(immutable ? bytes : bytes.slice());
      return;
    }
    this.transmit(bytes, immutable);
  }

  /**
   * Output waiting for writes to become durable (appendfsync always), oldest
   * first. Like Redis, which fsyncs before it writes any reply, nothing is
   * sent ahead of it: later output (the next replies, an unblocked BLPOP's
   * reply, a push message) joins the newest entry and goes out after it.
   */
  private held: { parts: Uint8Array[]; durable: boolean; then: (() => void) | null }[] = [];

  /** Sends bytes once `durable` resolves, after all output held before; if it rejects (the writes are lost) the connection is closed. */
  sendWhenDurable(bytes: Uint8Array, durable: Promise<void>): void {
    if (this.deferredEnd !== 0) this.server.sendDeferred(this);
    if (this.closed || this.socket === null) return;
    const entry = { parts: bytes.length > 0 ? [bytes.slice()] : [], durable: false, then: null };
    this.held.push(entry);
    durable.then(
      () => {
        entry.durable = true;
        this.releaseHeld();
      },
      () => this.server.closeClient(this),
    );
  }

  /** Runs fn once the output sent so far has left the held queue (at once if nothing is held). */
  afterHeldOutput(fn: () => void): void {
    if (this.held.length === 0) fn();
    else this.held[this.held.length - 1].then = fn;
  }

  private releaseHeld(): void {
    while (this.held.length > 0 && this.held[0].durable) {
      const entry = this.held.shift()!;
      for (const part of entry.parts) this.transmit(part, true);
      entry.then?.();
    }
  }

  private transmit(bytes: Uint8Array, immutable: boolean): void {
    if (this.closed) return;
    this.totalNetOut += bytes.length;
    // `immutable`: bytes nobody will overwrite (a pub/sub frame shared by all subscribers) are kept without a copy.
    if (this.corked !== null) {
      this.corked.push(immutable ? bytes : bytes.slice());
      return;
    }
    this.write(bytes, immutable);
  }

  /** Output held until the current task ends (see cork). */
  private corked: Uint8Array[] | null = null;

  /**
   * Holds what is sent to this client until the current task ends, then
   * writes it at once, in order: the pub/sub messages of a pipelined read cost
   * a subscriber one write instead of one each (Redis too writes a client's
   * output once per event-loop turn).
   */
  cork(): void {
    if (this.corked !== null || this.socket === null) return;
    this.corked = [];
    queueMicrotask(() => {
      const parts = this.corked!;
      this.corked = null;
      if (this.closed) return;
      this.write(parts.length === 1 ? parts[0] : concatBytes(parts), true);
    });
  }

  private write(bytes: Uint8Array, immutable: boolean): void {
    if (this.outQueue.length > 0) {
      this.enqueue(immutable ? bytes : bytes.slice());
      return;
    }
    const written = this.socket!.write(bytes);
    if (written < 0) return; // closed underneath us; close() will follow
    if (written < bytes.length) this.enqueue(immutable ? bytes.subarray(written) : bytes.slice(written));
  }

  private enqueue(bytes: Uint8Array): void {
    this.outQueue.push(bytes);
    this.outQueueBytes += bytes.length;
    this.server.onOutputQueued(this);
  }

  /** Called on drain: writes as much of the queue as the socket takes. */
  flushQueue(): void {
    const socket = this.socket;
    if (socket === null) return;
    while (this.outQueue.length > 0) {
      const head = this.outQueue[0];
      const written = socket.write(head);
      if (written < 0) return;
      if (written < head.length) {
        this.outQueue[0] = head.subarray(written);
        this.outQueueBytes -= written;
        return;
      }
      this.outQueue.shift();
      this.outQueueBytes -= head.length;
    }
    this.server.onOutputDrained(this);
  }

  get hasPendingOutput(): boolean {
    return this.outQueue.length > 0;
  }
}
