import { expect, test } from "bun:test";
import { int64Bytes, parseInt64 } from "../../../src/net/format.ts";
import { decodeIntegerValue, encodeIntegerMeta, encodeStringMeta } from "../../../src/storage/lsm-engine/encoding.ts";

// INCR on the lsm engine reads a counter's digits in place (LsmDb.integerValue)
// and writes its record with the digits made in it (setInteger): both must
// agree with parsing a copy of the value and with encodeStringMeta.

const text = new TextEncoder();

test("decodeIntegerValue reads what parseInt64 reads, or leaves the value to it (null)", () => {
  const values = ["0", "1", "-1", "42", "-42", "007", "-0", "+1", " 1", "1 ", "", "-", "1a", "a1", "1.5", "1e3", "00"];
  for (let digits = 1; digits <= 20; digits++) {
    values.push("9".repeat(digits), "-" + "9".repeat(digits), "1" + "0".repeat(digits - 1));
  }
  values.push(String(Number.MAX_SAFE_INTEGER), String(2 ** 53 + 1), "9223372036854775807", "-9223372036854775808", "9223372036854775808");
  for (let i = 0; i < 2000; i++) values.push(String(Math.floor((Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 16))));
  let read = 0;
  for (const value of values) {
    const raw = encodeStringMeta(text.encode(value), 12345, 0);
    const got = decodeIntegerValue(raw);
    const want = parseInt64(text.encode(value));
    if (got === null) {
      // Only what parseInt64 rejects or needs more than 15 digits for is left to it.
      expect(want === null || value.replace("-", "").length > 15).toBe(true);
    } else {
      expect(got).toBe(want as number);
      read++;
    }
  }
  expect(read).toBeGreaterThan(2000);
});

test("encodeIntegerMeta makes encodeStringMeta's record of the integer's digits", () => {
  const ns = [0, 1, -1, 9, 10, -10, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 + 7, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  for (let i = 0; i < 1000; i++) ns.push(Math.floor((Math.random() - 0.5) * 2 ** Math.floor(Math.random() * 53)));
  for (const n of ns) {
    const expireAt = n % 3 === 0 ? 0 : 1_800_000_000_000 + n;
    expect(encodeIntegerMeta(n, expireAt)).toEqual(encodeStringMeta(int64Bytes(n), expireAt, 0));
  }
});
