// Seeded PRNG (mulberry32). The core never touches Math.random so that a
// simulation run is a pure function of its seed.
export type Rand = () => number; // uniform in [0, 1)

export function seededRand(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: Rand, n: number): number {
  return Math.floor(r() * n);
}
