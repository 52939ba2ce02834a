// A latency histogram with the bucket layout of the HdrHistogram C library
// as Redis configures it (lowest 1 ns, highest 1 s, 2 significant digits),
// so percentiles (INFO latencystats) and the cumulative distribution
// (LATENCY HISTOGRAM) report the same equivalent values Redis does.

const HIGHEST = 1_000_000_000;
/** 2 significant digits: 256 sub-buckets per bucket, the lower half shared with the previous bucket. */
const SUB_BUCKET_HALF_MAGNITUDE = 7;
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_MAGNITUDE;
const SUB_BUCKET_MASK = 2 * SUB_BUCKET_HALF - 1;
/** Buckets needed to cover HIGHEST (buckets_needed_to_cover_value). */
const BUCKETS = (() => {
  let untrackable = 2 * SUB_BUCKET_HALF;
  let n = 1;
  while (untrackable <= HIGHEST) {
    untrackable *= 2;
    n++;
  }
  return n;
})();
const COUNTS_LEN = (BUCKETS + 1) * SUB_BUCKET_HALF;

// Values are integers in 0 .. HIGHEST < 2^31: int32 bit operations are exact
// and much cheaper than Math.log2 / 2 ** b on the per-command recording path.
function bitLength(v: number): number {
  return 32 - Math.clz32(v);
}

function bucketIndex(v: number): number {
  return bitLength(v | SUB_BUCKET_MASK) - (SUB_BUCKET_HALF_MAGNITUDE + 1);
}

function countsIndex(v: number): number {
  const b = bucketIndex(v);
  const sub = v >>> b;
  return ((b + 1) << SUB_BUCKET_HALF_MAGNITUDE) + (sub - SUB_BUCKET_HALF);
}

function valueAtIndex(i: number): number {
  let b = (i >> SUB_BUCKET_HALF_MAGNITUDE) - 1;
  let sub = (i & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;
  if (b < 0) {
    sub -= SUB_BUCKET_HALF;
    b = 0;
  }
  return sub * 2 ** b;
}

/** Width of the range of values counted together with v. */
function equivalentRange(v: number): number {
  const b = bucketIndex(v);
  const sub = Math.floor(v / 2 ** b);
  return 2 ** (sub >= 2 * SUB_BUCKET_HALF ? b + 1 : b);
}

function lowestEquivalent(v: number): number {
  const b = bucketIndex(v);
  return Math.floor(v / 2 ** b) * 2 ** b;
}

export function highestEquivalent(v: number): number {
  return lowestEquivalent(v) + equivalentRange(v) - 1;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(COUNTS_LEN);
  total = 0;

  /** Records a duration in nanoseconds (clamped to 1 ns .. 1 s like Redis). */
  record(nanos: number): void {
    const v = Math.min(HIGHEST, Math.max(1, Math.round(nanos)));
    this.counts[countsIndex(v)]++;
    this.total++;
  }

  /** hdr_value_at_percentile, in nanoseconds. */
  valueAtPercentile(percentile: number): number {
    const p = Math.min(percentile, 100);
    const wanted = Math.max(1, Math.floor((p / 100) * this.total + 0.5));
    let seen = 0;
    let i = 0;
    for (; i < COUNTS_LEN; i++) {
      seen += this.counts[i];
      if (seen >= wanted) break;
    }
    const v = valueAtIndex(Math.min(i, COUNTS_LEN - 1));
    return percentile === 0 ? lowestEquivalent(v) : highestEquivalent(v);
  }

  /**
   * The cumulative distribution at power-of-two reporting levels from 1024 ns
   * (hdr_iter_log_init(1024, 2) as fillCommandCDF walks it): [highest
   * equivalent ns of the level's index, cumulative count], skipping levels
   * that add nothing.
   */
  cumulative(): [number, number][] {
    const out: [number, number][] = [];
    let index = -1;
    let value = 0;
    let cumulative = 0;
    let level = 1024;
    let levelLowest = lowestEquivalent(level);
    let previous = 0;
    for (;;) {
      const more = cumulative < this.total || (index + 1 < COUNTS_LEN && valueAtIndex(index + 1) > levelLowest);
      if (!more) break;
      // Advance to the first index at or beyond the reporting level.
      while (value < levelLowest && index + 1 < COUNTS_LEN) {
        index++;
        cumulative += this.counts[index];
        value = valueAtIndex(index);
      }
      if (cumulative > previous) out.push([highestEquivalent(value), cumulative]);
      previous = cumulative;
      if (value < levelLowest) break; // ran out of indexes
      level *= 2;
      levelLowest = lowestEquivalent(level);
    }
    return out;
  }
}
