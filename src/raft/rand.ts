// Seeded PRNG (mulberry32). The core never touches Math.random so that a
// simulation run is a pure function of its seed.
import { mulberry32 } from "../util/prng.ts";

export type Rand = () => number; // uniform in [0, 1)

export function seededRand(seed: number): Rand {
  return mulberry32(seed);
}

export function randInt(r: Rand, n: number): number {
  return Math.floor(r() * n);
}
