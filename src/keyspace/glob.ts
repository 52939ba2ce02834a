// Glob-style pattern matching over byte strings, exactly like Redis's
// stringmatchlen (util.c): `*`, `?`, `[abc]`, `[^a]`, `[a-z]` (reversed
// ranges allowed), `\` escapes, and a case-insensitive (ASCII) variant.
// Used by KEYS, SCAN MATCH, pub/sub patterns and CONFIG GET.
//
// Redis patterns are NUL-terminated sds strings and the C code reads one byte
// past the pattern's end in a few places; `at()` reproduces that by reading 0
// beyond the end, so malformed patterns ("[abc", "a\\") behave identically.

/** Recursion guard for `*` (one level per `*` group): beyond it we report no match. */
const MAX_NESTING = 1000;

/** Whether `subject` matches the glob `pattern` (byte strings). */
export function globMatch(pattern: Uint8Array, subject: Uint8Array, nocase = false): boolean {
  const state = { skipLongerMatches: false };
  return matchFrom(pattern, 0, subject, 0, nocase, state, 0);
}

/** globMatch for latin1 JS strings (each char is one byte). */
export function globMatchStr(pattern: string, subject: string, nocase = false): boolean {
  return globMatch(latin1(pattern), latin1(subject), nocase);
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

function matchFrom(
  pat: Uint8Array,
  p: number,
  str: Uint8Array,
  s: number,
  nocase: boolean,
  state: { skipLongerMatches: boolean },
  nesting: number,
): boolean {
  if (nesting > MAX_NESTING) return false;
  const pEnd = pat.length;
  const sEnd = str.length;
  const at = (i: number): number => (i < pEnd ? pat[i] : 0);
  while (p < pEnd && s < sEnd) {
    switch (pat[p]) {
      case 42: {
        // '*'
        while (p + 1 < pEnd && pat[p + 1] === 42) p++;
        if (p + 1 === pEnd) return true;
        while (s < sEnd) {
          if (matchFrom(pat, p + 1, str, s, nocase, state, nesting + 1)) return true;
          if (state.skipLongerMatches) return false;
          s++;
        }
        // The rest of the pattern matches nowhere in the rest of the string,
        // so earlier stars can't help by consuming more (Redis's CVE-2022-36021 fix).
        state.skipLongerMatches = true;
        return false;
      }
      case 63: // '?'
        s++;
        break;
      case 91: {
        // '['
        p++;
        const not = at(p) === 94; // '^'
        if (not) p++;
        let match = false;
        for (;;) {
          if (at(p) === 92 && pEnd - p >= 2) {
            // '\' escapes the next char inside a class
            p++;
            if (pat[p] === str[s]) match = true;
          } else if (at(p) === 93) {
            break; // ']'
          } else if (p >= pEnd) {
            p--; // unterminated class: the outer loop's p++ lands on the end
            break;
          } else if (pEnd - p >= 3 && pat[p + 1] === 45) {
            // 'a-z'
            let start = pat[p];
            let end = pat[p + 2];
            let c = str[s];
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
              c = lower(c);
            }
            p += 2;
            if (c >= start && c <= end) match = true;
          } else if (nocase ? lower(pat[p]) === lower(str[s]) : pat[p] === str[s]) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) return false;
        s++;
        break;
      }
      default:
        // '\' escapes the next char (a trailing '\' matches itself)
        if (pat[p] === 92 && pEnd - p >= 2) p++;
        if (nocase ? lower(pat[p]) !== lower(str[s]) : pat[p] !== str[s]) return false;
        s++;
        break;
    }
    p++;
    if (s === sEnd) {
      while (at(p) === 42) p++;
      break;
    }
  }
  return p >= pEnd && s === sEnd;
}
