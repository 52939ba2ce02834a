import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ENGINES, rawConnect, startAikv, type RunningServer } from "../helpers/server.ts";

for (const engine of ENGINES) {
  describe(`server basics (${engine})`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("PING, SET, GET through ioredis", async () => {
      const r = srv.client();
      expect(await r.ping()).toBe("PONG");
      expect(await r.set("k", "v")).toBe("OK");
      expect(await r.get("k")).toBe("v");
    });

    test("binary-safe keys and values", async () => {
      const r = srv.client();
      const key = Buffer.from([0, 255, 128, 10, 13]);
      const val = Buffer.from([1, 2, 0, 200, 250]);
      await r.set(key, val);
      expect(Buffer.compare((await r.getBuffer(key))!, val)).toBe(0);
    });

    test("unknown command and arity errors have Redis's wording", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("foo a b\r\nget\r\n");
      expect(await conn.read()).toBe(
        "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n-ERR wrong number of arguments for 'get' command\r\n",
      );
      conn.close();
    });

    test("pipelined commands split at every byte parse the same", async () => {
      const conn = await rawConnect(srv.port);
      const stream = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nx\r\nPING\r\n";
      for (const ch of stream) conn.send(ch);
      expect(await conn.read(300)).toBe("+OK\r\n$5\r\nhello\r\n+PONG\r\n");
      conn.close();
    });

    test("protocol error replies and closes the connection", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("*1\r\n$x\r\n");
      expect(await conn.read()).toBe("-ERR Protocol error: invalid bulk length\r\n");
      expect(conn.closed()).toBe(true);
    });
  });
}
