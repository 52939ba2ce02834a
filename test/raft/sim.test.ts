import { describe, expect, test } from "bun:test";
import { Sim, simConfig } from "./sim.ts";

const LONG = process.env.AIKV_LONG === "1";
// AIKV_SIM_STEPS replays a seed found by bench/raft/sim_seeds.ts with its step count.
const STEPS = Number(process.env.AIKV_SIM_STEPS ?? (LONG ? 3000 : 1200));
const configFor = (seed: number) => simConfig(seed, STEPS);
const ONLY = process.env.AIKV_SIM_SEED ? Number(process.env.AIKV_SIM_SEED) : undefined;

function runSeed(seed: number) {
  try {
    return new Sim(configFor(seed)).run();
  } catch (e) {
    // Print the seed so the failure can be replayed exactly.
    console.error(`SIM FAILURE seed=${seed}; reproduce with AIKV_SIM_SEED=${seed} bun test test/raft/sim.test.ts`);
    throw e;
  }
}

describe("deterministic simulation", () => {
  if (ONLY !== undefined) {
    test(`seed ${ONLY}`, () => {
      const r = runSeed(ONLY);
      console.log(JSON.stringify(r.stats), r.history.length, "ops");
    }, 300_000);
    return;
  }

  // Seeds that failed in long runs (bench/raft/sim_seeds.ts), with their
  // step counts: 323 = a node added after the leader's latest snapshot
  // refused that snapshot (not in its configuration) -> no quorum, no newer
  // snapshot, no progress; 40146 = the checker's leader-completeness check
  // demanded an entry committed in term 83 from a stale candidate that won
  // term 81 with a delayed vote (legal Raft; the check now covers entries
  // committed in earlier terms only).
  test("regression seeds", () => {
    for (const [seed, steps] of [[323, 3000], [40146, 3000]] as const) new Sim(simConfig(seed, steps)).run();
  }, 300_000);

  test("file-backed storage under the same faults (20 seeds)", () => {
    for (let seed = 10_001; seed <= 10_020; seed++) {
      try {
        new Sim({ ...configFor(seed), storage: "file", steps: 600 }).run();
      } catch (e) {
        console.error(`SIM FAILURE (file storage) seed=${seed}`);
        throw e;
      }
    }
  }, 300_000);

  test("same seed reproduces byte for byte", () => {
    const a = new Sim(configFor(7)).run();
    const b = new Sim(configFor(7)).run();
    expect(a.traceHash).toBe(b.traceHash);
    expect(JSON.stringify(a.history)).toBe(JSON.stringify(b.history));
  }, 300_000);

  const SEEDS = LONG ? 3000 : 300;
  const BATCH = 25;
  for (let start = 1; start <= SEEDS; start += BATCH) {
    test(`seeds ${start}..${start + BATCH - 1}`, () => {
      let ops = 0;
      let committed = 0;
      for (let s = start; s < start + BATCH; s++) {
        const r = runSeed(s);
        ops += r.history.length;
        committed += r.stats.committed;
      }
      expect(ops).toBeGreaterThan(0);
      expect(committed).toBeGreaterThan(0);
    }, LONG ? 1_800_000 : 300_000);
  }
});
