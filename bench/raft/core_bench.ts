// In-process core throughput: three RawNodes on one thread, every message
// round-tripped through the wire codec, MemoryStorage, no disk, no sockets.
//   bun bench/raft/core_bench.ts
import { RawNode } from "../../src/raft/raw_node.ts";
import { MemoryStorage } from "../../src/raft/storage/memory.ts";
import { seededRand } from "../../src/raft/rand.ts";
import { encodeMessage, decodeMessage } from "../../src/raft/transport/codec.ts";
import type { Message } from "../../src/raft/types.ts";
const st = [1,2,3].map(()=>new MemoryStorage({voters:[1,2,3],learners:[]}));
const nodes = [1,2,3].map(id => new RawNode({id, storage: st[id-1]!, electionTick: 10, heartbeatTick: 1, rand: seededRand(id), maxInflightMsgs: 256}));
const q: Message[] = [];
function pump() {
  let progress = true;
  while (progress) {
    progress = false;
    for (const n of nodes) {
      while (n.hasReady()) {
        progress = true;
        const rd = n.ready();
        if (rd.entries.length) st[n.raft.id-1]!.append(rd.entries);
        if (rd.hardState) st[n.raft.id-1]!.setHardState(rd.hardState);
        for (const m of [...rd.earlyMessages, ...rd.messages]) q.push(decodeMessage(encodeMessage(m)));
        n.advance(rd);
      }
    }
    while (q.length) { const m = q.shift()!; nodes[m.to-1]!.step(m); progress = true; }
  }
}
nodes[0]!.campaign(); pump();
const data = new Uint8Array(64);
const t0 = performance.now();
const N = 200000;
for (let i = 0; i < N; i += 256) { nodes[0]!.proposeMany(Array.from({length: 256}, () => data)); pump(); }
const ms = performance.now() - t0;
console.log("core (3 RawNodes, one thread, codec round-trip): entries/s", (N / ms * 1000).toFixed(0), "commit", nodes[0]!.raft.raftLog.committed);
