// More of BullMQ against AiKv: priorities, a paused queue, the rate limiter,
// progress events and job logs, parent/child flows, and obliterate. Each
// exercises other Lua scripts (and their use of sorted sets, streams, MULTI
// and key scans) than the basic queue test.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FlowProducer, type Job, Queue, QueueEvents, Worker } from "bullmq";
import { ENGINES, type RunningServer, startAikv } from "../helpers/server.ts";

for (const engine of ENGINES) {
  describe(`bullmq extras on AiKv (${engine})`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("priorities, pause/resume, rate limiter, progress, logs, flows, obliterate", async () => {
      const connection = { host: "127.0.0.1", port: srv.port, maxRetriesPerRequest: null };
      const queue = new Queue("extras", { connection });
      const events = new QueueEvents("extras", { connection });
      const flow = new FlowProducer({ connection });
      const order: string[] = [];
      const progress: unknown[] = [];
      let worker: Worker | null = null;
      try {
        await events.waitUntilReady();
        events.on("progress", ({ data }) => progress.push(data));
        await queue.pause();
        await queue.add("low", {}, { priority: 10 });
        await queue.add("high", {}, { priority: 1 });
        await queue.add("mid", {}, { priority: 5 });
        worker = new Worker(
          "extras",
          async (job: Job) => {
            order.push(job.name);
            await job.updateProgress(50);
            await job.log(`log ${job.name}`);
            return job.name;
          },
          { connection, concurrency: 1, limiter: { max: 50, duration: 1000 } },
        );
        await worker.waitUntilReady();
        await Bun.sleep(100);
        expect(order).toEqual([]); // paused
        await queue.resume();
        for (let i = 0; i < 200 && order.length < 3; i++) await Bun.sleep(20);
        expect(order).toEqual(["high", "mid", "low"]);

        const tree = await flow.add({
          name: "parent",
          queueName: "extras",
          data: {},
          children: [
            { name: "child1", queueName: "extras", data: {} },
            { name: "child2", queueName: "extras", data: {} },
          ],
        });
        expect(await tree.job.waitUntilFinished(events, 10000)).toBe("parent");
        expect(order.indexOf("parent")).toBeGreaterThan(Math.max(order.indexOf("child1"), order.indexOf("child2")));
        expect(Object.values(await tree.job.getChildrenValues()).sort()).toEqual(["child1", "child2"]);
        expect(progress).toContain(50);
        expect((await queue.getJobLogs(tree.job.id!)).logs).toEqual(["log parent"]);
        expect(await queue.getJobCounts("completed")).toEqual({ completed: 6 });

        await worker.close();
        await queue.obliterate({ force: true });
        // The rate limiter's key expires by itself (redis-server leaves it too).
        const left = await srv.client().keys("bull:extras:*");
        expect(left.filter((k) => !k.endsWith(":limiter"))).toEqual([]);
      } finally {
        await worker?.close();
        await flow.close();
        await events.close();
        await queue.close();
      }
    }, 30000);
  });
}
