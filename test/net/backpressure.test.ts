// Write backpressure: a client pipelines many GETs of a 1 MB value and does not
// read. The server must stop reading from it once its output queue is large
// (not buffer every reply), stay up for others, and deliver every reply, in
// order, when the client finally reads.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ENGINES, startAikv, type RunningServer } from "../helpers/server.ts";

const VALUE_SIZE = 1024 * 1024;
const KEYS = ["bp:a", "bp:b", "bp:c", "bp:d"];
const GETS = 200; // 200 MB of replies

const BATCH = 20;
/**
 * The client writes a batch every 50 ms. The server sends large replies as
 * it runs the commands and stops running a client's commands once its output
 * queue passes 64 MB (the rest wait in its query buffer), so the queue stops
 * at 64 MB plus at most one reply and the 256 KiB the server collects before
 * sending, however many batches arrive at once on a loaded machine.
 * Buffering every reply would queue 200 MB (before the server ran no more of
 * a read's commands, a loaded machine reached 143 MB).
 */
const BATCH_PAUSE = "0.05";
const MAX_QUEUED_BYTES = (64 + 2) * VALUE_SIZE;

/** One batch of pipelined GETs cycling over KEYS, in a temp file for the client process. */
function requestFile(): string {
  let req = "";
  for (let i = 0; i < BATCH; i++) req += `*2\r\n$3\r\nGET\r\n$${KEYS[i % KEYS.length].length}\r\n${KEYS[i % KEYS.length]}\r\n`;
  const file = join(mkdtempSync(join(tmpdir(), "aikv-bp-")), "requests");
  writeFileSync(file, req);
  return file;
}

/**
 * A client that writes `batches` request batches and reads nothing until told
 * on stdin; then it copies everything it receives to stdout. It is a separate
 * bash process (/dev/tcp) because pausing a socket inside the test process
 * stalls Bun's other sockets there.
 */
function nonReadingClient(port: number, batches: number, requests: string) {
  const script = `exec 3<>/dev/tcp/127.0.0.1/${port}; for i in $(seq ${batches}); do cat '${requests}' >&3; sleep ${BATCH_PAUSE}; done; echo sent; read -r _; exec cat <&3`;
  return Bun.spawn(["bash", "-c", script], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
}

/** Checks a stream of `$1048576\r\n<fill byte × 1 MB>\r\n` replies chunk by chunk, without keeping them. */
class BulkStreamChecker {
  replies = 0;
  private header = "";
  private bodyLeft = -1;
  private crlfLeft = 0;
  error: string | null = null;

  constructor(private readonly expectedFill: (i: number) => number) {}

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && this.error === null) {
      if (this.crlfLeft > 0) {
        i++;
        if (--this.crlfLeft === 0) this.replies++;
      } else if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        const want = this.expectedFill(this.replies);
        for (let j = i; j < i + n; j++) if (chunk[j] !== want) this.error = `reply ${this.replies}: byte ${chunk[j]} instead of ${want}`;
        this.bodyLeft -= n;
        i += n;
        if (this.bodyLeft === 0) this.crlfLeft = 2;
      } else {
        const c = chunk[i++];
        this.header += String.fromCharCode(c);
        if (c === 10) {
          if (this.header !== `$${VALUE_SIZE}\r\n`) this.error = `reply ${this.replies}: header ${JSON.stringify(this.header)}`;
          this.header = "";
          this.bodyLeft = VALUE_SIZE;
        }
      }
    }
  }
}

for (const engine of ENGINES) {
  describe(`write backpressure (${engine})`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
      const r = srv.client();
      for (const [i, key] of KEYS.entries()) await r.set(key, Buffer.alloc(VALUE_SIZE, 97 + i));
    }, 60000);
    afterAll(async () => {
      await srv.stop();
    }, 60000);

    test("a client that doesn't read is paused, not buffered without bound; later it gets every reply in order", async () => {
      const checker = new BulkStreamChecker((i) => 97 + (i % KEYS.length));
      const requests = requestFile();
      const client = nonReadingClient(srv.port, GETS / BATCH, requests);
      const stdout = (client.stdout as ReadableStream<Uint8Array>).getReader();
      try {
        // The client's first output line says every request is written; a quiet period lets the server do its worst.
        const first = await stdout.read();
        expect(Buffer.from(first.value ?? []).toString("latin1")).toStartWith("sent\n");
        await Bun.sleep(500);
        const other = srv.client();
        expect(await other.ping()).toBe("PONG"); // others are still served
        // The non-reading client's queued output (CLIENT LIST omem): the pause kept it bounded.
        const queued = Math.max(...String(await other.call("CLIENT", "LIST")).split("\n").map((line) => Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0)));
        console.log(`${Math.round(queued / 1048576)} MB queued for the client`);
        expect(queued).toBeGreaterThan(0);
        expect(queued).toBeLessThan(MAX_QUEUED_BYTES);

        const readStart = Date.now();
        client.stdin.write("read\n");
        client.stdin.flush();
        const deadline = Date.now() + 90000;
        while (checker.replies < GETS && checker.error === null && Date.now() < deadline) {
          const { value, done } = await stdout.read();
          if (done) break;
          checker.feed(value);
        }
        console.log(`read ${checker.replies} replies in ${Date.now() - readStart} ms`);
        expect(checker.error).toBeNull();
        expect(checker.replies).toBe(GETS);
      } finally {
        client.kill();
        rmSync(dirname(requests), { recursive: true, force: true });
      }
    }, 120000);
  });
}
