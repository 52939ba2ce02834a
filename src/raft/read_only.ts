import type { Message } from "./types.ts";

// Pending ReadIndex requests (§6.4 of the Raft dissertation). A request is
// served once a quorum acked a heartbeat carrying its context, proving that
// the leader was still the leader when the read index was taken.
export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<number>;
}

export class ReadOnly {
  private pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  addRequest(index: number, m: Message): void {
    const ctx = m.context ?? "";
    if (this.pending.has(ctx)) return;
    this.pending.set(ctx, { req: m, index, acks: new Set() });
    this.queue.push(ctx);
  }

  recvAck(id: number, ctx: string): Set<number> | undefined {
    const rs = this.pending.get(ctx);
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  // Dequeues every request up to and including ctx: an ack for a later
  // heartbeat also confirms leadership for the earlier requests.
  advance(ctx: string): ReadIndexStatus[] {
    const i = this.queue.indexOf(ctx);
    if (i < 0) return [];
    const keys = this.queue.splice(0, i + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of keys) {
      const rs = this.pending.get(k);
      if (rs) out.push(rs);
      this.pending.delete(k);
    }
    return out;
  }

  lastPendingRequestCtx(): string | undefined {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1] : undefined;
  }

  pendingCount(): number {
    return this.queue.length;
  }
}
