import { type RaftConfig } from "./raft.ts";
import { seededRand } from "./rand.ts";
import { RawNode, type Ready } from "./raw_node.ts";
import type { Storage } from "./storage/storage.ts";
import { msg, type Message } from "./types.ts";

// Multi-raft host: many raft groups on one node. Every message carries its
// group id; heartbeats and heartbeat responses of all groups going to the
// same peer are coalesced into one compact list per envelope, so a node
// with G groups and P peers sends P envelopes per heartbeat interval
// instead of G*P messages.

// [group, term, commit, context | null]
export type HeartbeatTuple = [number, number, number, string | null];

export interface Envelope {
  from: number;
  to: number;
  msgs: Message[]; // everything except heartbeats
  hb: HeartbeatTuple[];
  hbResp: HeartbeatTuple[];
}

export type GroupConfig = Omit<RaftConfig, "id" | "group" | "storage" | "rand">;

export interface MultiReady {
  // Per-group Ready: persist every group's entries/hardState/snapshot
  // before sending any envelope, then apply, then advance(multiReady).
  readies: Map<number, Ready>;
  envelopes: Envelope[];
}

export class MultiRaft {
  private groups = new Map<number, RawNode>();
  private seedCounter = 0;

  constructor(
    readonly id: number,
    private base: GroupConfig,
    private seed = id,
  ) {}

  addGroup(group: number, storage: Storage, applied?: number, overrides: Partial<RaftConfig> = {}): RawNode {
    const rn = new RawNode({
      ...this.base,
      ...overrides,
      id: this.id,
      group,
      storage,
      applied,
      rand: seededRand((this.seed * 1000003 + group * 7919 + this.seedCounter++) >>> 0),
    });
    this.groups.set(group, rn);
    return rn;
  }

  removeGroup(group: number): void {
    this.groups.delete(group);
  }

  group(g: number): RawNode | undefined {
    return this.groups.get(g);
  }

  groupIds(): number[] {
    return [...this.groups.keys()];
  }

  tick(): void {
    for (const g of this.groups.values()) g.tick();
  }

  // Unpacks an envelope into per-group messages.
  step(env: Envelope): void {
    for (const m of env.msgs) this.groups.get(m.group)?.step(m);
    for (const [group, term, commit, ctx] of env.hb) {
      const m = msg({ type: "heartbeat", group, from: env.from, to: env.to, term, commit });
      if (ctx !== null) m.context = ctx;
      this.groups.get(group)?.step(m);
    }
    for (const [group, term, , ctx] of env.hbResp) {
      const m = msg({ type: "heartbeatResp", group, from: env.from, to: env.to, term });
      if (ctx !== null) m.context = ctx;
      this.groups.get(group)?.step(m);
    }
  }

  hasReady(): boolean {
    for (const g of this.groups.values()) if (g.hasReady()) return true;
    return false;
  }

  ready(): MultiReady {
    const readies = new Map<number, Ready>();
    const byPeer = new Map<number, Envelope>();
    const env = (to: number): Envelope => {
      let e = byPeer.get(to);
      if (!e) byPeer.set(to, (e = { from: this.id, to, msgs: [], hb: [], hbResp: [] }));
      return e;
    };
    for (const [gid, g] of this.groups) {
      if (!g.hasReady()) continue;
      const rd = g.ready();
      readies.set(gid, rd);
      // Envelopes go out after the host persisted every group's Ready, so
      // early (leader) messages simply travel with the rest.
      for (const m of [...rd.earlyMessages, ...rd.messages]) {
        if (m.type === "heartbeat") env(m.to).hb.push([gid, m.term, m.commit, m.context ?? null]);
        else if (m.type === "heartbeatResp") env(m.to).hbResp.push([gid, m.term, 0, m.context ?? null]);
        else env(m.to).msgs.push(m);
      }
    }
    return { readies, envelopes: [...byPeer.values()] };
  }

  advance(mr: MultiReady): void {
    for (const [gid, rd] of mr.readies) this.groups.get(gid)?.advance(rd);
  }
}
