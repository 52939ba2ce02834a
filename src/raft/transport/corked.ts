import type { Socket } from "bun";
import { FrameBuffer } from "./framing.ts";

// Coalesces the frames written in one event-loop turn into a single socket
// write (one syscall instead of one per request/response); whatever the
// kernel didn't accept is written when the socket drains.
export class CorkedWriter {
  private frames = new FrameBuffer();
  private scheduled = false;

  constructor(private sock: Socket<unknown>) {}

  // Queues `u32 length | payload` (payload may be an encoder's shared
  // buffer: it is copied now).
  writeFrame(payload: Uint8Array): void {
    this.frames.push(payload);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (!this.frames.writeTo(this.sock)) this.frames.clear(); // closed
  }

  // Call from the socket's drain handler.
  drain(): void {
    if (this.frames.size > 0) this.flush();
  }
}
