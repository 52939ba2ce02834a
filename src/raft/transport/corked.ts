import type { Socket } from "bun";

// Coalesces many small frames written in one event-loop turn into a single
// socket write (one syscall instead of one per request/response), and keeps
// whatever the kernel didn't accept until the socket drains.
export class CorkedWriter {
  private parts: Uint8Array[] = [];
  private bytes = 0;
  private scheduled = false;
  private backlog: Uint8Array | null = null;

  constructor(private sock: Socket<unknown>) {}

  write(frame: Uint8Array): void {
    this.parts.push(frame);
    this.bytes += frame.length;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.bytes > 0) {
      const buf = new Uint8Array(this.bytes + (this.backlog?.length ?? 0));
      let off = 0;
      if (this.backlog) {
        buf.set(this.backlog, 0);
        off = this.backlog.length;
      }
      for (const p of this.parts) {
        buf.set(p, off);
        off += p.length;
      }
      this.parts = [];
      this.bytes = 0;
      this.backlog = buf;
    }
    if (!this.backlog) return;
    const n = this.sock.write(this.backlog);
    if (n < 0) {
      this.backlog = null; // closed
      return;
    }
    this.backlog = n < this.backlog.length ? this.backlog.subarray(n) : null;
  }

  // Call from the socket's drain handler.
  drain(): void {
    if (this.backlog) this.flush();
  }
}
