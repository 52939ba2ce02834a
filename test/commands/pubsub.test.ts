// Pub/Sub across several connections: delivery to channel, pattern and shard
// subscribers, exact RESP2/RESP3 frames (recorded from redis-server 7.0.15),
// the RESP2 subscribed-mode rules, PUBSUB introspection, cleanup on
// disconnect and RESET, and disconnection of a subscriber that stops reading.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createConnection } from "node:net";
import { ENGINES, rawConnect, startAikv, type RunningServer } from "../helpers/server.ts";

const ONLY_SUBSCRIBE = "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

async function until(cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await Bun.sleep(20);
  }
}

for (const engine of ENGINES) {
  describe(`pub/sub (${engine})`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("PUBLISH reaches channel and pattern subscribers and counts receivers", async () => {
      const pub = srv.client();
      const a = srv.client();
      const b = srv.client();
      const got: string[] = [];
      a.on("message", (ch: string, msg: string) => got.push(`a ${ch} ${msg}`));
      b.on("pmessage", (p: string, ch: string, msg: string) => got.push(`b ${p} ${ch} ${msg}`));
      await a.subscribe("news", "sport");
      await b.psubscribe("n*", "*s");
      expect(await pub.publish("news", "hello")).toBe(3); // a, and b twice (both patterns match)
      expect(await pub.publish("sport", "goal")).toBe(1);
      expect(await pub.publish("nothing", "x")).toBe(1);
      expect(await pub.publish("other", "x")).toBe(0);
      await until(async () => got.length === 5);
      expect(got.sort()).toEqual(
        ["a news hello", "a sport goal", "b *s news hello", "b n* news hello", "b n* nothing x"].sort(),
      );
    });

    test("RESP2 frames and subscribed-mode rules, as redis-server replies", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("UNSUBSCRIBE\r\nSUBSCRIBE\r\nSUBSCRIBE c1 c1\r\nPSUBSCRIBE c*\r\nGET x\r\nPING\r\nPING hi\r\nMULTI\r\nCONFIG GET x\r\n");
      expect(await conn.read()).toBe(
        "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n" +
          "-ERR wrong number of arguments for 'subscribe' command\r\n" +
          "*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n" +
          "*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n" +
          `-ERR Can't execute 'get': ${ONLY_SUBSCRIBE}\r\n` +
          "*2\r\n$4\r\npong\r\n$0\r\n\r\n*2\r\n$4\r\npong\r\n$2\r\nhi\r\n" +
          `-ERR Can't execute 'multi': ${ONLY_SUBSCRIBE}\r\n` +
          `-ERR Can't execute 'config|get': ${ONLY_SUBSCRIBE}\r\n`,
      );
      await srv.client().publish("c1", "m1");
      expect(await conn.read()).toBe("*3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$2\r\nm1\r\n*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n$2\r\nm1\r\n");
      conn.send("UNSUBSCRIBE c1 nosuch\r\nPUNSUBSCRIBE\r\nGET x\r\n");
      expect(await conn.read()).toBe(
        "*3\r\n$11\r\nunsubscribe\r\n$2\r\nc1\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$6\r\nnosuch\r\n:1\r\n" +
          "*3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:0\r\n$-1\r\n",
      );
      conn.close();
    });

    test("RESP3: confirmations and messages are pushes, other commands still work", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("HELLO 3\r\n");
      await conn.readReplies(1);
      conn.send("SUBSCRIBE c3\r\nUNSUBSCRIBE nosuch\r\nGET nokey\r\nPING\r\n");
      expect(await conn.readReplies(4)).toBe(
        ">3\r\n$9\r\nsubscribe\r\n$2\r\nc3\r\n:1\r\n>3\r\n$11\r\nunsubscribe\r\n$6\r\nnosuch\r\n:1\r\n_\r\n+PONG\r\n",
      );
      await srv.client().publish("c3", "bin\x00ary");
      expect(await conn.read()).toBe(">3\r\n$7\r\nmessage\r\n$2\r\nc3\r\n$7\r\nbin\x00ary\r\n");
      // Publishing to itself: the message comes before the PUBLISH reply, as in Redis.
      conn.send("GET nokey\r\nPUBLISH c3 me\r\nUNSUBSCRIBE\r\nUNSUBSCRIBE\r\n");
      expect(await conn.read()).toBe(
        "_\r\n>3\r\n$7\r\nmessage\r\n$2\r\nc3\r\n$2\r\nme\r\n:1\r\n>3\r\n$11\r\nunsubscribe\r\n$2\r\nc3\r\n:0\r\n" +
          ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n",
      );
      conn.close();
    });

    test("shard channels: SSUBSCRIBE/SPUBLISH, a separate namespace with its own count", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("SUBSCRIBE s1\r\nSSUBSCRIBE s1 s2\r\nSUNSUBSCRIBE s2\r\n");
      expect(await conn.read()).toBe(
        "*3\r\n$9\r\nsubscribe\r\n$2\r\ns1\r\n:1\r\n*3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n" +
          "*3\r\n$10\r\nssubscribe\r\n$2\r\ns2\r\n:2\r\n*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns2\r\n:1\r\n",
      );
      const pub = srv.client();
      expect(await pub.spublish("s1", "sm")).toBe(1);
      expect(await pub.publish("s1", "m")).toBe(1);
      expect(await pub.spublish("s2", "none")).toBe(0);
      expect(await conn.read()).toBe("*3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$2\r\nsm\r\n*3\r\n$7\r\nmessage\r\n$2\r\ns1\r\n$1\r\nm\r\n");
      expect(await pub.call("PUBSUB", "SHARDCHANNELS")).toEqual(["s1"]);
      expect(await pub.call("PUBSUB", "SHARDNUMSUB", "s1", "s2")).toEqual(["s1", 1, "s2", 0]);
      conn.close();
    });

    test("PUBSUB CHANNELS/NUMSUB/NUMPAT, INFO and CLIENT LIST fields; cleanup on disconnect and RESET", async () => {
      const r = srv.client();
      const sub = srv.client();
      await sub.subscribe("chan:a", "chan:b", "other");
      await sub.psubscribe("chan:*");
      expect(((await r.call("PUBSUB", "CHANNELS", "chan:*")) as string[]).sort()).toEqual(["chan:a", "chan:b"]);
      expect(await r.call("PUBSUB", "CHANNELS")).toEqual(expect.arrayContaining(["chan:a", "chan:b", "other"]));
      expect(await r.call("PUBSUB", "NUMSUB", "chan:a", "nope")).toEqual(["chan:a", 1, "nope", 0]);
      const patterns = Number(await r.call("PUBSUB", "NUMPAT"));
      const channels = ((await r.call("PUBSUB", "CHANNELS")) as string[]).length;
      const stats = await r.info("stats");
      expect(stats).toContain(`pubsub_channels:${channels}\r\n`);
      expect(stats).toContain(`pubsub_patterns:${patterns}\r\n`);
      const line = ((await r.client("LIST")) as string).split("\n").find((l) => l.includes(" sub=3 "));
      expect(line).toMatch(/flags=P .* sub=3 psub=1 ssub=0 /);
      sub.disconnect();
      await until(async () => (await r.call("PUBSUB", "NUMPAT")) === patterns - 1);
      expect(await r.call("PUBSUB", "NUMSUB", "chan:a")).toEqual(["chan:a", 0]);

      const conn = await rawConnect(srv.port);
      conn.send("SUBSCRIBE x\r\nRESET\r\nGET nokey\r\n");
      expect(await conn.read()).toBe("*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n+RESET\r\n$-1\r\n");
      expect(await r.call("PUBSUB", "NUMSUB", "x")).toEqual(["x", 0]);
      conn.close();
    });

    test("PUBSUB errors and HELP", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("PUBSUB CHANNELS a b\r\nPUBSUB NUMPAT x\r\nPUBSUB foo\r\nPUBLISH a\r\n");
      expect(await conn.read()).toBe(
        "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n" +
          "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n" +
          "-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n" +
          "-ERR wrong number of arguments for 'publish' command\r\n",
      );
      conn.close();
      const help = (await srv.client().call("PUBSUB", "HELP")) as string[];
      expect(help.length).toBe(14);
      expect(help[0]).toBe("PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    });

    test("a subscriber that stops reading is disconnected at its output buffer limit", async () => {
      const r = srv.client();
      await r.config("SET", "client-output-buffer-limit", "pubsub 1mb 512kb 60");
      const slow = createConnection({ host: "127.0.0.1", port: srv.port });
      await new Promise<void>((resolve) => slow.once("connect", () => resolve()));
      let closed = false;
      slow.on("close", () => (closed = true));
      slow.on("error", () => {});
      slow.write("SUBSCRIBE firehose\r\n");
      const subscribers = async () => ((await r.call("PUBSUB", "NUMSUB", "firehose")) as [string, number])[1];
      await until(async () => (await subscribers()) === 1);
      slow.pause(); // stops reading: the kernel buffers fill, then AiKv's queue grows
      const payload = "z".repeat(64 * 1024);
      for (let round = 0; round < 20 && (await subscribers()) > 0; round++) {
        const p = r.pipeline();
        for (let i = 0; i < 32; i++) p.publish("firehose", payload);
        await p.exec();
      }
      expect(await r.call("PUBSUB", "NUMSUB", "firehose")).toEqual(["firehose", 0]);
      slow.resume();
      await until(async () => closed);
      await r.config("SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60");
    });
  });
}
