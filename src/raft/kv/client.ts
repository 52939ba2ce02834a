import type { Socket } from "bun";
import { CorkedWriter } from "../transport/corked.ts";
import { FrameDecoder } from "../transport/framing.ts";
import { decodeResponse, encodeRequest, type KvRequest, type KvResponse } from "./protocol.ts";

// Pipelined client for the example KV service. Tracks the leader and retries
// requests that were definitely not executed (not_leader, connection
// refused before sending). Requests whose outcome is unknown (timeout,
// connection lost after sending) are reported as such, never retried
// silently: retrying a write could apply it twice.
export type Outcome = { kind: "ok"; resp: KvResponse } | { kind: "unknown" } | { kind: "failed" };

interface Conn {
  sock: Socket<undefined> | null;
  out: CorkedWriter | null;
  connecting: Promise<Socket<undefined> | null> | null;
  dec: FrameDecoder;
}

export class KvClient {
  private conns = new Map<number, Conn>();
  // Every request gets the same timeout, so insertion order is deadline
  // order: one sweep timer expires them from the front (a timer per request
  // was a visible share of the client's CPU).
  private waiting = new Map<number, { resolve: (r: KvResponse | null) => void; node: number; deadline: number }>();
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private nextId = 1;
  private readonly nodes: number[];
  leader: number;

  constructor(private addrs: Map<number, { host: string; port: number }>, private timeoutMs = 3000) {
    this.nodes = [...addrs.keys()];
    this.leader = this.nodes[0]!;
  }

  private conn(node: number): Promise<Socket<undefined> | null> {
    let c = this.conns.get(node);
    if (!c) this.conns.set(node, (c = { sock: null, out: null, connecting: null, dec: new FrameDecoder(false) }));
    if (c.sock) return Promise.resolve(c.sock);
    if (c.connecting) return c.connecting;
    const a = this.addrs.get(node)!;
    const cc = c;
    const self = this;
    cc.dec = new FrameDecoder(false);
    cc.connecting = Bun.connect<undefined>({
      hostname: a.host,
      port: a.port,
      socket: {
        data(_s, chunk) {
          cc.dec.push(chunk, (p) => {
            const r = decodeResponse(p);
            const w = self.waiting.get(r.id);
            if (!w) return;
            self.waiting.delete(r.id);
            w.resolve(r);
          });
        },
        drain() {
          cc.out?.drain();
        },
        close() {
          cc.sock = null;
          cc.out = null;
          // In-flight requests on this connection have unknown outcome.
          for (const [id, w] of self.waiting) {
            if (w.node === node) {
              self.waiting.delete(id);
              w.resolve(null);
            }
          }
        },
        error() {},
        connectError() {},
      },
    })
      .then((s) => {
        s.setNoDelay?.(true);
        cc.sock = s;
        cc.out = new CorkedWriter(s);
        cc.connecting = null;
        return s;
      })
      .catch(() => {
        cc.connecting = null;
        return null;
      });
    return cc.connecting;
  }

  private once(node: number, req: Omit<KvRequest, "id">): Promise<KvResponse | null | "refused"> {
    // Connected: send in this turn (no await of a resolved connection).
    const out = this.conns.get(node)?.out;
    if (out) return this.sendOn(out, node, req);
    return this.connectAndSend(node, req);
  }

  private async connectAndSend(node: number, req: Omit<KvRequest, "id">): Promise<KvResponse | null | "refused"> {
    const s = await this.conn(node);
    if (!s) return "refused";
    return this.sendOn(this.conns.get(node)!.out!, node, req);
  }

  private sendOn(out: CorkedWriter, node: number, req: Omit<KvRequest, "id">): Promise<KvResponse | null> {
    const id = this.nextId++;
    this.sweeper ??= setInterval(() => this.expire(), Math.min(100, this.timeoutMs));
    return new Promise((resolve) => {
      this.waiting.set(id, { resolve, node, deadline: performance.now() + this.timeoutMs });
      out.writeFrame(encodeRequest(req, id));
    });
  }

  private expire(): void {
    const now = performance.now();
    for (const [id, w] of this.waiting) {
      if (w.deadline > now) break;
      this.waiting.delete(id);
      w.resolve(null);
    }
    if (this.waiting.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  // Runs a request against the leader, retrying while it definitely did not
  // execute, until deadlineMs passes.
  async request(req: Omit<KvRequest, "id">, deadlineMs = 10000): Promise<Outcome> {
    const end = Date.now() + deadlineMs;
    const nodes = this.nodes;
    let attempt = 0;
    while (Date.now() < end) {
      const node = this.leader;
      const r = await this.once(node, req);
      if (r === "refused") {
        this.leader = nodes[(nodes.indexOf(node) + 1) % nodes.length]!;
        await Bun.sleep(Math.min(10 * ++attempt, 100));
        continue;
      }
      if (r === null) return { kind: "unknown" };
      if (r.err === "not_leader") {
        this.leader = r.leader && this.addrs.has(r.leader) ? r.leader : nodes[(nodes.indexOf(node) + 1) % nodes.length]!;
        if (!r.leader) await Bun.sleep(Math.min(10 * ++attempt, 100));
        continue;
      }
      if (r.err === "timeout") return { kind: "unknown" };
      if (r.err) return { kind: "failed" };
      return { kind: "ok", resp: r };
    }
    return { kind: "failed" };
  }

  close(): void {
    for (const c of this.conns.values()) c.sock?.end();
    this.conns.clear();
  }
}
