// Keyspace events of list and hash commands (class, name, order), observed
// in-process through Keyspace.onKeyEvent on a real Server, since pub/sub
// delivery belongs to another module.

import { describe, expect, test } from "bun:test";
import { Config } from "../../src/config/config.ts";
import { strToBytes } from "../../src/net/bytes.ts";
import { Client } from "../../src/net/client.ts";
import { Server } from "../../src/server.ts";

function harness(): { run(...args: string[]): string[] } {
  const server = new Server(new Config());
  const c = new Client(server, null, 1);
  let events: string[] = [];
  server.keyspace.onKeyEvent((cls, event, key) => events.push(`${cls}:${event}:${String.fromCharCode(...key)}`));
  return {
    run(...args) {
      events = [];
      server.out.reset();
      server.execute(c, args.map(strToBytes));
      return events;
    },
  };
}

describe("keyspace events of list and hash commands", () => {
  test("lists", () => {
    const h = harness();
    expect(h.run("RPUSH", "l", "a", "b")).toEqual(["l:rpush:l"]);
    expect(h.run("LPUSH", "l", "z")).toEqual(["l:lpush:l"]);
    expect(h.run("LINSERT", "l", "BEFORE", "a", "x")).toEqual(["l:linsert:l"]);
    expect(h.run("LINSERT", "l", "BEFORE", "nope", "x")).toEqual([]);
    expect(h.run("LSET", "l", "0", "y")).toEqual(["l:lset:l"]);
    expect(h.run("LREM", "l", "0", "x")).toEqual(["l:lrem:l"]);
    expect(h.run("LREM", "l", "0", "nope")).toEqual([]);
    expect(h.run("LTRIM", "l", "0", "-1")).toEqual(["l:ltrim:l"]);
    expect(h.run("LMOVE", "l", "m", "LEFT", "RIGHT")).toEqual(["l:rpush:m", "l:lpop:l"]);
    expect(h.run("RPOP", "l", "5")).toEqual(["l:rpop:l", "g:del:l"]);
    expect(h.run("RPOPLPUSH", "m", "n")).toEqual(["l:lpush:n", "l:rpop:m", "g:del:m"]);
    expect(h.run("LMPOP", "2", "m", "n", "LEFT")).toEqual(["l:lpop:n", "g:del:n"]);
    expect(h.run("RPUSH", "t", "a")).toEqual(["l:rpush:t"]);
    expect(h.run("LTRIM", "t", "5", "6")).toEqual(["l:ltrim:t", "g:del:t"]);
    expect(h.run("BLPOP", "t", "0.01")).toEqual([]);
  });

  test("hashes", () => {
    const h = harness();
    expect(h.run("HSET", "h", "a", "1", "b", "2")).toEqual(["h:hset:h"]);
    expect(h.run("HSETNX", "h", "a", "1")).toEqual([]);
    expect(h.run("HSETNX", "h", "c", "1")).toEqual(["h:hset:h"]);
    expect(h.run("HINCRBY", "h", "a", "1")).toEqual(["h:hincrby:h"]);
    expect(h.run("HINCRBYFLOAT", "h", "a", "1.5")).toEqual(["h:hincrbyfloat:h"]);
    expect(h.run("HDEL", "h", "nope")).toEqual([]);
    expect(h.run("HDEL", "h", "a", "b", "c")).toEqual(["h:hdel:h", "g:del:h"]);
  });
});
