import { expect, test } from "bun:test";
import { Network, hup, prop } from "./harness.ts";

test("smoke: elect and replicate", () => {
  const nt = Network.of(3);
  nt.send(hup(1));
  const l = nt.peers.get(1)!;
  expect(l.state).toBe("leader");
  nt.send(prop(1, "x"));
  for (const p of nt.peers.values()) expect(p.raftLog.committed).toBe(2);
});
