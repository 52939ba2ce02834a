// LZF compression as in Redis's bundled liblzf (lzf_c.c / lzf_d.c, built
// with HLOG 16 and VERY_FAST), so compressed RDB strings come out byte for
// byte as Redis writes them. Redis leaves the hash table uninitialised; a
// zeroed table is what it sees in practice, and a zero slot (the first input
// byte) is never used as a match, exactly as there.

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** liblzf's IDX() for VERY_FAST: the hash slot of a 3-byte window value. */
function slot(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * Octets matching at ref and ip (3 are known to match). liblzf first checks
 * 16 more bytes unrolled when maxLen > 16 and only then honours maxLen,
 * which can yield a match up to 2 bytes longer (still inside the input).
 */
function matchLength(input: Uint8Array, ref: number, ip: number, maxLen: number): number {
  let len = 2;
  if (maxLen > 16) {
    for (let k = 0; k < 16; k++) {
      len++;
      if (input[ref + len] !== input[ip + len]) return len;
    }
  }
  do len++;
  while (len < maxLen && input[ref + len] === input[ip + len]);
  return len;
}

/**
 * Compresses `input` into at most `maxOut` bytes; returns null when the
 * result would not fit (Redis then stores the string uncompressed).
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Uint8Array | null {
  const inLen = input.length;
  if (inLen === 0 || maxOut <= 0) return null;
  const out = new Uint8Array(maxOut + 1);
  const htab = new Uint32Array(HSIZE);
  let ip = 0;
  let op = 1; // start a literal run: its length byte is filled in later
  let lit = 0;
  let hval = (input[0] << 8) | input[1];
  while (ip < inLen - 2) {
    hval = ((hval << 8) | input[ip + 2]) >>> 0;
    const h = slot(hval);
    const ref = htab[h];
    htab[h] = ip;
    const off = ip - ref - 1;
    if (
      ref < ip &&
      off < MAX_OFF &&
      ref > 0 &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      const maxLen = Math.min(inLen - ip - 2, MAX_REF);
      if (op + 3 + 1 >= maxOut && op - (lit === 0 ? 1 : 0) + 3 + 1 >= maxOut) return null;
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // an empty run takes no byte
      let len = matchLength(input, ref, ip, maxLen);
      len -= 2; // encoded as (octets - 2)
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start a new literal run
      ip += len + 1;
      if (ip >= inLen - 2) break;
      // VERY_FAST: hash the two positions just before ip too.
      ip -= 2;
      hval = (input[ip] << 8) | input[ip + 1];
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      htab[slot(hval)] = ip;
      ip++;
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      htab[slot(hval)] = ip;
      ip++;
    } else {
      if (op >= maxOut) return null;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > maxOut) return null;
  while (ip < inLen) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return out.slice(0, op);
}

/** Decompresses LZF data that must expand to exactly `outLen` bytes; null when malformed. */
export function lzfDecompress(input: Uint8Array, outLen: number): Uint8Array | null {
  const out = new Uint8Array(outLen);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) {
      ctrl++; // literal run of ctrl bytes
      if (op + ctrl > outLen || ip + ctrl > input.length) return null;
      out.set(input.subarray(ip, ip + ctrl), op);
      op += ctrl;
      ip += ctrl;
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) {
        if (ip >= input.length) return null;
        len += input[ip++];
      }
      if (ip >= input.length) return null;
      ref -= input[ip++];
      len += 2;
      if (op + len > outLen || ref < 0) return null;
      // Byte by byte: a reference may overlap the bytes it produces.
      for (let i = 0; i < len; i++) out[op++] = out[ref++];
    }
  }
  return op === outLen ? out : null;
}
