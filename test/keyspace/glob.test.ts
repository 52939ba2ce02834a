import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { globMatchStr } from "../../src/keyspace/glob.ts";
import { hasRedisServer, startAikv, startRedis, type RunningServer } from "../helpers/server.ts";

// [pattern, subject, expected] as Redis's stringmatchlen answers (checked with KEYS on redis-server 7.0.15).
const CASES: [string, string, boolean][] = [
  ["*", "", false], // the loop never runs on an empty subject: KEYS * special-cases it
  ["", "", true],
  ["", "a", false],
  ["a", "a", true],
  ["a", "A", false],
  ["*", "anything", true],
  ["**", "x", true],
  ["a*", "a", true],
  ["a*", "abc", true],
  ["*c", "abc", true],
  ["*c", "abd", false],
  ["a*c", "ac", true],
  ["a*b*c", "aXbYc", true],
  ["a*b*c", "aXcYb", false],
  ["h?llo", "hello", true],
  ["h?llo", "hllo", false],
  ["?", "", false],
  ["h[ae]llo", "hallo", true],
  ["h[ae]llo", "hillo", false],
  ["h[^e]llo", "hallo", true],
  ["h[^e]llo", "hello", false],
  ["h[a-b]llo", "hbllo", true],
  ["h[a-b]llo", "hcllo", false],
  ["h[b-a]llo", "hallo", true], // reversed ranges are swapped
  ["[a-]", "-", false], // "a-" without an end is not a range: 'a' then '-'... and ']' closes
  ["[a-]", "a", true],
  ["[]", "]", false],
  ["[]]", "]", false],
  ["[\\]]", "]", true],
  ["[\\-]", "-", true],
  ["[abc", "a", true], // unterminated class: matches like [abc]
  ["[abc", "d", false],
  ["[", "x", false],
  ["[^", "x", true],
  ["\\*", "*", true],
  ["\\*", "a", false],
  ["\\?", "?", true],
  ["\\[a]", "[a]", true],
  ["a\\", "a\\", true], // a trailing backslash matches itself
  ["*\\", "ab\\", true],
  ["\\", "\\", true],
  ["foo*", "foo", true],
  ["foo**", "foo", true],
  ["f*o*", "fo", true],
  ["*a", "aaaa", true],
  ["a*a*a*a*a*a*a*a*a*a*b", "a".repeat(60), false],
  ["[a-c][0-9]*", "b7xyz", true],
  ["*[0-9]", "abc", false],
  ["\x00*", "\x00\xff", true],
  ["[\x80-\xff]", "\xe9", true],
];

// [pattern, subject, expected] with nocase.
const NOCASE: [string, string, boolean][] = [
  ["HELLO", "hello", true],
  ["h*O", "HellO", true],
  ["[A-C]x", "bX", true],
  ["[a-c]x", "BX", true],
  ["[ABC]", "b", true],
  ["[^ABC]", "b", false],
  ["\\A", "a", true],
  ["[\\A]", "a", false], // an escaped char inside a class compares case-sensitively, as in Redis
  ["maxmemory*", "MAXMEMORY-policy", true],
];

describe("globMatch", () => {
  test.each(CASES)("%j vs %j -> %p", (pattern, subject, expected) => {
    expect(globMatchStr(pattern, subject)).toBe(expected);
  });
  test.each(NOCASE)("nocase %j vs %j -> %p", (pattern, subject, expected) => {
    expect(globMatchStr(pattern, subject, true)).toBe(expected);
  });
  test("many stars over a long non-matching subject stay fast", () => {
    const start = performance.now();
    expect(globMatchStr("a*".repeat(50) + "b", "a".repeat(10000))).toBe(false);
    expect(performance.now() - start).toBeLessThan(500);
  });
  test("pathological nesting answers no match instead of overflowing the stack", () => {
    expect(globMatchStr("*?".repeat(50000), "x".repeat(100))).toBe(false);
  });
});

// Random patterns over a small alphabet rich in metacharacters, compared with
// redis-server's KEYS (which uses stringmatchlen on every key but "*").
describe.skipIf(!hasRedisServer())("globMatch agrees with redis-server", () => {
  let redis: RunningServer;
  let aikv: RunningServer;
  let r: Redis;
  let a: Redis;
  const ALPHABET = "ab-]^[\\*?";
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const randomString = (maxLen: number, alphabet: string) => {
    let s = "";
    for (let i = rand(maxLen + 1); i > 0; i--) s += alphabet[rand(alphabet.length)];
    return s;
  };

  beforeAll(async () => {
    [redis, aikv] = await Promise.all([startRedis(), startAikv()]);
    r = redis.client();
    a = aikv.client();
    const keys = new Set<string>();
    while (keys.size < 150) keys.add(randomString(6, "ab-]^[\\*?c"));
    keys.delete("");
    for (const client of [r, a]) {
      const p = client.pipeline();
      for (const k of keys) p.set(Buffer.from(k, "latin1"), "1");
      await p.exec();
    }
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), aikv?.stop()]);
  });

  test("400 random patterns give the same KEYS", async () => {
    const patterns: string[] = [];
    for (let i = 0; i < 400; i++) patterns.push(randomString(7, ALPHABET));
    const run = async (client: Redis) => {
      const p = client.pipeline();
      for (const pat of patterns) p.callBuffer("keys", Buffer.from(pat, "latin1"));
      const res = await p.exec();
      return res!.map(([, v]) => (v as Buffer[]).map((b) => b.toString("latin1")).sort());
    };
    const [expected, actual] = await Promise.all([run(r), run(a)]);
    for (let i = 0; i < patterns.length; i++) expect([patterns[i], actual[i]]).toEqual([patterns[i], expected[i]]);
  });
});
