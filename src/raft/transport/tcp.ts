import type { Socket, TCPSocketListener } from "bun";
import type { Message } from "../types.ts";
import { decodeBatchPayload, encodeBatchPayload } from "./codec.ts";
import { FrameBuffer, FrameDecoder } from "./framing.ts";

// Raft peer transport over TCP (Bun.listen / Bun.connect).
// - one outbound connection per peer, used only for sending; inbound
//   connections are only read from (simple, no connection races);
// - each frame carries a batch (Message[]) for one peer;
// - per-peer send queue bounded in bytes: when full, messages are dropped
//   (Raft tolerates loss; an unbounded queue to a dead peer would not);
// - reconnect with exponential backoff; close() shuts everything down.

export interface PeerAddr {
  host: string;
  port: number;
}

export interface TcpTransportOptions {
  id: number;
  host?: string;
  port?: number; // 0 = pick a free port
  peers?: Map<number, PeerAddr>;
  maxQueueBytes?: number;
  onMessage: (m: Message) => void;
  onUnreachable?: (peer: number) => void;
}

interface InState {
  dec: FrameDecoder;
}

class PeerConn {
  sock: Socket<undefined> | null = null;
  connecting = false;
  outbox: Message[] = []; // sent this event-loop turn, framed together at its end
  queue = new FrameBuffer(); // frames not written to the socket yet
  backoff = 20;
  timer: ReturnType<typeof setTimeout> | null = null;
  dropped = 0;
  constructor(readonly id: number, public addr: PeerAddr) {}
}

export class TcpTransport {
  private server: TCPSocketListener<InState> | null = null;
  private peers = new Map<number, PeerConn>();
  private closed = false;
  private inbound = new Set<Socket<InState>>();
  private pendingPeers = new Set<PeerConn>();
  private flushScheduled = false;
  readonly maxQueueBytes: number;

  constructor(private o: TcpTransportOptions) {
    this.maxQueueBytes = o.maxQueueBytes ?? 64 << 20;
    for (const [id, a] of o.peers ?? []) this.addPeer(id, a);
  }

  listen(): number {
    const self = this;
    this.server = Bun.listen<InState>({
      hostname: this.o.host ?? "127.0.0.1",
      port: this.o.port ?? 0,
      socket: {
        open(s) {
          s.data = { dec: new FrameDecoder() };
          s.setNoDelay?.(true);
          self.inbound.add(s);
        },
        data(s, chunk) {
          try {
            s.data.dec.push(chunk, (payload) => {
              for (const m of decodeBatchPayload(payload)) self.o.onMessage(m);
            });
          } catch {
            s.end(); // garbage on the wire: drop the connection
          }
        },
        close(s) {
          self.inbound.delete(s);
        },
        error(s) {
          self.inbound.delete(s);
        },
      },
    });
    return this.server.port;
  }

  addPeer(id: number, addr: PeerAddr): void {
    if (id === this.o.id) return;
    const p = this.peers.get(id);
    if (p) p.addr = addr;
    else this.peers.set(id, new PeerConn(id, addr));
  }

  removePeer(id: number): void {
    const p = this.peers.get(id);
    if (!p) return;
    this.peers.delete(id);
    if (p.timer) clearTimeout(p.timer);
    p.sock?.end();
  }

  // Queues messages for their peers. Everything sent to a peer during one
  // event-loop turn leaves as one frame and one socket write at the end of
  // the turn (a host sends several times per turn: early appends, messages
  // after a sync, replies to each stepped message), in order.
  send(msgs: Message[]): void {
    if (this.closed || msgs.length === 0) return;
    for (const m of msgs) {
      const p = this.peers.get(m.to);
      if (!p) continue;
      p.outbox.push(m);
      this.pendingPeers.add(p);
    }
    if (!this.flushScheduled && this.pendingPeers.size > 0) {
      this.flushScheduled = true;
      queueMicrotask(this.flushOutboxes);
    }
  }

  private readonly flushOutboxes = (): void => {
    this.flushScheduled = false;
    for (const p of this.pendingPeers) {
      const ms = p.outbox;
      p.outbox = [];
      if (this.closed || ms.length === 0 || this.peers.get(p.id) !== p) continue;
      const payload = encodeBatchPayload(ms);
      if (p.queue.size + 4 + payload.length > this.maxQueueBytes) {
        p.dropped += ms.length;
        this.o.onUnreachable?.(p.id);
        continue;
      }
      p.queue.push(payload);
      this.flush(p);
    }
    this.pendingPeers.clear();
  };

  private flush(p: PeerConn): void {
    if (!p.sock) {
      this.connect(p);
      return;
    }
    // What the kernel does not take waits for the drain callback; a closed
    // socket's close handler reconnects.
    p.queue.writeTo(p.sock);
  }

  private connect(p: PeerConn): void {
    if (p.connecting || p.sock || p.timer || this.closed) return;
    p.connecting = true;
    const self = this;
    const onDown = () => {
      p.sock = null;
      p.connecting = false;
      if (self.closed || !self.peers.has(p.id)) return;
      // Stale messages to a dead peer are useless to Raft; don't let them
      // pile up across reconnects beyond the byte bound.
      self.o.onUnreachable?.(p.id);
      if (!p.timer) {
        p.timer = setTimeout(() => {
          p.timer = null;
          if (p.queue.size > 0) self.connect(p);
        }, p.backoff);
        p.backoff = Math.min(p.backoff * 2, 1000);
      }
    };
    Bun.connect<undefined>({
      hostname: p.addr.host,
      port: p.addr.port,
      socket: {
        open(s) {
          p.sock = s;
          p.connecting = false;
          p.backoff = 20;
          s.setNoDelay?.(true);
          self.flush(p);
        },
        drain() {
          self.flush(p);
        },
        data() {},
        close() {
          onDown();
        },
        error() {
          onDown();
        },
        connectError() {
          onDown();
        },
      },
    }).catch(() => onDown());
  }

  stats(): Map<number, { queuedBytes: number; dropped: number; connected: boolean }> {
    const out = new Map<number, { queuedBytes: number; dropped: number; connected: boolean }>();
    for (const [id, p] of this.peers) out.set(id, { queuedBytes: p.queue.size, dropped: p.dropped, connected: p.sock !== null });
    return out;
  }

  close(): void {
    this.closed = true;
    for (const p of this.peers.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.sock?.end();
      p.sock = null;
    }
    for (const s of this.inbound) s.end();
    this.inbound.clear();
    this.server?.stop(true);
    this.server = null;
  }
}
