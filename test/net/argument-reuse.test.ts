// The parser reuses short argument copies once their command ran (resp-parser
// recycle): values a write kept (Server.handsOver: SET, MSET, HSET, LPUSH...)
// must never be reused, and later commands of the same pipeline, with
// arguments of the same lengths, must not change what earlier ones stored.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { encodeCommand } from "../differential/resp-client.ts";
import { ENGINES, rawConnect, startAikv, type RunningServer } from "../helpers/server.ts";

function command(...args: string[]): string {
  return encodeCommand(args).toString("latin1");
}

/** Commands whose 4-byte arguments take the reused copies (values of the same length as the kept ones). */
function churn(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const v = String(1000 + i);
    s += command("SET", "zzzz", v) + command("ECHO", v) + command("GET", "zzzz") + command("SADD", "ssss", v, "yyyy");
    s += command("HGET", "hhhh", v) + command("ZADD", "zset", "1", v) + command("MGET", v, v, v);
  }
  return s;
}

const CHURN_REPLIES = 7;

for (const engine of ENGINES) {
  describe(`argument reuse (${engine})`, () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startAikv(["--engine", engine, "--save", ""]);
    });
    afterAll(async () => {
      await server.stop();
    });

    test("values kept by writes survive later commands of the same read and of later reads", async () => {
      const conn = await rawConnect(server.port);
      const writes =
        command("SET", "k:aa", "v1xx") +
        command("MSET", "m:01", "AAAA", "m:02", "BBBB", "m:03", "CCCC") +
        command("HSET", "h:aa", "f1ff", "F111", "f2ff", "F222") +
        command("LPUSH", "l:aa", "E111", "E222") +
        command("RPUSH", "l:aa", "E333") +
        command("HSETNX", "h:aa", "f3ff", "F333") +
        command("SETNX", "k:bb", "v2xx") +
        command("GETSET", "k:cc", "v3xx");
      const reads =
        command("GET", "k:aa") +
        command("MGET", "m:01", "m:02", "m:03") +
        command("HGETALL", "h:aa") +
        command("LRANGE", "l:aa", "0", "-1") +
        command("MGET", "k:bb", "k:cc");
      const expected =
        "$4\r\nv1xx\r\n" +
        "*3\r\n$4\r\nAAAA\r\n$4\r\nBBBB\r\n$4\r\nCCCC\r\n" +
        "*6\r\n$4\r\nf1ff\r\n$4\r\nF111\r\n$4\r\nf2ff\r\n$4\r\nF222\r\n$4\r\nf3ff\r\n$4\r\nF333\r\n" +
        "*3\r\n$4\r\nE222\r\n$4\r\nE111\r\n$4\r\nE333\r\n" +
        "*2\r\n$4\r\nv2xx\r\n$4\r\nv3xx\r\n";
      const n = 50;
      // One read: the writes, commands reusing their arguments' copies, the reads.
      conn.send(writes + churn(n) + reads);
      const replies = await conn.readReplies(8 + CHURN_REPLIES * n + 5);
      expect(replies.endsWith(expected)).toBe(true);
      // And in a later read, after more reuse.
      conn.send(churn(n) + reads);
      expect((await conn.readReplies(CHURN_REPLIES * n + 5)).endsWith(expected)).toBe(true);
      conn.close();
    });

    test("commands queued by MULTI keep their arguments until EXEC", async () => {
      const conn = await rawConnect(server.port);
      conn.send(command("MULTI") + command("SET", "q:aa", "Q111") + command("GET", "q:aa") + churn(3) + command("EXEC") + command("GET", "q:aa"));
      const replies = await conn.readReplies(1 + 2 + CHURN_REPLIES * 3 + 2);
      expect(replies.endsWith("$4\r\nQ111\r\n")).toBe(true);
      expect(replies).toContain("+OK\r\n$4\r\nQ111\r\n");
      conn.close();
    });
  });
}
