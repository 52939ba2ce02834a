// Redis's LFU access frequency (evict.c): an 8-bit logarithmic counter and
// the minute it was last decremented, packed like Redis's 24-bit lru field
// (minutes << 8 | counter). Engines only store the packed state; this module
// is the policy: reads bump it (when an LFU maxmemory-policy is selected),
// OBJECT FREQ reads it decayed, RESTORE FREQ sets it.

/** Counter of a new key, so it isn't the first evicted before it has a chance to be used. */
export const LFU_INIT_VAL = 5;

/** Minutes resolution of the last-decrement time, wrapping at 16 bits as in Redis. */
function minutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 65535;
}

/** The state of a key created (or RESTOREd with FREQ) now with `counter`. */
export function lfuState(counter: number, nowMs = Date.now()): number {
  return (minutes(nowMs) << 8) | counter;
}

/** LFUDecrAndReturn: the counter less one per `decayTime` minutes elapsed since the last decrement. */
export function lfuCounter(state: number, decayTime: number, nowMs = Date.now()): number {
  const counter = state & 255;
  const last = state >>> 8;
  const now = minutes(nowMs);
  const elapsed = now >= last ? now - last : 65535 - last + now;
  const periods = decayTime > 0 ? Math.floor(elapsed / decayTime) : 0;
  return periods > counter ? 0 : counter - periods;
}

/** updateLFU: decay, then a logarithmic increment (harder the higher the counter and `logFactor`). */
export function lfuAccess(state: number, logFactor: number, decayTime: number, nowMs = Date.now()): number {
  let counter = lfuCounter(state, decayTime, nowMs);
  if (counter < 255) {
    const base = Math.max(0, counter - LFU_INIT_VAL);
    if (Math.random() < 1 / (base * logFactor + 1)) counter++;
  }
  return lfuState(counter, nowMs);
}
