// The slow log (slowlog.c): commands that ran longer than
// slowlog-log-slower-than microseconds, newest first, at most
// slowlog-max-len entries, with arguments trimmed like Redis does.

import type { Config } from "../config/config.ts";
import type { Client } from "../net/client.ts";
import { concatBytes, strToBytes } from "../net/bytes.ts";

/** SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
const MAX_ARGC = 32;
const MAX_STRING = 128;

export interface SlowlogEntry {
  id: number;
  /** Unix time in seconds when the command was logged. */
  time: number;
  micros: number;
  args: Uint8Array[];
  addr: string;
  name: string;
}

export class SlowLog {
  /** Newest first. */
  private entries: SlowlogEntry[] = [];
  private nextId = 0;
  private slowerThan: number;
  private maxLen: number;

  constructor(config: Config) {
    this.slowerThan = config.num("slowlog-log-slower-than");
    this.maxLen = config.num("slowlog-max-len");
    config.onChange((name) => {
      if (name === "slowlog-log-slower-than") this.slowerThan = config.num(name);
      else if (name === "slowlog-max-len") {
        this.maxLen = config.num(name);
        this.trim();
      }
    });
  }

  /** Logs the command when it was slow enough (slowlogPushEntryIfNeeded). */
  record(c: Client, argv: Uint8Array[], micros: number): void {
    if (this.slowerThan < 0 || micros < this.slowerThan) return;
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(Date.now() / 1000),
      micros,
      args: trimArgs(argv),
      addr: c.addr,
      name: c.name,
    });
    this.trim();
  }

  private trim(): void {
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  /** The newest `count` entries. */
  newest(count: number): readonly SlowlogEntry[] {
    return this.entries.slice(0, count);
  }

  get length(): number {
    return this.entries.length;
  }

  reset(): void {
    this.entries = [];
  }
}

/** Copies argv, keeping at most 32 arguments and 128 bytes of each, as slowlogCreateEntry does. */
function trimArgs(argv: Uint8Array[]): Uint8Array[] {
  const n = Math.min(argv.length, MAX_ARGC);
  const out: Uint8Array[] = [];
  for (let j = 0; j < n; j++) {
    const a = argv[j];
    if (n !== argv.length && j === n - 1) {
      out.push(strToBytes(`... (${argv.length - n + 1} more arguments)`));
    } else if (a.length > MAX_STRING) {
      out.push(concatBytes([a.subarray(0, MAX_STRING), strToBytes(`... (${a.length - MAX_STRING} more bytes)`)]));
    } else {
      out.push(a.slice());
    }
  }
  return out;
}
