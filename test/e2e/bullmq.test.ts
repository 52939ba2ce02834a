// BullMQ, a Lua-heavy job queue, end to end against AiKv: producers adding
// single and bulk jobs, two workers, a job that fails twice and is retried
// with backoff, delayed jobs, and completed/failed events through
// QueueEvents (XREAD BLOCK on the events stream). BullMQ's scripts use
// EVALSHA with cmsgpack, sorted sets, hashes, lists and streams.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Job, Queue, QueueEvents, Worker } from "bullmq";
import { ENGINES, type RunningServer, startAikv } from "../helpers/server.ts";

for (const engine of ENGINES) {
  describe(`bullmq on AiKv (${engine})`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("jobs complete, failing jobs retry with backoff, delayed jobs wait, events arrive", async () => {
      const connection = { host: "127.0.0.1", port: srv.port, maxRetriesPerRequest: null };
      const queue = new Queue("orders", { connection });
      const events = new QueueEvents("orders", { connection });
      const attempts = new Map<string, number>();
      const processedAt = new Map<string, number>();
      const processedBy = new Set<string>();
      const process = (workerName: string) => async (job: Job) => {
        const n = (attempts.get(job.name) ?? 0) + 1;
        attempts.set(job.name, n);
        processedBy.add(workerName);
        if (job.name === "flaky" && n < 3) throw new Error(`attempt ${n} fails`);
        if (job.name === "doomed") throw new Error("always fails");
        processedAt.set(job.name, Date.now());
        return { doubled: job.data.value * 2 };
      };
      const workers = [
        new Worker("orders", process("w1"), { connection, concurrency: 4 }),
        new Worker("orders", process("w2"), { connection, concurrency: 4 }),
      ];
      const completed: string[] = [];
      const failed: { jobId: string; failedReason: string }[] = [];
      events.on("completed", ({ jobId }) => completed.push(jobId));
      events.on("failed", (e) => failed.push(e));
      try {
        await Promise.all([...workers.map((w) => w.waitUntilReady()), events.waitUntilReady()]);
        const addedAt = Date.now();
        const plain = await queue.add("plain", { value: 21 });
        const flaky = await queue.add("flaky", { value: 1 }, { attempts: 3, backoff: { type: "fixed", delay: 100 } });
        const doomed = await queue.add("doomed", { value: 0 }, { attempts: 2, backoff: { type: "exponential", delay: 50 } });
        const delayed = await queue.add("delayed", { value: 5 }, { delay: 600 });
        const bulk = await queue.addBulk(Array.from({ length: 40 }, (_, i) => ({ name: `bulk${i}`, data: { value: i } })));

        expect(await plain.waitUntilFinished(events, 10000)).toEqual({ doubled: 42 });
        expect(await flaky.waitUntilFinished(events, 10000)).toEqual({ doubled: 2 });
        expect(attempts.get("flaky")).toBe(3);
        // Two backoffs of 100 ms lie between the first attempt and the success.
        expect(processedAt.get("flaky")! - addedAt).toBeGreaterThanOrEqual(190);
        await expect(doomed.waitUntilFinished(events, 10000)).rejects.toThrow("always fails");
        expect(attempts.get("doomed")).toBe(2);
        expect(await delayed.waitUntilFinished(events, 10000)).toEqual({ doubled: 10 });
        expect(processedAt.get("delayed")! - addedAt).toBeGreaterThanOrEqual(550);
        const results = await Promise.all(bulk.map((j) => j.waitUntilFinished(events, 10000)));
        expect(results).toEqual(Array.from({ length: 40 }, (_, i) => ({ doubled: i * 2 })));

        const counts = await queue.getJobCounts("completed", "failed", "delayed", "waiting", "active");
        expect(counts).toEqual({ completed: 43, failed: 1, delayed: 0, waiting: 0, active: 0 });
        const doomedState = await queue.getJob(doomed.id!);
        expect(doomedState?.attemptsMade).toBe(2);
        expect(doomedState?.failedReason).toBe("always fails");
        expect(completed).toContain(plain.id!);
        expect(completed).toContain(delayed.id!);
        expect(failed.map((f) => f.jobId)).toContain(doomed.id!);
        expect(processedBy.size).toBe(2); // both workers took jobs
        // What BullMQ ran on the server: its scripts, and the event stream read by QueueEvents.
        const stats = await srv.client().info("commandstats");
        for (const cmd of ["evalsha", "xadd", "xread", "xtrim", "bzpopmin"]) expect(stats).toContain(`cmdstat_${cmd}:`);
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await events.close();
        await queue.close();
      }
      expect(srv.output()).not.toMatch(/internal error|warning/i);
    }, 30000);
  });
}
