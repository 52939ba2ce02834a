// A read's replies are sent at the end of the event-loop turn (Server.deferReplies);
// output that reaches the client by other paths meanwhile (a blocked
// command's timeout) must still follow them, also when replies wait
// for durability (appendfsync always).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { encodeCommand } from "../differential/resp-client.ts";
import { rawConnect, startAikv, type RunningServer } from "../helpers/server.ts";

function command(...args: string[]): string {
  return encodeCommand(args).toString("latin1");
}

const SETUPS: [string, string[]][] = [
  ["memory", ["--engine", "memory"]],
  ["lsm, appendfsync always", ["--engine", "lsm", "--appendfsync", "always"]],
];

for (const [name, args] of SETUPS) {
  describe(`reply order (${name})`, () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startAikv([...args, "--save", ""]);
    });
    afterAll(async () => {
      await server.stop();
    });

    test("a blocked command's timeout reply follows the replies before it; the commands after it run then", async () => {
      const conn = await rawConnect(server.port);
      let input = "";
      let expected = "";
      for (let i = 0; i < 100; i++) {
        input += command("SET", `k${i}`, `v${i}`) + command("GET", `k${i}`);
        expected += `+OK\r\n$${`v${i}`.length}\r\nv${i}\r\n`;
      }
      input += command("BLPOP", "nothing", "0.001") + command("ECHO", "after");
      expected += "*-1\r\n$5\r\nafter\r\n";
      for (let round = 0; round < 5; round++) {
        conn.send(input);
        expect(await conn.readReplies(202)).toBe(expected);
      }
      conn.close();
    });
  });
}
