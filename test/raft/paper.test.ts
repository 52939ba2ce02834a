// Tests following the Raft paper (Ongaro & Ousterhout) section by section,
// against the pure core: no I/O, messages delivered by the test harness.
import { describe, expect, test, setDefaultTimeout } from "bun:test";

// Generous: CI machines may be heavily loaded (fsync, CPU starvation).
setDefaultTimeout(60_000);
import { encode } from "@msgpack/msgpack";
import { Raft } from "../../src/raft/raft.ts";
import { RawNode } from "../../src/raft/raw_node.ts";
import { seededRand } from "../../src/raft/rand.ts";
import { MemoryStorage } from "../../src/raft/storage/memory.ts";
import { msg, type Entry } from "../../src/raft/types.ts";
import { Network, data, entriesOf, hup, newRaft, persist, prop, readMessages } from "./harness.ts";

const ent = (index: number, term: number, s = ""): Entry => ({ index, term, type: "normal", data: data(s) });

function storageWith(ents: Entry[], term: number, peers = [1, 2, 3]): MemoryStorage {
  const st = new MemoryStorage({ voters: peers, learners: [] });
  st.append(ents);
  st.setHardState({ term, vote: 0, commit: 0 });
  return st;
}

describe("§5.2 leader election", () => {
  test("follower that hears nothing for an election timeout becomes candidate and votes for itself", () => {
    const r = newRaft(1, [1, 2, 3]);
    for (let i = 0; i < 2 * r.electionTimeout; i++) r.tick();
    expect(r.state).toBe("candidate");
    expect(r.term).toBe(1);
    expect(r.vote).toBe(1);
    const votes = readMessages(r).filter((m) => m.type === "vote");
    expect(votes.map((m) => m.to).sort()).toEqual([2, 3]);
    for (const m of votes) expect(m.term).toBe(1);
  });

  test("candidate wins with a majority of votes", () => {
    for (const [size, grants, expected] of [
      [1, [], "leader"],
      [3, [2], "leader"],
      [3, [], "candidate"],
      [5, [2, 3], "leader"],
      [5, [2], "candidate"],
    ] as const) {
      const ids = Array.from({ length: size }, (_, i) => i + 1);
      const r = newRaft(1, ids);
      r.step(hup(1));
      for (const g of grants) r.step(msg({ type: "voteResp", from: g, to: 1, term: r.term }));
      expect(r.state).toBe(expected);
    }
  });

  test("candidate loses with a majority of rejections", () => {
    const r = newRaft(1, [1, 2, 3]);
    r.step(hup(1));
    r.step(msg({ type: "voteResp", from: 2, to: 1, term: 1, reject: true }));
    r.step(msg({ type: "voteResp", from: 3, to: 1, term: 1, reject: true }));
    expect(r.state).toBe("follower");
  });

  test("each server votes for at most one candidate per term (first-come-first-served)", () => {
    const r = newRaft(1, [1, 2, 3]);
    r.step(msg({ type: "vote", from: 2, to: 1, term: 1, index: 0, logTerm: 0 }));
    r.step(msg({ type: "vote", from: 3, to: 1, term: 1, index: 0, logTerm: 0 }));
    const resps = readMessages(r);
    expect(resps.map((m) => [m.to, m.reject])).toEqual([
      [2, false],
      [3, true],
    ]);
    // re-sending to the same candidate is idempotent
    r.step(msg({ type: "vote", from: 2, to: 1, term: 1, index: 0, logTerm: 0 }));
    expect(readMessages(r)[0]!.reject).toBe(false);
  });

  test("candidate steps down on an AppendEntries from a leader of the same term", () => {
    const r = newRaft(1, [1, 2, 3]);
    r.step(hup(1));
    r.step(msg({ type: "app", from: 2, to: 1, term: r.term }));
    expect(r.state).toBe("follower");
    expect(r.lead).toBe(2);
  });

  test("higher term always converts to follower", () => {
    for (const setup of ["follower", "candidate", "leader"] as const) {
      const r = newRaft(1, [1, 2, 3]);
      if (setup !== "follower") r.step(hup(1));
      if (setup === "leader") r.step(msg({ type: "voteResp", from: 2, to: 1, term: r.term }));
      expect(r.state).toBe(setup);
      const t = r.term + 5;
      r.step(msg({ type: "app", from: 2, to: 1, term: t }));
      expect(r.state).toBe("follower");
      expect(r.term).toBe(t);
    }
  });

  test("election timeouts are randomized in [et, 2et)", () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 50; seed++) {
      const r = new Raft({ id: 1, electionTick: 10, heartbeatTick: 1, storage: new MemoryStorage({ voters: [1, 2, 3], learners: [] }), rand: seededRand(seed) });
      let ticks = 0;
      while (r.state === "follower") {
        r.tick();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  test("leader sends heartbeats every heartbeat timeout", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    const l = nt.peers.get(1)!;
    readMessages(l);
    l.tick();
    const hb = readMessages(l).filter((m) => m.type === "heartbeat");
    expect(hb.map((m) => m.to).sort()).toEqual([2, 3]);
  });

  test("split vote resolves via randomized timeouts", () => {
    const nt = Network.of(5);
    nt.tickAll(200);
    const leaders = [...nt.peers.values()].filter((p) => p.state === "leader");
    expect(leaders.length).toBe(1);
  });
});

describe("§5.3 log replication", () => {
  test("leader appends client entry, replicates it and commits after a quorum acks", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    nt.send(prop(1, "hello"));
    for (const p of nt.peers.values()) {
      expect(p.raftLog.committed).toBe(2);
      expect(entriesOf(p).map((e) => e.term)).toEqual([1, 1]);
    }
  });

  test("lazyCommitBroadcast: a commit sends no empty appends; followers learn it from the next append or heartbeat", () => {
    const nt = Network.of(3, { lazyCommitBroadcast: true });
    nt.send(hup(1));
    const l = nt.peers.get(1)!;
    const emptyApps = () => nt.delivered.filter((m) => m.type === "app" && m.entries.length === 0).length;
    const before = emptyApps();
    nt.send(prop(1, "a"));
    expect(l.raftLog.committed).toBe(2);
    expect(emptyApps()).toBe(before);
    for (const id of [2, 3]) expect(nt.peers.get(id)!.raftLog.committed).toBe(1);
    // The next append carries the commit index...
    nt.send(prop(1, "b"));
    expect(l.raftLog.committed).toBe(3);
    for (const id of [2, 3]) expect(nt.peers.get(id)!.raftLog.committed).toBe(2);
    // ...and so does the next heartbeat.
    nt.send(msg({ type: "beat", from: 1, to: 1 }));
    for (const id of [2, 3]) expect(nt.peers.get(id)!.raftLog.committed).toBe(3);
    expect(emptyApps()).toBe(before);
  });

  test("entry is not committed without a quorum", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    nt.isolate(2);
    nt.isolate(3);
    nt.send(prop(1, "x"));
    expect(nt.peers.get(1)!.raftLog.committed).toBe(1);
    expect(nt.peers.get(1)!.raftLog.lastIndex()).toBe(2);
  });

  test("the leader's own log counts towards commit only once durable; appends leave before (§10.2.1)", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    const l = nt.peers.get(1)!;
    l.step(prop(1, "x")); // appended, not persisted
    const apps = l.msgs.filter((m) => m.type === "app");
    expect(apps.length).toBe(2);
    // One follower's durable ack is not a quorum while the leader's copy is unsynced...
    l.step(msg({ type: "appResp", from: 2, to: 1, term: l.term, index: 2 }));
    expect(l.raftLog.committed).toBe(1);
    // ...and is one once the leader's write completes.
    persist(l);
    expect(l.raftLog.committed).toBe(2);
  });

  test("Ready: leader appends of a durable term are early messages; votes and acks wait for persistence", () => {
    const st = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    const rn = new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage: st, rand: seededRand(1) });
    rn.campaign();
    let rd = rn.ready();
    // The vote requests carry a term that is not durable yet.
    expect(rd.earlyMessages).toEqual([]);
    expect(rd.messages.map((m) => m.type)).toEqual(["vote", "vote"]);
    expect(rd.mustSync).toBe(true);
    st.setHardState(rd.hardState!);
    rn.advance(rd);
    rn.step(msg({ type: "voteResp", from: 2, to: 1, term: rn.raft.term }));
    rd = rn.ready();
    // Leader of a durable term: the no-op's appends may go before it is persisted.
    expect(rd.earlyMessages.map((m) => m.type)).toEqual(["app", "app"]);
    expect(rd.messages).toEqual([]);
    st.append(rd.entries);
    rn.advance(rd);
    expect(rn.raft.prs.get(1)!.match).toBe(1);
    // A follower's ack is only sent after its write.
    const fst = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    const f = new RawNode({ id: 2, electionTick: 10, heartbeatTick: 1, storage: fst, rand: seededRand(2) });
    f.step({ ...rd.earlyMessages[0]! });
    const frd = f.ready();
    expect(frd.earlyMessages).toEqual([]);
    expect(frd.messages.map((m) => m.type)).toEqual(["appResp"]);
    // Once its term is durable, a follower answers heartbeats early (not
    // behind a slow fsync), while the ack of a new append still waits.
    fst.setHardState(frd.hardState!);
    fst.append(frd.entries);
    f.advance(frd);
    f.step(msg({ type: "heartbeat", from: 1, to: 2, term: rn.raft.term, commit: 1 }));
    f.step(msg({ type: "app", from: 1, to: 2, term: rn.raft.term, index: 1, logTerm: rn.raft.term, commit: 1, entries: [{ term: rn.raft.term, index: 2, type: "normal", data: data("x") }] }));
    const frd2 = f.ready();
    expect(frd2.earlyMessages.map((m) => m.type)).toEqual(["heartbeatResp"]);
    expect(frd2.messages.map((m) => [m.type, m.reject, m.index])).toEqual([["appResp", false, 2]]);
  });

  /** Node 1 of three on memory storage, and a function that persists a Ready as an application would and advances. */
  const leaderCandidateOfThree = () => {
    const st = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    const rn = new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage: st, rand: seededRand(1) });
    const persistAll = (rd: ReturnType<RawNode["ready"]>) => {
      if (rd.hardState) st.setHardState(rd.hardState);
      st.append(rd.entries);
      rn.advance(rd);
    };
    return { rn, st, persistAll };
  };

  test("takeCommitted: entries committed while a Ready is being persisted, once written to storage (a quorum holds them), never handed out twice", () => {
    const { rn, st, persistAll } = leaderCandidateOfThree();
    rn.campaign();
    persistAll(rn.ready());
    rn.step(msg({ type: "voteResp", from: 2, to: 1, term: rn.raft.term }));
    persistAll(rn.ready()); // no-op at index 1, durable
    rn.propose(data("x"));
    persistAll(rn.ready()); // x at 2, durable here
    rn.propose(data("y"));
    const pending = rn.ready(); // y at 3: written, its sync "in flight"
    expect(pending.entries.map((e) => e.index)).toEqual([3]);
    st.append(pending.entries);
    rn.propose(data("z")); // z at 4: stepped during the sync, not in storage yet
    rn.step(msg({ type: "appResp", from: 2, to: 1, term: rn.raft.term, index: 2 }));
    expect(rn.takeCommitted().map((e) => e.index)).toEqual([1, 2]);
    // y alone on the followers does not commit it: the leader counts only its durable log.
    rn.step(msg({ type: "appResp", from: 2, to: 1, term: rn.raft.term, index: 3 }));
    expect(rn.raft.raftLog.committed).toBe(2);
    expect(rn.takeCommitted()).toEqual([]);
    // Both followers hold y and z: committed on a quorum without the leader's
    // sync. y is in storage and applied now; z waits until written.
    rn.step(msg({ type: "appResp", from: 3, to: 1, term: rn.raft.term, index: 4 }));
    rn.step(msg({ type: "appResp", from: 2, to: 1, term: rn.raft.term, index: 4 }));
    expect(rn.raft.raftLog.committed).toBe(4);
    expect(rn.takeCommitted().map((e) => e.index)).toEqual([3]);
    if (pending.hardState) st.setHardState(pending.hardState);
    rn.advance(pending);
    const next = rn.ready();
    expect(next.entries.map((e) => e.index)).toEqual([4]);
    expect(next.committedEntries.map((e) => e.index)).toEqual([4]); // y is not handed out twice
  });

  test("takeEarlyMessages: appends of proposals made while a Ready is being persisted leave at once; the leader counts them only once durable", () => {
    const { rn, persistAll } = leaderCandidateOfThree();
    rn.campaign();
    const voteRd = rn.ready(); // the candidate's term is not durable yet
    rn.step(msg({ type: "voteResp", from: 2, to: 1, term: rn.raft.term }));
    expect(rn.takeEarlyMessages()).toEqual([]); // the no-op's appends: term not durable
    persistAll(voteRd);
    persistAll(rn.ready()); // no-op at index 1
    for (const from of [2, 3]) rn.step(msg({ type: "appResp", from, to: 1, term: rn.raft.term, index: 1 })); // replicate state
    persistAll(rn.ready());
    rn.propose(data("x"));
    const pending = rn.ready(); // x at 2: its sync is "in flight"
    rn.propose(data("y")); // y at 3, proposed during that sync
    const early = rn.takeEarlyMessages();
    expect(early.map((m) => [m.type, m.to, m.entries.map((e) => e.index)])).toEqual([["app", 2, [3]], ["app", 3, [3]]]);
    expect(rn.raft.msgs).toEqual([]);
    // Both followers ack y before the leader's writes finish: a quorum without the leader.
    rn.step(msg({ type: "appResp", from: 2, to: 1, term: rn.raft.term, index: 3 }));
    expect(rn.raft.raftLog.committed).toBe(1); // one follower + the unsynced leader: no quorum
    rn.step(msg({ type: "appResp", from: 3, to: 1, term: rn.raft.term, index: 3 }));
    expect(rn.raft.raftLog.committed).toBe(3);
    persistAll(pending);
    expect(rn.raft.prs.get(1)!.match).toBe(2); // y is not durable here yet
    const next = rn.ready();
    expect(next.entries.map((e) => e.index)).toEqual([3]); // y is persisted by the next Ready
    persistAll(next);
    expect(rn.raft.prs.get(1)!.match).toBe(3);
  });

  test("follower rejects AppendEntries whose prev entry does not match (consistency check)", () => {
    const st = storageWith([ent(1, 1), ent(2, 2)], 2);
    const r = newRaft(1, [1, 2, 3], 10, 1, { storage: st });
    r.step(msg({ type: "app", from: 2, to: 1, term: 3, index: 2, logTerm: 3, entries: [ent(3, 3)] }));
    const resp = readMessages(r)[0]!;
    expect(resp.reject).toBe(true);
    expect(resp.rejectHint).toBe(2);
    r.step(msg({ type: "app", from: 2, to: 1, term: 3, index: 2, logTerm: 2, entries: [ent(3, 3)] }));
    expect(readMessages(r)[0]).toMatchObject({ reject: false, index: 3 });
  });

  test("follower deletes conflicting entries and appends the leader's (log matching)", () => {
    const st = storageWith([ent(1, 1), ent(2, 2), ent(3, 2)], 2);
    const r = newRaft(1, [1, 2, 3], 10, 1, { storage: st });
    r.step(msg({ type: "app", from: 2, to: 1, term: 3, index: 1, logTerm: 1, entries: [ent(2, 3), ent(3, 3)], commit: 3 }));
    expect(entriesOf(r).map((e) => e.term)).toEqual([1, 3, 3]);
    expect(r.raftLog.committed).toBe(3);
  });

  test("leader brings divergent followers' logs in line with its own (Figure 7)", () => {
    // Leader for term 8 with the Figure 7 log; followers (a)..(f).
    const terms = (ts: number[]) => ts.map((t, i) => ent(i + 1, t));
    const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    const followers = [
      [1, 1, 1, 4, 4, 5, 5, 6, 6],
      [1, 1, 1, 4],
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
      [1, 1, 1, 4, 4, 4, 4],
      [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    ];
    for (const f of followers) {
      const lead = newRaft(1, [1, 2, 3], 10, 1, { storage: storageWith(terms(leaderLog), 8) });
      const fol = newRaft(2, [1, 2, 3], 10, 1, { storage: storageWith(terms(f), 8) });
      const other = newRaft(3, [1, 2, 3], 10, 1, { storage: storageWith(terms(leaderLog), 8) });
      const nt = new Network([lead, fol, other]);
      nt.send(hup(1));
      expect(lead.state).toBe("leader");
      nt.send(prop(1, "x"));
      expect(entriesOf(fol).map((e) => e.term)).toEqual(entriesOf(lead).map((e) => e.term));
    }
  });
});

describe("§5.4 safety", () => {
  test("election restriction: voter rejects a candidate whose log is less up-to-date", () => {
    const cases: [number, number, boolean][] = [
      // [candidate lastIndex, lastTerm, granted] vs voter log (1,1),(2,2)
      [2, 2, true],
      [3, 2, true],
      [1, 2, false],
      [5, 1, false],
      [1, 3, true],
      [1, 1, false],
    ];
    for (const [idx, term, granted] of cases) {
      const r = newRaft(1, [1, 2, 3], 10, 1, { storage: storageWith([ent(1, 1), ent(2, 2)], 2) });
      r.step(msg({ type: "vote", from: 2, to: 1, term: 3, index: idx, logTerm: term }));
      expect([idx, term, readMessages(r)[0]!.reject]).toEqual([idx, term, !granted]);
    }
  });

  test("leader never commits entries from previous terms by counting replicas (Figure 8)", () => {
    // S1 is leader in term 4 and has an entry of term 2 at index 2 which it
    // replicates to S2: that makes a majority but must not commit index 2.
    const st1 = storageWith([ent(1, 1), ent(2, 2)], 3, [1, 2, 3]);
    const r = newRaft(1, [1, 2, 3], 10, 1, { storage: st1 });
    r.step(hup(1)); // term 4
    r.step(msg({ type: "voteResp", from: 2, to: 1, term: r.term }));
    expect(r.state).toBe("leader");
    persist(r); // the no-op is durable on S1
    // S2 acks index 2 only (not the new no-op at index 3).
    r.step(msg({ type: "appResp", from: 2, to: 1, term: r.term, index: 2 }));
    expect(r.raftLog.committed).toBe(0);
    // Once the current-term no-op is replicated, everything commits.
    r.step(msg({ type: "appResp", from: 2, to: 1, term: r.term, index: 3 }));
    expect(r.raftLog.committed).toBe(3);
  });

  test("a new leader holds all committed entries (leader completeness)", () => {
    const nt = Network.of(5);
    nt.send(hup(1));
    nt.send(prop(1, "a"));
    nt.isolate(1);
    nt.send(hup(2));
    const l2 = nt.peers.get(2)!;
    expect(l2.state).toBe("leader");
    expect(entriesOf(l2).map((e) => e.term).slice(0, 2)).toEqual([1, 1]);
  });

  test("a stale leader cannot commit (and steps down when it hears of the new term)", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    nt.isolate(1);
    nt.send(prop(1, "lost"));
    nt.send(hup(2));
    nt.send(prop(2, "kept"));
    nt.recover();
    nt.send(msg({ type: "beat", from: 1, to: 1 }));
    nt.send(msg({ type: "beat", from: 2, to: 2 }));
    const old = nt.peers.get(1)!;
    expect(old.state).toBe("follower");
    const strs = entriesOf(old).map((e) => new TextDecoder().decode(e.data));
    expect(strs).not.toContain("lost");
    expect(strs).toContain("kept");
  });

  test("appending a conflicting entry below commit trips the invariant assertion", () => {
    const r = newRaft(1, [1, 2, 3], 10, 1, { storage: storageWith([ent(1, 1), ent(2, 1)], 1) });
    r.raftLog.commitTo(2);
    // A well-formed leader never sends this; the core refuses loudly instead
    // of silently rewriting committed history. Stale appends (index below
    // commit) are answered, not asserted on.
    r.step(msg({ type: "app", from: 2, to: 1, term: 2, index: 0, logTerm: 0, entries: [ent(1, 2)] }));
    expect(readMessages(r)[0]).toMatchObject({ type: "appResp", index: 2, reject: false });
    expect(() => r.raftLog.maybeAppend(1, 1, 2, [ent(2, 2)])).toThrow(/conflicts with committed/);
  });
});

describe("§6 membership changes", () => {
  const cc = (type: "addNode" | "addLearner" | "removeNode", nodeId: number) =>
    msg({ type: "prop", from: 1, to: 1, entries: [{ term: 0, index: 0, type: "conf", data: encode({ type, nodeId }) }] });

  function leaderWithApplied(): Network {
    const nt = Network.of(3);
    nt.send(hup(1));
    for (const p of nt.peers.values()) p.raftLog.appliedTo(p.raftLog.committed);
    return nt;
  }

  test("conf change is refused before the leader's no-op is applied", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    const l = nt.peers.get(1)!;
    nt.send(cc("addNode", 4));
    const last = entriesOf(l).at(-1)!;
    expect(last.type).toBe("normal"); // turned into a no-op
    expect(last.data.length).toBe(0);
  });

  test("only one conf change may be pending at a time", () => {
    const nt = leaderWithApplied();
    const l = nt.peers.get(1)!;
    nt.send(cc("addNode", 4));
    nt.send(cc("addNode", 5));
    const types = entriesOf(l).slice(1).map((e) => e.type);
    expect(types).toEqual(["conf", "normal"]);
  });

  test("adding a node changes the quorum once applied", () => {
    const nt = leaderWithApplied();
    const l = nt.peers.get(1)!;
    l.applyConfChange({ type: "addNode", nodeId: 4 });
    l.applyConfChange({ type: "addNode", nodeId: 5 });
    nt.isolate(2);
    nt.send(prop(1, "x"));
    // quorum is now 3 of 5; only 1 and 3 are reachable (4, 5 don't exist)
    expect(l.raftLog.committed).toBe(1);
  });

  test("removing a node shrinks the quorum and commits pending entries", () => {
    const nt = leaderWithApplied();
    const l = nt.peers.get(1)!;
    nt.isolate(2);
    nt.isolate(3);
    nt.send(prop(1, "x"));
    expect(l.raftLog.committed).toBe(1);
    l.applyConfChange({ type: "removeNode", nodeId: 2 });
    expect(l.raftLog.committed).toBe(1);
    l.applyConfChange({ type: "removeNode", nodeId: 3 });
    expect(l.raftLog.committed).toBe(2);
  });

  test("learners receive the log but do not vote or count towards the quorum", () => {
    const ids = [1, 2, 3];
    const rafts = [newRaft(1, [1, 2], 10, 1, {}, [3]), newRaft(2, [1, 2], 10, 1, {}, [3]), newRaft(3, [1, 2], 10, 1, {}, [3])];
    void ids;
    const nt = new Network(rafts);
    nt.send(hup(1));
    nt.send(prop(1, "x"));
    expect(rafts[2]!.raftLog.committed).toBe(2);
    // learner can't campaign
    nt.send(hup(3));
    expect(rafts[2]!.state).toBe("follower");
    // leader commits with the voter alone even if the learner is gone
    nt.isolate(3);
    nt.send(prop(1, "y"));
    expect(rafts[0]!.raftLog.committed).toBe(3);
    // and cannot commit with only the learner
    nt.recover();
    nt.isolate(2);
    nt.send(prop(1, "z"));
    expect(rafts[0]!.raftLog.committed).toBe(3);
  });

  test("a removed leader steps down", () => {
    const nt = leaderWithApplied();
    const l = nt.peers.get(1)!;
    l.applyConfChange({ type: "removeNode", nodeId: 1 });
    expect(l.state).toBe("follower");
    expect(l.promotable()).toBe(false);
  });

  test("a node does not campaign while a committed conf change is unapplied", () => {
    const nt = leaderWithApplied();
    nt.send(cc("addNode", 4));
    const f = nt.peers.get(2)!;
    expect(f.raftLog.committed).toBe(2);
    f.step(hup(2));
    expect(f.state).toBe("follower");
  });
});

describe("§7 log compaction", () => {
  test("lagging follower is caught up by a chunked InstallSnapshot", () => {
    const stores = [1, 2, 3].map(() => new MemoryStorage({ voters: [1, 2, 3], learners: [] }));
    const rafts = [1, 2, 3].map((id) => newRaft(id, [1, 2, 3], 10, 1, { storage: stores[id - 1]!, snapshotChunkSize: 4 }));
    const nt = new Network(rafts);
    nt.send(hup(1));
    nt.isolate(3);
    for (let i = 0; i < 5; i++) nt.send(prop(1, `v${i}`));
    const l = rafts[0]!;
    // The harness persisted the leader's log; compact it.
    const snapData = data("0123456789abcdefghij"); // 20 bytes -> 5 chunks
    stores[0]!.createSnapshot(6, { voters: [1, 2, 3], learners: [] }, snapData);
    stores[0]!.compact(6);
    nt.recover();
    // follower 3 must be probed after it acks a heartbeat
    l.prs.get(3)!.recentActive = true;
    nt.send(msg({ type: "beat", from: 1, to: 1 }));
    const snaps = nt.delivered.filter((m) => m.type === "snap");
    expect(snaps.length).toBe(5);
    expect(snaps.map((m) => m.snapshot!.offset)).toEqual([0, 4, 8, 12, 16]);
    const f = rafts[2]!;
    expect(f.raftLog.committed).toBe(6);
    expect(stores[2]!.snapshot().data).toEqual(snapData);
    expect(l.prs.get(3)!.state).toBe("replicate");
  });

  test("out-of-order snapshot chunk is rejected with the received offset", () => {
    const r = newRaft(2, [1, 2, 3]);
    const meta = { index: 10, term: 2, conf: { voters: [1, 2, 3], learners: [] } };
    r.step(msg({ type: "snap", from: 1, to: 2, term: 2, snapshot: { meta, offset: 0, total: 8, data: data("abcd"), done: false } }));
    expect(readMessages(r)[0]).toMatchObject({ type: "snapResp", rejectHint: 4, reject: false });
    r.step(msg({ type: "snap", from: 1, to: 2, term: 2, snapshot: { meta, offset: 6, total: 8, data: data("gh"), done: true } }));
    expect(readMessages(r)[0]).toMatchObject({ type: "snapResp", rejectHint: 4, reject: true });
    r.step(msg({ type: "snap", from: 1, to: 2, term: 2, snapshot: { meta, offset: 4, total: 8, data: data("efgh"), done: true } }));
    expect(readMessages(r)[0]).toMatchObject({ type: "appResp", index: 10 });
    expect(r.raftLog.committed).toBe(10);
  });

  test("a node added after the leader's snapshot installs it, then learns its membership from the log (seed 323)", () => {
    // Node 4 was added at an index above the leader's latest snapshot, whose
    // configuration therefore lacks it. Refusing the snapshot deadlocked a
    // cluster whose quorum needed node 4.
    const r = newRaft(4, [1, 2, 3]);
    const meta = { index: 10, term: 2, conf: { voters: [1, 2, 3], learners: [] } };
    r.step(msg({ type: "snap", from: 1, to: 4, term: 2, snapshot: { meta, offset: 0, total: 1, data: data("x"), done: true } }));
    expect(readMessages(r)[0]).toMatchObject({ type: "appResp", index: 10 });
    expect(r.raftLog.committed).toBe(10);
    expect(r.promotable()).toBe(false);
    r.applyConfChange({ type: "addNode", nodeId: 4 });
    expect(r.promotable()).toBe(true);
  });

  test("a stale snapshot is ignored", () => {
    const r = newRaft(2, [1, 2, 3], 10, 1, { storage: storageWith([ent(1, 1), ent(2, 1), ent(3, 1)], 1) });
    r.raftLog.commitTo(3);
    const meta = { index: 2, term: 1, conf: { voters: [1, 2, 3], learners: [] } };
    r.step(msg({ type: "snap", from: 1, to: 2, term: 1, snapshot: { meta, offset: 0, total: 1, data: data("x"), done: true } }));
    expect(readMessages(r)[0]).toMatchObject({ type: "appResp", index: 3 });
    expect(r.raftLog.unstable.snapshot).toBeUndefined();
  });
});

describe("§8 client interaction", () => {
  test("a new leader appends a no-op entry of its term", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    const e = entriesOf(nt.peers.get(1)!);
    expect(e).toHaveLength(1);
    expect(e[0]!.term).toBe(1);
    expect(e[0]!.data.length).toBe(0);
  });

  test("ReadIndex is delayed until the leader commits an entry in its term", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    const l = nt.peers.get(1)!;
    // Simulate the no-op not being committed yet
    nt.isolate(2);
    nt.isolate(3);
    nt.send(hup(1)); // no-op: already leader
    const r2 = newRaft(1, [1, 2, 3]);
    r2.becomeCandidate();
    r2.becomeLeader();
    r2.step(msg({ type: "readIndex", from: 1, to: 1, context: "r1" }));
    expect(r2.readStates).toEqual([]);
    r2.step(msg({ type: "appResp", from: 2, to: 1, term: r2.term, index: 1 }));
    // committed now: the read goes out with a heartbeat round
    const hb = readMessages(r2).filter((m) => m.type === "heartbeat" && m.context === "r1");
    expect(hb.length).toBe(2);
    r2.step(msg({ type: "heartbeatResp", from: 2, to: 1, term: r2.term, context: "r1" }));
    expect(r2.readStates).toEqual([{ index: 1, context: "r1" }]);
    void l;
  });

  test("ReadIndex requires a quorum of heartbeat acks", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    nt.isolate(2);
    nt.isolate(3);
    const l = nt.peers.get(1)!;
    nt.send(msg({ type: "readIndex", from: 1, to: 1, context: "x" }));
    expect(l.readStates).toEqual([]);
    nt.recover();
    nt.send(msg({ type: "readIndex", from: 1, to: 1, context: "y" }));
    // the later ack also confirms the earlier request
    expect(l.readStates.map((r) => r.context)).toEqual(["x", "y"]);
  });

  test("ReadIndex from a follower is forwarded and answered", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    nt.send(msg({ type: "readIndex", from: 2, to: 2, context: "f" }));
    expect(nt.peers.get(2)!.readStates).toEqual([{ index: 1, context: "f" }]);
  });

  test("lease-based reads answer without a heartbeat round while the lease holds", () => {
    const nt = Network.of(3, { checkQuorum: true, readOnlyOption: "leaseBased" });
    nt.send(hup(1));
    const l = nt.peers.get(1)!;
    // No acked heartbeat yet: no lease, falls back to a ReadIndex round.
    expect(l.leaseValid()).toBe(false);
    nt.send(msg({ type: "beat", from: 1, to: 1 }));
    expect(l.leaseValid()).toBe(true);
    nt.isolate(2);
    nt.isolate(3);
    nt.send(msg({ type: "readIndex", from: 1, to: 1, context: "l" }));
    expect(l.readStates).toEqual([{ index: 1, context: "l" }]);
    // The lease runs out after leaseTicks without acks, strictly before the
    // followers' election timeout lets them vote for someone else.
    for (let i = 0; i < l.leaseTicks; i++) {
      l.tick();
      readMessages(l);
    }
    expect(l.leaseTicks).toBeLessThan(l.electionTimeout);
    expect(l.leaseValid()).toBe(false);
    nt.send(msg({ type: "readIndex", from: 1, to: 1, context: "late" }));
    expect(l.readStates.map((r) => r.context)).toEqual(["l"]);
  });

  test("leadership transfer revokes the lease for the rest of the term", () => {
    const nt = Network.of(3, { checkQuorum: true, readOnlyOption: "leaseBased" });
    nt.send(hup(1));
    nt.send(msg({ type: "beat", from: 1, to: 1 }));
    const l = nt.peers.get(1)!;
    nt.isolate(3); // TimeoutNow never arrives
    nt.send(msg({ type: "transferLeader", from: 3, to: 1 }));
    expect(l.leaseValid()).toBe(false);
  });

  test("a restarted CheckQuorum node refuses votes for one election timeout (protects leases)", () => {
    const r = newRaft(2, [1, 2, 3], 10, 1, { checkQuorum: true });
    r.step(msg({ type: "vote", from: 3, to: 2, term: 5, index: 0, logTerm: 0 }));
    expect(readMessages(r)).toEqual([]);
    for (let i = 0; i < 10; i++) r.tick();
    readMessages(r);
    r.step(msg({ type: "vote", from: 3, to: 2, term: 5, index: 5, logTerm: 5 }));
    expect(readMessages(r).find((m) => m.type === "voteResp")?.reject).toBe(false);
  });

  test("leadership transfer via TimeoutNow", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    nt.send(prop(1, "x"));
    nt.send(msg({ type: "transferLeader", from: 3, to: 1 }));
    expect(nt.peers.get(3)!.state).toBe("leader");
    expect(nt.peers.get(1)!.state).toBe("follower");
  });

  test("leadership transfer to a lagging follower first catches it up", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    nt.isolate(3);
    nt.send(prop(1, "x"));
    nt.recover();
    nt.send(msg({ type: "transferLeader", from: 3, to: 1 }));
    expect(nt.peers.get(3)!.state).toBe("leader");
    expect(entriesOf(nt.peers.get(3)!).length).toBe(3);
  });

  test("proposals are dropped during a leadership transfer", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    nt.isolate(3);
    const l = nt.peers.get(1)!;
    nt.send(msg({ type: "transferLeader", from: 3, to: 1 }));
    const before = l.raftLog.lastIndex();
    nt.send(prop(1, "dropped"));
    expect(l.raftLog.lastIndex()).toBe(before);
  });
});

describe("PreVote and CheckQuorum (§9.6, dissertation §6.2)", () => {
  test("a partitioned node with PreVote does not bump its term or disrupt the leader on rejoin", () => {
    const nt = Network.of(3, { preVote: true });
    nt.send(hup(1));
    nt.isolate(3);
    for (let i = 0; i < 5; i++) nt.send(hup(3));
    expect(nt.peers.get(3)!.term).toBe(1);
    nt.send(prop(1, "while-partitioned"));
    nt.recover();
    nt.send(hup(3));
    expect(nt.peers.get(1)!.state).toBe("leader");
    expect(nt.peers.get(1)!.term).toBe(1);
  });

  test("PreVote is rejected when the candidate's log is behind", () => {
    const nt = Network.of(3, { preVote: true });
    nt.send(hup(1));
    nt.isolate(3);
    nt.send(prop(1, "x"));
    nt.recover();
    nt.isolate(1);
    nt.send(hup(3));
    // node 2 rejected, node 1 is unreachable: no election, no term bump
    expect(nt.peers.get(3)!.state).toBe("preCandidate");
    expect(nt.peers.get(3)!.term).toBe(1);
    expect(nt.peers.get(2)!.term).toBe(1);
  });

  test("CheckQuorum: a leader that loses contact with the quorum steps down", () => {
    const nt = Network.of(3, { checkQuorum: true });
    nt.send(hup(1));
    const l = nt.peers.get(1)!;
    nt.isolate(1);
    for (let i = 0; i < 2 * l.electionTimeout + 1; i++) {
      l.tick();
      readMessages(l);
    }
    expect(l.state).toBe("follower");
  });

  test("CheckQuorum: followers within the leader lease ignore vote requests", () => {
    const nt = Network.of(3, { checkQuorum: true });
    nt.send(hup(1));
    const f = nt.peers.get(2)!;
    f.step(msg({ type: "vote", from: 3, to: 2, term: 5, index: 10, logTerm: 5 }));
    expect(f.term).toBe(1);
    expect(readMessages(f)).toEqual([]);
  });
});

describe("flow control", () => {
  test("replicate state pipelines up to the inflight window, then pauses", () => {
    const r = newRaft(1, [1, 2], 10, 1, { maxInflightMsgs: 3, maxSizePerMsg: 1 });
    r.becomeCandidate();
    r.becomeLeader();
    r.step(msg({ type: "appResp", from: 2, to: 1, term: r.term, index: 1 }));
    readMessages(r);
    expect(r.prs.get(2)!.state).toBe("replicate");
    for (let i = 0; i < 10; i++) r.step(prop(1, `p${i}`));
    const apps = readMessages(r).filter((m) => m.type === "app" && m.entries.length > 0);
    expect(apps.length).toBe(3);
    r.step(msg({ type: "appResp", from: 2, to: 1, term: r.term, index: apps[0]!.entries.at(-1)!.index }));
    expect(readMessages(r).filter((m) => m.type === "app").length).toBe(1);
  });

  test("inflight window is bounded by bytes too", () => {
    const r = newRaft(1, [1, 2], 10, 1, { maxInflightMsgs: 100, maxInflightBytes: 200, maxSizePerMsg: 1 });
    r.becomeCandidate();
    r.becomeLeader();
    r.step(msg({ type: "appResp", from: 2, to: 1, term: r.term, index: 1 }));
    readMessages(r);
    for (let i = 0; i < 10; i++) r.step(prop(1, "x".repeat(76))); // 100 bytes each
    const apps = readMessages(r).filter((m) => m.type === "app" && m.entries.length > 0);
    expect(apps.length).toBe(2);
  });

  test("probe state sends one append per heartbeat until acked", () => {
    const r = newRaft(1, [1, 2], 10, 1);
    r.becomeCandidate();
    r.becomeLeader();
    readMessages(r);
    r.step(prop(1, "a"));
    r.step(prop(1, "b"));
    expect(readMessages(r).filter((m) => m.type === "app").length).toBe(1);
  });

  test("batching: several entries travel in one append", () => {
    const nt = Network.of(3);
    nt.send(hup(1));
    nt.isolate(2);
    for (let i = 0; i < 5; i++) nt.send(prop(1, `e${i}`));
    nt.recover();
    nt.delivered = [];
    nt.send(msg({ type: "beat", from: 1, to: 1 }));
    const batch = nt.delivered.filter((m) => m.type === "app" && m.to === 2).map((m) => m.entries.length);
    expect(Math.max(...batch)).toBeGreaterThanOrEqual(5);
  });
});
