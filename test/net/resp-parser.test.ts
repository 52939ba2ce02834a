// Unit and property tests of the RESP request parser (src/net/resp-parser.ts)
// and of the reply encoder (src/net/reply.ts). The server-level protocol
// behaviour, checked against redis-server, is in protocol.test.ts.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { bytesToStr, strToBytes } from "../../src/net/bytes.ts";
import { ReplyBuffer } from "../../src/net/reply.ts";
import { ProtocolError, QueryBufferLimitError, RespParser, splitInlineArgs } from "../../src/net/resp-parser.ts";

const LIMITS = { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 };

/** Feeds the chunks and returns every complete command, arguments as latin1 strings. */
function parseChunks(chunks: Uint8Array[], limits = LIMITS): string[][] {
  const p = new RespParser(limits);
  const out: string[][] = [];
  for (const chunk of chunks) {
    p.feed(chunk);
    for (let argv = p.next(); argv !== null; argv = p.next()) out.push(argv.map(bytesToStr));
    p.detach();
  }
  return out;
}

const parse = (s: string, limits = LIMITS) => parseChunks([strToBytes(s)], limits);

/** The ProtocolError message parsing `s` raises, or "no error". */
function protocolError(s: string, limits = LIMITS): string {
  try {
    parse(s, limits);
    return "no error";
  } catch (e) {
    if (e instanceof ProtocolError) return e.message;
    throw e;
  }
}

function multibulk(argv: readonly string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("");
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.slice(prev, p));
    prev = p;
  }
  return chunks;
}

const byteString = fc.uint8Array({ maxLength: 40 }).map((b) => bytesToStr(b));
const commandArb = fc.array(byteString, { minLength: 1, maxLength: 6 });

describe("RESP parser: multibulk", () => {
  test("parses pipelined commands with binary arguments", () => {
    expect(parse(multibulk(["SET", "k\r\n\0", "v"]) + multibulk(["GET", ""]))).toEqual([["SET", "k\r\n\0", "v"], ["GET", ""]]);
  });

  test("property: any split of a valid command stream parses the same", () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (cmds, cuts) => {
        const bytes = strToBytes(cmds.map(multibulk).join(""));
        expect(parseChunks(split(bytes, cuts))).toEqual(cmds);
      }),
      { numRuns: 150 },
    );
  });

  test("property: byte-at-a-time feeding of mixed inline and multibulk parses the same", () => {
    const inlineWord = fc.stringMatching(/^[a-zA-Z0-9]{1,8}$/);
    const mixed = fc.array(fc.oneof(commandArb.map((c) => ({ c, inline: false })), fc.array(inlineWord, { minLength: 1, maxLength: 4 }).map((c) => ({ c, inline: true }))), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(mixed, (cmds) => {
        const stream = cmds.map(({ c, inline }) => (inline ? c.join(" ") + "\r\n" : multibulk(c))).join("");
        const bytes = strToBytes(stream);
        const oneByOne = Array.from(bytes, (b) => Uint8Array.of(b));
        expect(parseChunks(oneByOne)).toEqual(cmds.map(({ c }) => c));
      }),
      { numRuns: 100 },
    );
  });

  test("*0, *-1 and other negative counts are skipped without a reply", () => {
    expect(parse("*0\r\n*-1\r\n*-5\r\n" + multibulk(["PING"]))).toEqual([["PING"]]);
  });

  test("a large multibulk count waits for its arguments instead of failing", () => {
    const p = new RespParser(LIMITS);
    p.feed(strToBytes("*1048577\r\n$4\r\nPING\r\n"));
    expect(p.next()).toBeNull();
  });

  test("the trailing CRLF of a bulk argument is skipped unchecked, like Redis", () => {
    expect(parse("*2\r\n$4\r\nECHO\r\n$1\r\naXY")).toEqual([["ECHO", "a"]]);
  });

  test("Redis's protocol error messages", () => {
    expect(protocolError("*x\r\n")).toBe("invalid multibulk length");
    expect(protocolError("*2147483648\r\n")).toBe("invalid multibulk length");
    expect(protocolError("*+1\r\n")).toBe("invalid multibulk length");
    expect(protocolError("*1 \r\n")).toBe("invalid multibulk length");
    expect(protocolError("*1\n$4\r\nPING\r\n")).toBe("invalid multibulk length");
    expect(protocolError("*1\r\n$x\r\n")).toBe("invalid bulk length");
    expect(protocolError("*1\r\n$-1\r\n")).toBe("invalid bulk length");
    expect(protocolError("*1\r\n$4\nPING\r\n")).toBe("invalid bulk length");
    expect(protocolError("*1\r\n$536870913\r\n")).toBe("invalid bulk length");
    expect(protocolError("*1\r\n$536870912\r\n")).toBe("no error");
    expect(protocolError("*1\r\nx\r\n")).toBe("expected '$', got 'x'");
    expect(protocolError("x".repeat(64 * 1024 + 1))).toBe("too big inline request");
    expect(protocolError("*" + "1".repeat(64 * 1024 + 1))).toBe("too big mbulk count string");
    expect(protocolError("*1\r\n$" + "1".repeat(64 * 1024 + 1))).toBe("too big bulk count string");
  });

  test("proto-max-bulk-len bounds a bulk argument", () => {
    const limits = { ...LIMITS, maxBulkLen: 1024 * 1024 };
    expect(protocolError("*1\r\n$1048576\r\n", limits)).toBe("no error");
    expect(protocolError("*1\r\n$1048577\r\n", limits)).toBe("invalid bulk length");
  });

  test("client-query-buffer-limit: buffering beyond it throws QueryBufferLimitError", () => {
    const p = new RespParser({ ...LIMITS, maxQueryBuffer: 1024 * 1024 });
    p.feed(strToBytes("*1\r\n$2000000\r\n"));
    expect(p.next()).toBeNull();
    p.feed(new Uint8Array(512 * 1024));
    expect(() => p.feed(new Uint8Array(600 * 1024))).toThrow(QueryBufferLimitError);
  });

  test("a value arriving in many chunks is parsed once complete", () => {
    const value = "v".repeat(300000);
    const bytes = strToBytes(multibulk(["SET", "k", value]));
    const chunks = split(bytes, Array.from({ length: 200 }, (_, i) => i * 1500));
    expect(parseChunks(chunks)).toEqual([["SET", "k", value]]);
  });
});

describe("RESP parser: inline commands (sdssplitargs)", () => {
  const words = (s: string) => splitInlineArgs(strToBytes(s))?.map(bytesToStr) ?? null;

  test("spaces and tabs separate words; blank lines are skipped", () => {
    expect(parse("  set\tk   v \r\n\r\n   \r\nPING\nPING\n")).toEqual([["set", "k", "v"], ["PING"], ["PING"]]);
  });

  test("double quotes with escapes, single quotes with \\'", () => {
    expect(words(`echo "a b\\x41\\n\\r\\t\\b\\a\\"\\\\z"`)).toEqual(["echo", "a bA\n\r\t\b\x07\"\\z"]);
    expect(words(`echo 'c\\'d' 'e\\nf'`)).toEqual(["echo", "c'd", "e\\nf"]);
    expect(words(`echo "" ''`)).toEqual(["echo", "", ""]);
    expect(words(`echo "\\x4g"`)).toEqual(["echo", "x4g"]);
    expect(words(`echo a"b"`)).toEqual(["echo", "ab"]);
  });

  test("unbalanced quotes and a closing quote followed by a non-space fail", () => {
    expect(words(`set "a`)).toBeNull();
    expect(words(`set 'a`)).toBeNull();
    expect(words(`set "a"b c`)).toBeNull();
    expect(words(`set 'a'b`)).toBeNull();
    expect(protocolError(`set "a\r\n`)).toBe("unbalanced quotes in request");
  });

  test("a NUL byte ends the line like a C string; the request waits for a NUL-free line", () => {
    expect(words("echo a\0b c")).toEqual(["echo", "a"]);
    const p = new RespParser(LIMITS);
    p.feed(strToBytes("ec\0ho a\r\nPING\r\n"));
    expect(p.next()).toBeNull();
    expect(protocolError("ec\0ho\r\n" + "x".repeat(64 * 1024))).toBe("too big inline request");
  });

  test("property: splitting never throws and always terminates", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
        const r = splitInlineArgs(bytes);
        expect(r === null || Array.isArray(r)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("RESP parser: garbage", () => {
  test("property: random bytes either parse, wait, or raise a ProtocolError", () => {
    const fragments = fc.oneof(
      fc.constantFrom("*", "$", "\r\n", "\n", "-", "0", "1", "9", "*1\r\n", "$3\r\n", '"', "'", "\\x", " ", "\0", "PING"),
      fc.uint8Array({ maxLength: 8 }).map(bytesToStr),
    );
    fc.assert(
      fc.property(fc.array(fragments, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 5 }), (parts, cuts) => {
        try {
          parseChunks(split(strToBytes(parts.join("")), cuts));
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("reply encoder", () => {
  const encode = (resp: 2 | 3, write: (out: ReplyBuffer) => void) => {
    const out = new ReplyBuffer(16);
    out.resp = resp;
    write(out);
    return bytesToStr(out.take());
  };

  test("bulkRange writes what bulk writes for the range's view, short and long (GET on lsm replies from the record)", () => {
    const source = new Uint8Array(100).map((_, i) => (i * 7 + 3) & 255);
    for (let start = 0; start < 30; start += 3) {
      for (let end = start; end <= 100; end += 7) {
        expect(encode(2, (out) => out.bulkRange(source, start, end))).toBe(encode(2, (out) => out.bulk(source.subarray(start, end))));
      }
    }
  });

  test("RESP2 and RESP3 shapes of every reply type", () => {
    const all = (out: ReplyBuffer) => {
      out.ok();
      out.simple("PONG");
      out.error("ERR bad\r\nthing");
      out.int(-42);
      out.int(2n ** 63n - 1n);
      out.bulk(strToBytes("a\0b"));
      out.nil();
      out.nilArray();
      out.map(1);
      out.bulkStr("f");
      out.double(1.5);
      out.set(2);
      out.double(Infinity);
      out.double(0.1);
      out.push(1);
      out.bool(true);
      out.bigNumber("12345678901234567890");
      out.verbatim("hi");
    };
    expect(encode(2, all)).toBe(
      "+OK\r\n+PONG\r\n-ERR bad  thing\r\n:-42\r\n:9223372036854775807\r\n$3\r\na\0b\r\n$-1\r\n*-1\r\n" +
        "*2\r\n$1\r\nf\r\n$3\r\n1.5\r\n*2\r\n$3\r\ninf\r\n$19\r\n0.10000000000000001\r\n*1\r\n:1\r\n$20\r\n12345678901234567890\r\n$2\r\nhi\r\n",
    );
    expect(encode(3, all)).toBe(
      "+OK\r\n+PONG\r\n-ERR bad  thing\r\n:-42\r\n:9223372036854775807\r\n$3\r\na\0b\r\n_\r\n_\r\n" +
        "%1\r\n$1\r\nf\r\n,1.5\r\n~2\r\n,inf\r\n,0.10000000000000001\r\n>1\r\n#t\r\n(12345678901234567890\r\n=6\r\ntxt:hi\r\n",
    );
  });

  test("error messages: CR/LF at the end trimmed, inside replaced by spaces (addReplyErrorFormat)", () => {
    expect(encode(2, (o) => o.error("ERR Unsupported option \r\nx\r\ny\n"))).toBe("-ERR Unsupported option   x  y\r\n");
    expect(encode(3, (o) => o.error("ERR Unsupported option x\r"))).toBe("-ERR Unsupported option x\r\n");
  });

  test("bulkArray writes nulls as null bulk strings; the buffer grows as needed", () => {
    const big = "x".repeat(100000);
    expect(encode(2, (o) => o.bulkArray([strToBytes(big), null]))).toBe(`*2\r\n$100000\r\n${big}\r\n$-1\r\n`);
    expect(encode(3, (o) => o.bulkArray([null]))).toBe("*1\r\n_\r\n");
  });
});

describe("RespParser.scanFrame (the look ahead's record of the next commands)", () => {
  /** The frames scanFrame records in s (after feed), each as its arguments, at most `max`. */
  function scanned(s: string, max = 100): string[][] {
    const p = new RespParser(LIMITS);
    p.feed(strToBytes(s));
    const frames: string[][] = [];
    while (frames.length < max && p.scanFrame()) {
      const f = p.framesAhead - 1;
      const buf = p.frameBytes;
      frames.push(Array.from({ length: p.frameArgc(f) }, (_, i) => bytesToStr(buf.subarray(p.argStart(f, i), p.argEnd(f, i)))));
    }
    return frames;
  }

  test("records each complete command, and stops at an incomplete one or anything but a plain frame", () => {
    const cmds = [["GET", "k1"], ["PING"], ["MSET", "a", "1", "b", "22"]];
    const s = cmds.map(multibulk).join("");
    expect(scanned(s)).toEqual(cmds);
    expect(scanned(s, 2)).toEqual(cmds.slice(0, 2));
    // The incomplete GET at the end is not recorded at all.
    expect(scanned(s + multibulk(["GET", "k9"]).slice(0, -3))).toEqual(cmds);
    expect(scanned(`+junk\r\n${s}`)).toEqual([]);
    // Forms parseMultibulk reads on its general path (or rejects) are left to it.
    for (const odd of ["*0\r\n", "*-1\r\n", "*1\r\n$+4\r\nPING\r\n", "*1\r\n$0000000004\r\nPING\r\n", "*1\n$4\r\nPING\r\n", "PING\r\n"]) {
      expect(scanned(multibulk(["GET", "k"]) + odd + s)).toEqual([["GET", "k"]]);
    }
  });

  test("next() takes the recorded commands, then parses on; a feed() drops the record", () => {
    const p = new RespParser(LIMITS);
    p.feed(strToBytes(multibulk(["SET", "k", "v"]) + multibulk(["GET", "k"]) + multibulk(["DEL", "k"])));
    expect(p.scanFrame() && p.scanFrame()).toBe(true);
    expect(p.framesAhead).toBe(2);
    expect(p.next()?.map(bytesToStr)).toEqual(["SET", "k", "v"]);
    expect(p.framesAhead).toBe(1);
    expect(p.next()?.map(bytesToStr)).toEqual(["GET", "k"]);
    expect(p.framesAhead).toBe(0);
    expect(p.next()?.map(bytesToStr)).toEqual(["DEL", "k"]);
    p.feed(strToBytes(multibulk(["GET", "a"]) + multibulk(["GET", "b"])));
    expect(p.scanFrame()).toBe(true);
    // Another parser's read replaces the shared query buffer: this parser's record is not its own any more.
    const other = new RespParser(LIMITS);
    other.feed(strToBytes(multibulk(["PING"])));
    expect(other.framesAhead).toBe(0);
  });

  test("a recorded argument longer than proto-max-bulk-len, lowered since, fails as parseMultibulk does", () => {
    const limits = { ...LIMITS };
    const p = new RespParser(limits);
    p.feed(strToBytes(multibulk(["CONFIG", "SET", "proto-max-bulk-len", "4"]) + multibulk(["SET", "k", "12345"])));
    expect(p.scanFrame() && p.scanFrame()).toBe(true);
    expect(p.next()?.length).toBe(4);
    limits.maxBulkLen = 4;
    expect(() => p.next()).toThrow("invalid bulk length");
  });

  test("property: with any look ahead, next() returns and throws what it does without one", () => {
    // Commands, commands with one byte replaced or dropped (headers a byte off a plain frame's), and junk.
    const damaged = fc
      .tuple(commandArb.map(multibulk), fc.nat(), fc.constantFrom("", "\r", "\n", "-", "+", " ", "0", "9", "x", "$", "*"))
      .map(([m, at, b]) => m.slice(0, at % m.length) + b + m.slice((at % m.length) + 1));
    const fragments = fc.oneof(
      commandArb.map(multibulk),
      damaged,
      fc.constantFrom("*", "$", "\r\n", "\n", "-", "0", "1", "9", "*1\r\n", "$3\r\n", "*0\r\n", "$0\r\n", "PING\r\n", "\0"),
      fc.uint8Array({ maxLength: 8 }).map(bytesToStr),
    );
    /** Every command parsed (or the ProtocolError message), looking `ahead[i]` frames ahead before the i-th next() of each read. */
    const run = (chunks: Uint8Array[], ahead: number[], maxBulkLen: number): string[] => {
      const p = new RespParser({ ...LIMITS, maxBulkLen });
      const out: string[] = [];
      let k = 0;
      try {
        for (const chunk of chunks) {
          p.feed(chunk);
          for (;;) {
            for (let i = ahead[k++ % Math.max(ahead.length, 1)] ?? 0; i > 0 && p.scanFrame(); i--);
            const argv = p.next();
            if (argv === null) break;
            out.push(JSON.stringify(argv.map(bytesToStr)));
            p.recycle(argv, 0);
          }
          p.detach();
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        out.push(`error: ${e.message}`);
      }
      return out;
    };
    fc.assert(
      fc.property(
        fc.array(fragments, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.array(fc.nat({ max: 20 }), { maxLength: 6 }),
        fc.constantFrom(LIMITS.maxBulkLen, 3),
        (parts, cuts, ahead, maxBulkLen) => {
          const chunks = split(strToBytes(parts.join("")), cuts);
          expect(run(chunks, ahead, maxBulkLen)).toEqual(run(chunks, [], maxBulkLen));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
