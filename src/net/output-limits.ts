// `client-output-buffer-limit`: a client whose unsent output reaches its
// class's hard limit, or stays above the soft limit for longer than the soft
// seconds, is disconnected instead of growing memory (Redis's
// checkClientOutputBufferLimits). Classes: normal and pubsub (subscribed
// clients); AiKv has no replicas. 0 disables a limit.

import { isSubscribed } from "../pubsub/pubsub.ts";
import type { Server } from "../server.ts";
import type { Client } from "./client.ts";

interface ClassLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** Parses the normalized "normal h s secs slave h s secs pubsub h s secs" value. */
function parseLimits(value: string): Map<string, ClassLimit> {
  const w = value.split(" ");
  const limits = new Map<string, ClassLimit>();
  for (let i = 0; i + 3 < w.length; i += 4) {
    limits.set(w[i], { hard: Number(w[i + 1]), soft: Number(w[i + 2]), softSeconds: Number(w[i + 3]) });
  }
  return limits;
}

class OutputLimits {
  private normal: ClassLimit;
  private pubsub: ClassLimit;
  /** When each client went over its soft limit (unix seconds). */
  private readonly softSince = new WeakMap<Client, number>();

  constructor(private readonly server: Server) {
    const name = "client-output-buffer-limit";
    [this.normal, this.pubsub] = this.load(name);
    server.config.onChange((changed) => {
      if (changed === name) [this.normal, this.pubsub] = this.load(name);
    });
  }

  private load(name: string): [ClassLimit, ClassLimit] {
    const limits = parseLimits(this.server.config.str(name));
    const none = { hard: 0, soft: 0, softSeconds: 0 };
    return [limits.get("normal") ?? none, limits.get("pubsub") ?? none];
  }

  /** Whether c must be disconnected now. */
  exceeded(c: Client): boolean {
    const limit = isSubscribed(c) ? this.pubsub : this.normal;
    const used = c.outQueueBytes;
    if (limit.hard > 0 && used >= limit.hard) return true;
    if (limit.soft === 0 || used < limit.soft) {
      this.softSince.delete(c);
      return false;
    }
    const now = Math.floor(Date.now() / 1000);
    const since = this.softSince.get(c);
    if (since === undefined) {
      this.softSince.set(c, now);
      return false;
    }
    return now - since > limit.softSeconds;
  }
}

const registries = new WeakMap<Server, OutputLimits>();

/** Called when output is queued for c: closes c if it went over its output buffer limit. */
export function enforceOutputLimit(server: Server, c: Client): void {
  let limits = registries.get(server);
  if (limits === undefined) registries.set(server, (limits = new OutputLimits(server)));
  if (c.closed || !limits.exceeded(c)) return;
  server.log("warning", `Client id=${c.id} addr=${c.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`);
  c.closeAfterReply = false;
  server.closeClient(c);
}
