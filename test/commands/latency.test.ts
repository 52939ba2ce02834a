import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { LatencyHistogram } from "../../src/observability/latency-histogram.ts";
import { ENGINES, hasRedisServer, startAikv, startRedis, type RunningServer } from "../helpers/server.ts";

async function reply(r: Redis, ...args: (string | number)[]): Promise<unknown> {
  try {
    return await r.call(String(args[0]), ...args.slice(1));
  } catch (e) {
    return `ERR:${(e as Error).message}`;
  }
}

test("histogram buckets and percentiles follow HdrHistogram's layout (as Redis reports them)", () => {
  const h = new LatencyHistogram();
  h.record(57_000);
  expect(h.valueAtPercentile(50)).toBe(57_087);
  const cdf = new LatencyHistogram();
  for (const us of [1, 30, 60]) cdf.record(us * 1000);
  expect(cdf.cumulative().map(([ns, n]) => [Math.floor(ns / 1000), n])).toEqual([[1, 1], [33, 2], [66, 3]]);
});

// High enough that only DEBUG SLEEP, not a JIT warm-up or GC pause, makes a spike.
const ARGS = ["--latency-monitor-threshold", "40", "--enable-debug-command", "yes"];

for (const engine of ENGINES) {
  describe(`LATENCY (${engine})`, () => {
    let srv: RunningServer;
    let redis: RunningServer | null = null;
    beforeAll(async () => {
      [srv, redis] = await Promise.all([startAikv(["--engine", engine, ...ARGS]), hasRedisServer() ? startRedis(ARGS) : null]);
    });
    afterAll(async () => {
      await Promise.all([srv.stop(), redis?.stop()]);
    });

    const both = async (...args: (string | number)[]) => {
      const ours = await reply(srv.client(), ...args);
      return { ours, theirs: redis ? await reply(redis.client(), ...args) : ours };
    };

    test("no spikes yet: LATEST, HISTORY, GRAPH, DOCTOR, HELP and errors equal redis-server's", async () => {
      await both("latency", "reset");
      for (const args of [["latest"], ["history", "command"], ["graph", "command"], ["doctor"], ["help"], ["reset"], ["foo"], ["history"]]) {
        const { ours, theirs } = await both("latency", ...args);
        expect(ours).toEqual(theirs);
      }
    });

    test("a slow command is recorded as a spike, graphed like Redis and reset", async () => {
      // The two servers' samples are the same, so their replies must be too.
      await both("latency", "reset");
      await both("debug", "sleep", "0.05");
      const latest = await both("latency", "latest");
      const [[event, time, ms, max]] = latest.ours as [string, number, number, number][];
      expect(event).toBe("command");
      expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(3);
      expect(ms).toBeGreaterThanOrEqual(50);
      expect(max).toBe(ms);
      const shape = (v: unknown) => (v as unknown[][]).map((e) => e.length);
      expect(shape((await both("latency", "history", "command")).ours)).toEqual([2]);
      const graph = await both("latency", "graph", "command");
      // Durations and the sample's age (a vertical "0/1 s" label: it can tick between the two servers) vary.
      const normalize = (g: unknown) =>
        String(g)
          .replace(/\d+ ms/g, "N ms")
          .split("\n")
          .map((line) => (/^\d+$/.test(line) ? "D" : line))
          .join("\n");
      expect(normalize(graph.ours)).toBe(normalize(graph.theirs));
      expect(String((await both("latency", "doctor")).ours)).toContain("1. command: 1 latency spikes");
      const reset = await both("latency", "reset", "command", "nosuch");
      expect(reset.ours).toBe(1);
      expect(reset.ours).toEqual(reset.theirs);
      expect((await both("latency", "latest")).ours).toEqual([]);
    });

    test("HISTOGRAM and INFO latencystats", async () => {
      const r = srv.client();
      for (let i = 0; i < 5; i++) await r.set("lat:k", "v");
      await r.call("client", "id");
      const hist = (await r.call("latency", "histogram", "set", "client", "nosuch")) as unknown[];
      expect(hist[0]).toBe("set");
      const set = hist[1] as unknown[];
      expect(set.slice(0, 3)).toEqual(["calls", 5, "histogram_usec"]);
      const cdf = set[3] as number[];
      expect(cdf.length % 2).toBe(0);
      expect(cdf.at(-1)).toBe(5);
      expect(hist).toContain("client|id");
      const info = (await r.info("latencystats")) as string;
      expect(info).toMatch(/^# Latencystats\r\n/);
      expect(info).toMatch(/\r\nlatency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
      expect(await r.info()).not.toContain("Latencystats");
      expect(await r.info("everything")).toContain("# Latencystats");
    });
  });
}

test("CONFIG RESETSTAT clears command stats and latency histograms, not the slow log", async () => {
  const srv = await startAikv(["--slowlog-log-slower-than", "0"]);
  try {
    const r = srv.client();
    await r.set("k", "v");
    expect(await r.info("latencystats")).toContain("latency_percentiles_usec_set:");
    expect(await r.call("config", "resetstat")).toBe("OK");
    const info = await r.info("everything");
    expect(info).not.toContain("cmdstat_set:");
    expect(info).not.toContain("latency_percentiles_usec_set:");
    expect(await r.call("latency", "histogram", "set")).toEqual([]);
    expect(Number(await r.call("slowlog", "len"))).toBeGreaterThan(0);
  } finally {
    await srv.stop();
  }
});
