// MemoryDb.overwriteString (SET's write over a stored string of the same
// length): in place only for the engine's own plain strings; the expiry is
// set as given; a different length, another type, an edited ("raw") or text
// value, or a missing key is left to setString.

import { describe, expect, test } from "bun:test";
import { MemoryDb } from "../../../src/storage/memory/memory-engine.ts";

const bytes = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const text = (b: Uint8Array) => String.fromCharCode(...b);

describe("MemoryDb.overwriteString", () => {
  test("writes over a stored string of the same length and sets the expiry", () => {
    const db = new MemoryDb();
    db.setString(bytes("k"), bytes("abc"), 4102444800000);
    const stored = db.getString(db.lookup(bytes("k"))!);
    const arg = bytes("xyz");
    expect(db.overwriteString(bytes("k"), arg, 0)).toBe(true);
    const meta = db.lookup(bytes("k"))!;
    expect(db.getString(meta)).toBe(stored);
    expect(text(stored)).toBe("xyz");
    expect(meta.expireAt).toBe(0);
    expect(db.expiresCount()).toBe(0);
    arg[0] = 0x21; // the caller keeps its argument
    expect(text(db.getString(meta))).toBe("xyz");
    expect(db.overwriteString(bytes("k"), bytes("123"), 4102444800000)).toBe(true);
    expect(db.lookup(bytes("k"))!.expireAt).toBe(4102444800000);
    expect(db.encoding(bytes("k"), db.lookup(bytes("k"))!)).toBe("int");
  });

  test("leaves other cases to setString", () => {
    const db = new MemoryDb();
    expect(db.overwriteString(bytes("missing"), bytes("v"), 0)).toBe(false);
    db.setString(bytes("k"), bytes("abc"), 0);
    expect(db.overwriteString(bytes("k"), bytes("abcd"), 0)).toBe(false);
    db.setString(bytes("t"), bytes("1.5"), 0, true);
    expect(db.overwriteString(bytes("t"), bytes("2.5"), 0)).toBe(false);
    db.setStringRange(bytes("r"), 0, bytes("abc"));
    expect(db.overwriteString(bytes("r"), bytes("xyz"), 0)).toBe(false);
    db.hashes.set(bytes("h"), null, [bytes("f"), bytes("v")]);
    expect(db.overwriteString(bytes("h"), bytes("v"), 0)).toBe(false);
    expect(text(db.getString(db.lookup(bytes("k"))!))).toBe("abc");
    expect(text(db.getString(db.lookup(bytes("t"))!))).toBe("1.5");
    expect(text(db.getString(db.lookup(bytes("r"))!))).toBe("abc");
  });
});
