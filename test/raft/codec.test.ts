import { Encoder } from "@msgpack/msgpack";
import { expect, test } from "bun:test";
import { decodeBatchPayload, decodeMessage, encodeBatchPayload, encodeMessage } from "../../src/raft/transport/codec.ts";
import { randInt, seededRand } from "../../src/raft/rand.ts";
import { msg, type Entry, type Message, type MessageType } from "../../src/raft/types.ts";

// The wire layout (see codec.ts) as plain arrays, for the msgpack Encoder:
// the reference the direct writer's bytes must equal.
const TYPES: MessageType[] = [
  "hup", "beat", "checkQuorum", "unreachable", "snapStatus", "prop", "readIndex", "readIndexResp",
  "transferLeader", "app", "appResp", "vote", "voteResp", "preVote", "preVoteResp", "snap", "snapResp",
  "heartbeat", "heartbeatResp", "timeoutNow",
];
function referenceWire(m: Message): unknown[] {
  const w: unknown[] = [
    TYPES.indexOf(m.type), m.group, m.from, m.to, m.term, m.logTerm, m.index, m.commit, m.rejectHint, m.reject,
    m.entries.flatMap((e) => [e.term, e.index, e.type === "conf" ? 1 : 0, e.data]),
  ];
  const s = m.snapshot;
  if (s) w.push([s.meta.index, s.meta.term, s.meta.conf.voters, s.meta.conf.learners, s.offset, s.total, s.data, s.done]);
  if (m.context !== undefined) {
    if (!s) w.push(null);
    w.push(m.context);
  }
  return w;
}

// Numbers across every msgpack uint width, data of every bin header size.
function randomMessages(seed: number): Message[] {
  const r = seededRand(seed);
  const num = () => [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 100][randInt(r, 11)]! + (randInt(r, 2) ? 0 : randInt(r, 100));
  const bytes = () => {
    const n = [0, 1, 90, 255, 256, 65536][randInt(r, 6)]!;
    return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
  };
  return Array.from({ length: 1 + randInt(r, 20) }, () => {
    const entries: Entry[] = Array.from({ length: [0, 1, 15, 16, 300][randInt(r, 5)]! }, () => ({
      term: num(), index: num(), type: randInt(r, 4) === 0 ? "conf" : "normal", data: randInt(r, 3) === 0 ? bytes() : new Uint8Array(randInt(r, 100)),
    }));
    const m = msg({
      type: TYPES[randInt(r, TYPES.length)]!, group: num(), from: num(), to: num(), term: num(), logTerm: num(), index: num(),
      commit: num(), rejectHint: num(), reject: randInt(r, 2) === 0, entries,
    });
    if (randInt(r, 4) === 0) {
      m.snapshot = {
        meta: { index: num(), term: num(), conf: { voters: [1, 2, 300], learners: randInt(r, 2) ? [] : [70000] } },
        offset: num(), total: num(), data: bytes(), done: randInt(r, 2) === 0,
      };
    }
    if (randInt(r, 4) === 0) m.context = ["r1", "transfer", "é€".repeat(randInt(r, 40))][randInt(r, 3)]!;
    return m;
  });
}

test("raft codec: the direct writer's bytes are the msgpack Encoder's; decoded back equal", () => {
  const encoder = new Encoder();
  for (let seed = 1; seed <= 20; seed++) {
    const msgs = randomMessages(seed);
    const payload = encodeBatchPayload(msgs).slice();
    expect(payload).toEqual(encoder.encode(msgs.map(referenceWire)));
    expect(decodeBatchPayload(payload)).toEqual(msgs);
    const one = encodeMessage(msgs[0]!);
    expect(one).toEqual(encoder.encode(referenceWire(msgs[0]!)));
    expect(decodeMessage(one)).toEqual(msgs[0]!);
  }
});

test("raft codec: another msgpack encoding of a batch (integers as floats) is decoded by the msgpack Decoder", () => {
  const msgs = randomMessages(7);
  const payload = new Encoder({ forceIntegerToFloat: true }).encode(msgs.map(referenceWire));
  expect(payload).not.toEqual(encodeBatchPayload(msgs).slice());
  expect(decodeBatchPayload(payload)).toEqual(msgs);
});

test("raft codec: a field that is not a non-negative integer is an invariant violation, not silently re-encoded", () => {
  expect(() => encodeBatchPayload([msg({ type: "app", term: -1 })])).toThrow("not a non-negative integer");
  expect(() => encodeBatchPayload([msg({ type: "app", index: 1.5 })])).toThrow("not a non-negative integer");
});
