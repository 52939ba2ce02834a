import { expect, test, setDefaultTimeout } from "bun:test";

// Generous: CI machines may be heavily loaded (fsync, CPU starvation).
setDefaultTimeout(60_000);
import { MultiRaft, type Envelope } from "../../src/raft/multi.ts";
import { MemoryStorage } from "../../src/raft/storage/memory.ts";

test("multi-raft: 3 nodes x 20 groups elect, replicate, and coalesce heartbeats per peer", () => {
  const G = 20;
  const ids = [1, 2, 3];
  const stores = new Map<string, MemoryStorage>();
  const hosts = ids.map((id) => {
    const h = new MultiRaft(id, { electionTick: 10, heartbeatTick: 1, preVote: true, checkQuorum: true });
    for (let g = 1; g <= G; g++) {
      const st = new MemoryStorage({ voters: ids, learners: [] });
      stores.set(`${id}/${g}`, st);
      h.addGroup(g, st);
    }
    return h;
  });
  let envelopes = 0;
  let heartbeats = 0;
  const pump = () => {
    for (let round = 0; round < 100; round++) {
      const out: Envelope[] = [];
      for (const h of hosts) {
        if (!h.hasReady()) continue;
        const mr = h.ready();
        for (const [g, rd] of mr.readies) {
          const st = stores.get(`${h.id}/${g}`)!;
          if (rd.entries.length) st.append(rd.entries);
          if (rd.hardState) st.setHardState(rd.hardState);
        }
        out.push(...mr.envelopes);
        h.advance(mr);
      }
      if (out.length === 0) return;
      for (const e of out) {
        envelopes++;
        heartbeats += e.hb.length;
        // at most one envelope per (from, to) per round
        hosts[e.to - 1]!.step(e);
      }
    }
  };
  for (let t = 0; t < 60; t++) {
    for (const h of hosts) h.tick();
    pump();
  }
  // Every group has exactly one leader, and messages carry group ids.
  for (let g = 1; g <= G; g++) {
    const leaders = hosts.filter((h) => h.group(g)!.raft.state === "leader");
    expect(leaders.length).toBe(1);
  }
  // Propose in every group on its leader and check replication.
  for (let g = 1; g <= G; g++) {
    const l = hosts.find((h) => h.group(g)!.raft.state === "leader")!;
    l.group(g)!.propose(new TextEncoder().encode(`g${g}`));
  }
  pump();
  for (let t = 0; t < 3; t++) {
    for (const h of hosts) h.tick();
    pump();
  }
  for (const h of hosts) for (let g = 1; g <= G; g++) expect(h.group(g)!.raft.raftLog.committed).toBeGreaterThanOrEqual(2);
  // Coalescing: heartbeats of many groups rode in far fewer envelopes.
  expect(heartbeats).toBeGreaterThan(envelopes);
});
