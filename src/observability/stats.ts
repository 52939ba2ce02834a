// Server-wide counters reported by INFO stats / errorstats, and Redis's
// instantaneous metrics (ops/sec, kbps) sampled by the cron.

export class ServerStats {
  connectionsReceived = 0;
  rejectedConnections = 0;
  commandsProcessed = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  unknownCommands = 0;
  protocolErrors = 0;
  totalErrorReplies = 0;
  /** Error replies by error code (the first word: ERR, WRONGTYPE...). */
  readonly errors = new Map<string, number>();

  countError(message: string): void {
    this.totalErrorReplies++;
    const sp = message.indexOf(" ");
    const code = sp < 0 ? message : message.slice(0, sp);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  reset(): void {
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.commandsProcessed = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.unknownCommands = 0;
    this.protocolErrors = 0;
    this.totalErrorReplies = 0;
    this.errors.clear();
  }
}

/** Like Redis's STATS_METRIC_SAMPLES: the rate is the mean of the last 16 samples. */
const SAMPLES = 16;
/** Redis samples every 100 ms whatever hz is. */
export const SAMPLE_PERIOD_MS = 100;

/** The per-second rate of a growing counter, averaged over recent samples (trackInstantaneousMetric). */
export class RateSampler {
  private readonly samples = new Float64Array(SAMPLES);
  private next = 0;
  private lastTime = 0;
  private lastValue = 0;

  sample(now: number, value: number): void {
    if (this.lastTime !== 0 && now > this.lastTime) {
      this.samples[this.next] = ((value - this.lastValue) * 1000) / (now - this.lastTime);
      this.next = (this.next + 1) % SAMPLES;
    }
    this.lastTime = now;
    this.lastValue = value;
  }

  reset(): void {
    this.samples.fill(0);
    this.next = 0;
    this.lastTime = 0;
  }

  /** Mean rate per second over the samples. */
  get perSecond(): number {
    let sum = 0;
    for (const s of this.samples) sum += s;
    return sum / SAMPLES;
  }
}
