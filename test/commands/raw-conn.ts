// A raw RESP connection for the command suites: sends one command, returns its
// reply exactly as the server encoded it (latin1 text), so replies from AiKv
// and from a real redis-server can be compared byte for byte.

import type { Socket } from "bun";

export type Arg = string | number | Uint8Array;

export interface RawConn {
  /** Sends a command and resolves with its complete raw reply. */
  call(...args: Arg[]): Promise<string>;
  close(): void;
}

function encodeCommand(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, "latin1")];
  for (const a of args) {
    const bytes = typeof a === "string" ? Buffer.from(a, "latin1") : typeof a === "number" ? Buffer.from(String(a)) : Buffer.from(a);
    parts.push(Buffer.from(`$${bytes.length}\r\n`, "latin1"), bytes, Buffer.from("\r\n", "latin1"));
  }
  return Buffer.concat(parts);
}

/** Length of the first complete reply in buf starting at pos, or -1 if incomplete. */
function replyEnd(buf: string, pos: number): number {
  const lineEnd = buf.indexOf("\r\n", pos);
  if (lineEnd < 0) return -1;
  const type = buf[pos];
  const head = buf.slice(pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "$":
    case "=":
    case "!": {
      const n = Number(head);
      if (n < 0) return next;
      return buf.length >= next + n + 2 ? next + n + 2 : -1;
    }
    case "*":
    case "~":
    case ">":
    case "%": {
      let n = Number(head);
      if (n < 0) return next;
      if (type === "%") n *= 2;
      let p = next;
      for (let i = 0; i < n; i++) {
        p = replyEnd(buf, p);
        if (p < 0) return -1;
      }
      return p;
    }
    default:
      return next;
  }
}

/**
 * Connects; commands may be pipelined (replies resolve in order). Messages
 * `isPush` recognizes (pub/sub) go to `onPush` instead of answering a command.
 */
export async function rawConn(port: number, push?: { isPush: (raw: string) => boolean; onPush: (raw: string) => void }): Promise<RawConn> {
  let buf = "";
  // Pending replies' resolvers, a queue consumed from `head` (shift() is O(n) on long pipelines).
  let waiting: ((reply: string) => void)[] = [];
  let head = 0;
  let drainHook = () => {};
  const sock: Socket<undefined> = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, d) {
        buf += Buffer.from(d).toString("latin1");
        let pos = 0;
        while (pos < buf.length) {
          const end = replyEnd(buf, pos);
          if (end < 0) break;
          const reply = buf.slice(pos, end);
          pos = end;
          if (push?.isPush(reply)) push.onPush(reply);
          else waiting[head++](reply);
        }
        buf = buf.slice(pos);
        if (head === waiting.length) {
          waiting = [];
          head = 0;
        }
      },
      drain() {
        drainHook();
      },
    },
  });
  // Commands issued in the same tick go out in one write; what the socket doesn't take waits for drain.
  let outgoing: Buffer[] = [];
  let unsent: Buffer | null = null;
  const flush = () => {
    if (outgoing.length > 0) {
      unsent = Buffer.concat(unsent ? [unsent, ...outgoing] : outgoing);
      outgoing = [];
    }
    if (unsent === null) return;
    const written = sock.write(unsent);
    unsent = written < unsent.length ? unsent.subarray(Math.max(0, written)) : null;
  };
  drainHook = flush;
  return {
    call(...args: Arg[]): Promise<string> {
      return new Promise((resolve) => {
        waiting.push(resolve);
        if (outgoing.length === 0) queueMicrotask(flush);
        outgoing.push(encodeCommand(args));
      });
    },
    close: () => sock.end(),
  };
}

/**
 * A raw reply in a compact form for test tables: "+OK" for simple strings,
 * "-ERR ..." for errors, numbers for integers (strings beyond 2^53),
 * "$text" for bulk strings, null for nil, arrays for arrays (RESP3 maps and
 * sets flattened to arrays).
 */
export type Rendered = string | number | null | Rendered[];

export function renderReply(raw: string): Rendered {
  const [value, end] = renderAt(raw, 0);
  if (end !== raw.length) throw new Error(`trailing bytes after reply: ${JSON.stringify(raw)}`);
  return value;
}

function renderAt(raw: string, pos: number): [Rendered, number] {
  const lineEnd = raw.indexOf("\r\n", pos);
  const head = raw.slice(pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (raw[pos]) {
    case "+":
      return ["+" + head, next];
    case "-":
      return ["-" + head, next];
    case ":":
    case ",": {
      const n = Number(head);
      return [Number.isSafeInteger(n) || raw[pos] === "," ? n : head, next];
    }
    case "_":
      return [null, next];
    case "$": {
      const n = Number(head);
      if (n < 0) return [null, next];
      return ["$" + raw.slice(next, next + n), next + n + 2];
    }
    case "*":
    case "~":
    case "%":
    case ">": {
      let n = Number(head);
      if (n < 0) return [null, next];
      if (raw[pos] === "%") n *= 2;
      const items: Rendered[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const [item, after] = renderAt(raw, p);
        items.push(item);
        p = after;
      }
      return [items, p];
    }
    default:
      throw new Error(`unknown reply type in ${JSON.stringify(raw.slice(pos))}`);
  }
}
