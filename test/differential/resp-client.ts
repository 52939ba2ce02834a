// A minimal raw RESP client for differential testing: it keeps every reply's
// exact RESP type (ioredis would turn errors into exceptions, maps into
// arrays, doubles into strings...), and pipelines a batch of commands in one
// write. Byte strings are latin1 JS strings (one char per byte).

export type Reply =
  | { t: "simple"; v: string }
  | { t: "error"; v: string }
  | { t: "int"; v: bigint }
  | { t: "bulk"; v: string }
  | { t: "nullbulk" }
  | { t: "nullarray" }
  | { t: "null" }
  | { t: "double"; v: string }
  | { t: "bool"; v: boolean }
  | { t: "bignum"; v: string }
  | { t: "verbatim"; format: string; v: string }
  | { t: "array" | "set" | "push"; v: Reply[] }
  | { t: "map"; v: [Reply, Reply][] };

/** One line per reply, unambiguous: equal renderings mean equal type and value. */
export function render(r: Reply): string {
  switch (r.t) {
    case "simple":
      return `+${JSON.stringify(r.v)}`;
    case "error":
      return `-${JSON.stringify(r.v)}`;
    case "int":
      return `:${r.v}`;
    case "bulk":
      return `$${JSON.stringify(r.v)}`;
    case "nullbulk":
      return "$-1";
    case "nullarray":
      return "*-1";
    case "null":
      return "_";
    case "double":
      return `,${r.v}`;
    case "bool":
      return r.v ? "#t" : "#f";
    case "bignum":
      return `(${r.v}`;
    case "verbatim":
      return `=${r.format}:${JSON.stringify(r.v)}`;
    case "array":
      return `*[${r.v.map(render).join(", ")}]`;
    case "set":
      return `~[${r.v.map(render).join(", ")}]`;
    case "push":
      return `>[${r.v.map(render).join(", ")}]`;
    case "map":
      return `%{${r.v.map(([k, v]) => `${render(k)}: ${render(v)}`).join(", ")}}`;
  }
}

/** Encodes argv (latin1 byte strings) as a RESP multibulk request. */
export function encodeCommand(argv: readonly string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, "latin1");
}

/** Incremental RESP2/RESP3 reply decoder. */
export class ReplyDecoder {
  private buf = "";
  private pos = 0;

  feed(chunk: Uint8Array): void {
    this.buf = this.buf.slice(this.pos) + Buffer.from(chunk).toString("latin1");
    this.pos = 0;
  }

  /** Characters (bytes, latin1) of the fed input consumed by the replies returned so far. */
  get offset(): number {
    return this.pos;
  }

  /** Next complete reply, or undefined when more bytes are needed. */
  next(): Reply | undefined {
    const start = this.pos;
    const r = this.parse();
    if (r === undefined) this.pos = start;
    return r;
  }

  private line(): string | undefined {
    const end = this.buf.indexOf("\r\n", this.pos);
    if (end < 0) return undefined;
    const s = this.buf.slice(this.pos, end);
    this.pos = end + 2;
    return s;
  }

  private bytes(n: number): string | undefined {
    if (this.pos + n + 2 > this.buf.length) return undefined;
    const s = this.buf.slice(this.pos, this.pos + n);
    this.pos += n + 2;
    return s;
  }

  private elements(n: number): Reply[] | undefined {
    const out: Reply[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.parse();
      if (e === undefined) return undefined;
      out.push(e);
    }
    return out;
  }

  private parse(): Reply | undefined {
    if (this.pos >= this.buf.length) return undefined;
    const type = this.buf[this.pos++];
    const head = this.line();
    if (head === undefined) return undefined;
    switch (type) {
      case "+":
        return { t: "simple", v: head };
      case "-":
        return { t: "error", v: head };
      case ":":
        return { t: "int", v: BigInt(head) };
      case ",":
        return { t: "double", v: head };
      case "#":
        return { t: "bool", v: head === "t" };
      case "(":
        return { t: "bignum", v: head };
      case "_":
        return { t: "null" };
      case "$":
      case "=": {
        const n = Number(head);
        if (n < 0) return { t: "nullbulk" };
        const body = this.bytes(n);
        if (body === undefined) return undefined;
        return type === "$" ? { t: "bulk", v: body } : { t: "verbatim", format: body.slice(0, 3), v: body.slice(4) };
      }
      case "*":
      case "~":
      case ">": {
        const n = Number(head);
        if (n < 0) return { t: "nullarray" };
        const v = this.elements(n);
        if (v === undefined) return undefined;
        return { t: type === "*" ? "array" : type === "~" ? "set" : "push", v };
      }
      case "%": {
        const flat = this.elements(Number(head) * 2);
        if (flat === undefined) return undefined;
        const v: [Reply, Reply][] = [];
        for (let i = 0; i < flat.length; i += 2) v.push([flat[i], flat[i + 1]]);
        return { t: "map", v };
      }
      default:
        throw new Error(`unexpected RESP type byte ${JSON.stringify(type)} in ${JSON.stringify(this.buf.slice(this.pos - 1, this.pos + 40))}`);
    }
  }
}

export class RespClient {
  private readonly decoder = new ReplyDecoder();
  private readonly replies: Reply[] = [];
  private waiter: (() => void) | null = null;
  private closedFlag = false;

  private constructor(private readonly sock: import("bun").Socket<undefined>) {}

  static async connect(port: number): Promise<RespClient> {
    let self: RespClient | undefined;
    const sock = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(_s, chunk) {
          self!.onData(chunk);
        },
        close() {
          self!.onClose();
        },
        error() {
          self!.onClose();
        },
      },
    });
    self = new RespClient(sock);
    return self;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  private onData(chunk: Uint8Array): void {
    this.decoder.feed(chunk);
    for (let r = this.decoder.next(); r !== undefined; r = this.decoder.next()) this.replies.push(r);
    this.wake();
  }

  private onClose(): void {
    this.closedFlag = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Sends every command in one write and returns their replies in order. */
  async pipeline(cmds: readonly (readonly string[])[], timeoutMs = 10000): Promise<Reply[]> {
    this.sock.write(Buffer.concat(cmds.map(encodeCommand)));
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < cmds.length) {
      if (this.closedFlag) throw new Error(`connection closed after ${this.replies.length}/${cmds.length} replies`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout: ${this.replies.length}/${cmds.length} replies`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, left);
      });
    }
    return this.replies.splice(0, cmds.length);
  }

  async call(...argv: string[]): Promise<Reply> {
    return (await this.pipeline([argv]))[0];
  }

  close(): void {
    this.sock.end();
  }
}
