// Under appendfsync always a reply waits for the fsync of the writes before
// it; output produced meanwhile (a blocking command's timeout, another
// client's wake-up, the next read event's replies) must queue behind it, so
// replies stay in command order and none acknowledges data not yet on disk.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { rawConnect, startAikv, type RunningServer } from "../../helpers/server.ts";

let srv: RunningServer;
beforeAll(async () => {
  srv = await startAikv(["--engine", "lsm", "--appendfsync", "always"]);
}, 60000);
afterAll(async () => {
  await srv.stop();
}, 60000);

/** Reads until `expected` bytes arrived (or 10 s passed) and returns what came. */
async function readAll(conn: Awaited<ReturnType<typeof rawConnect>>, expected: number): Promise<string> {
  let got = "";
  const deadline = Date.now() + 10000;
  while (got.length < expected && Date.now() < deadline) got += await conn.read(20);
  return got;
}

test("a blocking command that times out replies after the durable replies before it", async () => {
  const conn = await rawConnect(srv.port);
  // The BLPOP times out in 1 ms, long before the RPUSH's fsync is certain to be done.
  conn.send("RPUSH order:l a b\r\nBLPOP order:empty 0.001\r\nLLEN order:l\r\n");
  const expected = ":2\r\n*-1\r\n:2\r\n";
  expect(await readAll(conn, expected.length)).toBe(expected);
  conn.close();
});

test("a client woken by another's push is served, and the pusher's replies stay in order", async () => {
  const waiter = await rawConnect(srv.port);
  const pusher = await rawConnect(srv.port);
  waiter.send("BLPOP order:q 0\r\n");
  await Bun.sleep(50);
  pusher.send("SET order:x 1\r\nLPUSH order:q v\r\nGET order:x\r\n");
  const pushed = ":1\r\n";
  expect(await readAll(pusher, "+OK\r\n:1\r\n$1\r\n1\r\n".length)).toBe("+OK\r\n" + pushed + "$1\r\n1\r\n");
  const woken = "*2\r\n$7\r\norder:q\r\n$1\r\nv\r\n";
  expect(await readAll(waiter, woken.length)).toBe(woken);
  waiter.close();
  pusher.close();
});
