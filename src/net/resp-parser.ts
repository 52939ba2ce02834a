// Incremental RESP request parser.
//
// Arguments are returned as Uint8Array views into the received bytes (no copy),
// except short ones, which are cheaper to copy (into copies recycled from
// earlier commands). Callers must treat every argument as valid only while
// its command runs: those that keep an argument (stored values, queued MULTI
// commands) must copy it, unless Server.handsOver gives it to them.
//
// Partial frames: when a command is incomplete the parser remembers how many
// bytes it needs at least and buffers further chunks without re-parsing, so a
// large value arriving in many chunks costs O(n), not O(n^2).
//
// Reads are copied into one query buffer shared by all parsers (the idea of
// Redis 7.4's reusable query buffer): the runtime hands each read over as a
// fresh array whose ArrayBuffer JSC materializes (allocates and copies) on the
// first view taken of it, which was 17% of a -P 1 GET profile; views on a
// buffer whose ArrayBuffer exists already are cheap. So views are valid only
// until the next feed() of ANY parser; detach() copies a partial command out.

import { EMPTY, concatBytes } from "./bytes.ts";

const CR = 13;
const LF = 10;
/** Redis's PROTO_INLINE_MAX_SIZE: longest inline request or count line. */
const INLINE_MAX = 64 * 1024;
const INT_MAX = 2147483647;
/** Reads up to this size go through the shared query buffer; larger ones are parsed in place. */
const SHARED_QUERY_BUFFER_SIZE = 64 * 1024;
const sharedQueryBuffer = new ArrayBuffer(SHARED_QUERY_BUFFER_SIZE);
const sharedQueryBytes = new Uint8Array(sharedQueryBuffer);
/**
 * Arguments up to this length are copied out of the read, longer ones are
 * views (see parseMultibulk); the copies after the name are the command's own
 * (see Server.handsOver).
 */
export const SHORT_ARG = 32;
/** Argument arrays up to this length are reused (see recycle). */
const POOLED_ARGC = 32;
/**
 * Short argument copies handed back by recycle, by length, for the next
 * commands' arguments (shared by all parsers: one thread). Allocating the
 * copies was most of what a command allocates (~70 of 72 bytes per GET,
 * 1,220 of 1,330 per MSET), which JSC's GC threads then collect on the cores
 * the server and its clients need.
 */
const shortArgPool: Uint8Array[][] = Array.from({ length: SHORT_ARG + 1 }, () => []);
/** Copies kept per length in shortArgPool. */
const SHORT_ARG_POOL_MAX = 64;

/** Frames scanFrame records at most: more than the server's look ahead takes (16 keys; commands without keys count too). */
const FRAMES_MAX = 64;
/** Argument ranges scanFrame records at most: a larger command is left to parseMultibulk. */
const ARGS_MAX = 4096;

/**
 * The frames scanFrame recorded: the ranges of their arguments in `buf`, the
 * buffer of the parser that recorded them. One record for all parsers (one
 * thread, and the ranges are mostly into the shared query buffer): it is the
 * parser's while its buffer is `buf`, so any feed(), detach() or coalesce()
 * that replaces the buffer drops it.
 */
const frames = {
  buf: EMPTY as Uint8Array,
  /** Where frame 0 starts; frame f > 0 starts at ends[f - 1]. */
  origin: 0,
  /** Frames recorded, and the next one next() takes. */
  count: 0,
  next: 0,
  /** Argument ranges in use. */
  args: 0,
  /** Per frame: where it ends, its first argument's index in argStarts/argEnds, its argument count, its longest argument. */
  ends: new Int32Array(FRAMES_MAX),
  firstArg: new Int32Array(FRAMES_MAX),
  argc: new Int32Array(FRAMES_MAX),
  longest: new Int32Array(FRAMES_MAX),
  argStarts: new Int32Array(ARGS_MAX),
  argEnds: new Int32Array(ARGS_MAX),
};

/** The bit of argument i in a recycle() `kept` mask: i up to 30 have their own, 31 and beyond share bit 31. */
export function keptBit(i: number): number {
  return i < 31 ? i : 31;
}

export class ProtocolError extends Error {}

/** The client exceeded client-query-buffer-limit: closed without a reply, as Redis does. */
export class QueryBufferLimitError extends Error {}

export interface ParserLimits {
  maxBulkLen: number;
  maxQueryBuffer: number;
}

export class RespParser {
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes needed from pos before a parse attempt can succeed. */
  private need = 0;
  /** The previous command's name argument (see parseMultibulk). */
  private lastName: Uint8Array = EMPTY;
  /** Argument arrays handed back by recycle, by length: the next command of that length fills one instead of allocating. */
  private readonly argvPool: (Uint8Array[] | undefined)[] = new Array(POOLED_ARGC + 1).fill(undefined);

  constructor(private readonly limits: ParserLimits) {}

  /** Bytes received but not yet consumed by a complete command. */
  get buffered(): number {
    return this.buf.length - this.pos + this.pendingBytes;
  }

  feed(chunk: Uint8Array): void {
    if (this.pos >= this.buf.length && this.pendingBytes === 0) {
      this.dropFrames();
      if (chunk.length <= SHARED_QUERY_BUFFER_SIZE) {
        sharedQueryBytes.set(chunk);
        this.buf = new Uint8Array(sharedQueryBuffer, 0, chunk.length);
      } else {
        this.buf = chunk;
      }
      this.pos = 0;
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    if (this.buffered > this.limits.maxQueryBuffer) throw new QueryBufferLimitError("query buffer limit");
  }

  /**
   * Copies unconsumed bytes out of the shared query buffer (or the transport's
   * chunk) so they survive other clients' reads (called at the end of a read).
   */
  detach(): void {
    if (this.pos < this.buf.length && this.pendingBytes === 0) {
      this.dropFrames();
      this.buf = this.buf.slice(this.pos);
      this.pos = 0;
    }
  }

  /**
   * Records the next complete plain frame after those recorded and not yet
   * taken ("*N\r\n", then N times "$len\r\n" and the bytes, counts and
   * lengths of 1 to 9 digits): the ranges of its arguments, which the
   * server's look ahead reads (frameArgc, argStart, argEnd: Server.prefetchKeys)
   * and next() then takes without reading the headers again. Records nothing
   * and returns false at anything else (incomplete, inline, empty, another
   * form of header, too many arguments, a full record): parseMultibulk parses
   * that when its turn comes, with its errors. Never throws.
   */
  scanFrame(): boolean {
    if (this.pendingBytes > 0) return false;
    const rec = frames;
    const buf = this.buf;
    if (rec.buf !== buf || rec.next === rec.count) {
      rec.buf = buf;
      rec.origin = this.pos;
      rec.count = 0;
      rec.next = 0;
      rec.args = 0;
    }
    if (rec.count === FRAMES_MAX) return false;
    const n = buf.length;
    let p = rec.count === 0 ? rec.origin : rec.ends[rec.count - 1];
    if (p >= n || buf[p] !== 42 /* '*' */) return false;
    let lcr = p + 1;
    let count = 0;
    for (let c = buf[lcr]; c >= 48 && c <= 57 && lcr - p <= 9; c = buf[++lcr]) count = count * 10 + c - 48;
    if (lcr === p + 1 || lcr + 1 >= n || buf[lcr] !== CR || buf[lcr + 1] !== LF) return false;
    const first = rec.args;
    if (count === 0 || count > ARGS_MAX - first) return false;
    p = lcr + 2;
    let longest = 0;
    for (let a = first; a < first + count; a++) {
      if (p >= n || buf[p] !== 36 /* '$' */) return false;
      lcr = p + 1;
      let len = 0;
      for (let c = buf[lcr]; c >= 48 && c <= 57 && lcr - p <= 9; c = buf[++lcr]) len = len * 10 + c - 48;
      if (lcr === p + 1 || lcr + 1 >= n || buf[lcr] !== CR || buf[lcr + 1] !== LF) return false;
      const start = lcr + 2;
      if (start + len + 2 > n) return false;
      rec.argStarts[a] = start;
      rec.argEnds[a] = start + len;
      if (len > longest) longest = len;
      p = start + len + 2; // the trailing CRLF unchecked, as parseMultibulk
    }
    const f = rec.count++;
    rec.ends[f] = p;
    rec.firstArg[f] = first;
    rec.argc[f] = count;
    rec.longest[f] = longest;
    rec.args = first + count;
    return true;
  }

  /** Forgets the frames this parser recorded, before its buffer is replaced (an object may be fed again). */
  private dropFrames(): void {
    if (frames.buf === this.buf) frames.count = frames.next = 0;
  }

  /** Frames scanFrame recorded that next() has not taken yet: frame 0 is the next command. */
  get framesAhead(): number {
    return frames.buf === this.buf ? frames.count - frames.next : 0;
  }

  /** The buffer the recorded frames' ranges are in (valid until the next feed() of any parser). */
  get frameBytes(): Uint8Array {
    return this.buf;
  }

  /** Number of arguments of recorded frame f (0: the next command), its name included. */
  frameArgc(f: number): number {
    return frames.argc[frames.next + f];
  }

  /** Where argument i of recorded frame f starts in frameBytes. */
  argStart(f: number, i: number): number {
    return frames.argStarts[frames.firstArg[frames.next + f] + i];
  }

  /** Where argument i of recorded frame f ends in frameBytes. */
  argEnd(f: number, i: number): number {
    return frames.argEnds[frames.firstArg[frames.next + f] + i];
  }

  /**
   * Hands back a command's argument array once nothing holds it any more (the
   * command ran and kept no reference to the array): a later command with as
   * many arguments reuses it, and later arguments reuse its short copies but
   * those whose bit (keptBit) is set in `kept`: those the command kept
   * (Server.handsOver). So an argument, like a long one's view, is valid only
   * while its command runs, unless handed over.
   */
  recycle(args: Uint8Array[], kept: number): void {
    for (let i = 1; i < args.length; i++) {
      const arg = args[i];
      if (arg.length > SHORT_ARG || (kept >>> keptBit(i)) & 1) continue;
      const free = shortArgPool[arg.length];
      if (free.length < SHORT_ARG_POOL_MAX) free.push(arg);
    }
    if (args.length <= POOLED_ARGC) this.argvPool[args.length] = args;
  }

  /** Next complete command, or null when more bytes are needed. Empty commands are skipped. */
  next(): Uint8Array[] | null {
    for (;;) {
      if (this.buffered === 0 || this.buffered < this.need) return null;
      if (this.pendingBytes > 0) this.coalesce();
      this.need = 0;
      const start = this.pos;
      let args: Uint8Array[] | null;
      if (this.buf[start] !== 42 /* '*' */) args = this.parseInline();
      else if (this.framesAhead > 0) args = this.takeFrame();
      else args = this.parseMultibulk();
      if (args === null) {
        this.pos = start;
        return null;
      }
      if (this.pos >= this.buf.length) {
        this.buf = EMPTY;
        this.pos = 0;
      }
      if (args.length > 0) return args;
    }
  }

  private coalesce(): void {
    this.dropFrames();
    this.buf = concatBytes([this.buf.subarray(this.pos), ...this.pending]);
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Sets need so the next attempt waits for at least one more byte than buffered now. */
  private incomplete(minTotal: number, start: number): null {
    this.need = Math.max(minTotal, this.buf.length - start + 1);
    return null;
  }

  /** The next command, from the frame scanFrame recorded at pos: its headers are not read again. */
  private takeFrame(): Uint8Array[] | null {
    const rec = frames;
    const f = rec.next;
    const frameStart = f === 0 ? rec.origin : rec.ends[f - 1];
    if (frameStart !== this.pos) throw new Error(`recorded frame at ${frameStart}, parser at ${this.pos}`);
    // A CONFIG SET earlier in the read may have lowered proto-max-bulk-len since the frame was recorded.
    if (rec.longest[f] > this.limits.maxBulkLen) {
      rec.count = f;
      return this.parseMultibulk();
    }
    rec.next++;
    const count = rec.argc[f];
    let args = count <= POOLED_ARGC ? this.argvPool[count] : undefined;
    if (args === undefined) args = new Array<Uint8Array>(count);
    else this.argvPool[count] = undefined;
    const buf = this.buf;
    for (let i = 0, a = rec.firstArg[f]; i < count; i++, a++) {
      const start = rec.argStarts[a];
      args[i] = this.argument(buf, start, rec.argEnds[a] - start, i);
    }
    this.pos = rec.ends[f];
    return args;
  }

  /**
   * Argument i of a command, the bytes buf[start, start + len): the last
   * command's name when it is that name again (pipelines repeat one command:
   * shared, never mutated, as argv is read-only); a copy when short (command
   * names, typical keys and small values: allocating a small array and
   * copying by hand is cheaper than a view, 16 SETs per read: ~20-30% less
   * parse time in a microbenchmark; up to 32 bytes, so redis-benchmark's
   * 20-byte INCR keys too: 78 -> 46 ns per INCR); else a view (a direct one:
   * cheaper than subarray() on this hot path).
   */
  private argument(buf: Uint8Array, start: number, len: number, i: number): Uint8Array {
    if (i === 0 && len === this.lastName.length && sameBytes(buf, start, this.lastName)) return this.lastName;
    if (len > SHORT_ARG) return new Uint8Array(buf.buffer, buf.byteOffset + start, len);
    const free = shortArgPool[len];
    const arg = free.length > 0 ? free.pop()! : new Uint8Array(len);
    for (let j = 0; j < len; j++) arg[j] = buf[start + j];
    if (i === 0) this.lastName = arg;
    return arg;
  }

  private parseMultibulk(): Uint8Array[] | null {
    const buf = this.buf;
    const start = this.pos;
    const cr = indexOfCR(buf, start);
    if (cr < 0 || cr + 1 >= buf.length) {
      if (buf.length - start > INLINE_MAX) throw new ProtocolError("too big mbulk count string");
      return this.incomplete(0, start);
    }
    if (buf[cr + 1] !== LF) throw new ProtocolError("invalid multibulk length");
    const count = parseLength(buf, start + 1, cr);
    if (count === null || count > INT_MAX) throw new ProtocolError("invalid multibulk length");
    let p = cr + 2;
    if (count <= 0) {
      this.pos = p;
      return [];
    }
    let args = count <= POOLED_ARGC ? this.argvPool[count] : undefined;
    if (args === undefined) args = new Array<Uint8Array>(count);
    else this.argvPool[count] = undefined;
    const n = buf.length;
    for (let i = 0; i < count; i++) {
      if (p >= n) return this.incomplete(0, start);
      if (buf[p] !== 36 /* '$' */) {
        throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[p])}'`);
      }
      // The usual header, "$<1-9 digits>\r\n", is read in one pass; anything
      // else (incomplete, signed, malformed, huge) takes the general path.
      let lcr = p + 1;
      let len = 0;
      for (let c = buf[lcr]; c >= 48 && c <= 57 && lcr - p <= 9; c = buf[++lcr]) len = len * 10 + c - 48;
      if (lcr === p + 1 || lcr + 1 >= n || buf[lcr] !== CR) {
        lcr = indexOfCR(buf, p);
        if (lcr < 0 || lcr + 1 >= n) {
          if (n - p > INLINE_MAX) throw new ProtocolError("too big bulk count string");
          return this.incomplete(0, start);
        }
        len = parseLength(buf, p + 1, lcr) ?? -1;
      }
      if (len < 0 || len > this.limits.maxBulkLen || buf[lcr + 1] !== LF) {
        throw new ProtocolError("invalid bulk length");
      }
      const dataStart = lcr + 2;
      const dataEnd = dataStart + len;
      if (dataEnd + 2 > n) return this.incomplete(dataEnd + 2 - start, start);
      args[i] = this.argument(buf, dataStart, len, i);
      p = dataEnd + 2; // Redis skips the trailing CRLF without checking it
    }
    this.pos = p;
    return args;
  }

  private parseInline(): Uint8Array[] | null {
    const buf = this.buf;
    const start = this.pos;
    let lf = buf.indexOf(LF, start);
    // Redis finds the newline with strchr(), which stops at a NUL byte: until a
    // NUL-free line arrives the request is incomplete (then "too big inline").
    if (lf >= 0 && buf.subarray(start, lf).includes(0)) lf = -1;
    if (lf < 0) {
      if (buf.length - start > INLINE_MAX) throw new ProtocolError("too big inline request");
      return this.incomplete(0, start);
    }
    let end = lf;
    if (end > start && buf[end - 1] === CR) end--;
    this.pos = lf + 1;
    const args = splitInlineArgs(buf.subarray(start, end));
    if (args === null) throw new ProtocolError("unbalanced quotes in request");
    return args;
  }
}

/**
 * buf.indexOf(CR, from) for the short header lines of a request: a loop
 * beats the native call there (GET -P 16 profile: indexOf 10% of the time).
 */
function indexOfCR(buf: Uint8Array, from: number): number {
  const n = buf.length;
  for (let i = from; i < n; i++) if (buf[i] === CR) return i;
  return -1;
}

/** Whether buf holds the bytes of b at from. */
function sameBytes(buf: Uint8Array, from: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (buf[from + i] !== b[i]) return false;
  return true;
}

/** Parses a non-negative or negative decimal integer as Redis's string2ll does; null if malformed. */
function parseLength(buf: Uint8Array, from: number, to: number): number | null {
  if (from >= to) return null;
  let neg = false;
  let i = from;
  if (buf[i] === 45 /* '-' */) {
    neg = true;
    i++;
    if (i >= to) return null;
  }
  if (to - i > 18) return null;
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Splits an inline command line exactly like Redis's sdssplitargs; null on unbalanced quotes. */
export function splitInlineArgs(line: Uint8Array): Uint8Array[] | null {
  const args: Uint8Array[] = [];
  // A C string: a NUL byte ends it.
  const nul = line.indexOf(0);
  const n = nul >= 0 ? nul : line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return args;
    const cur: number[] = [];
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      if (inDouble) {
        if (i >= n) return null;
        const c = line[i];
        if (c === 92 && i + 3 < n && line[i + 1] === 120 && hexVal(line[i + 2]) >= 0 && hexVal(line[i + 3]) >= 0) {
          cur.push(hexVal(line[i + 2]) * 16 + hexVal(line[i + 3]));
          i += 3;
        } else if (c === 92 && i + 1 < n) {
          i++;
          const e = line[i];
          cur.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          // The closing quote must be followed by a space or the end of the line.
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          i++;
          break;
        } else {
          cur.push(c);
        }
      } else if (inSingle) {
        if (i >= n) return null;
        const c = line[i];
        if (c === 92 && i + 1 < n && line[i + 1] === 39) {
          i++;
          cur.push(39);
        } else if (c === 39) {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          i++;
          break;
        } else {
          cur.push(c);
        }
      } else {
        if (i >= n || isSpace(line[i]) || line[i] === 0) break;
        const c = line[i];
        if (c === 34) inDouble = true;
        else if (c === 39) inSingle = true;
        else cur.push(c);
      }
      i++;
    }
    args.push(Uint8Array.from(cur));
  }
}
