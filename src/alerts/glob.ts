/**
 * @module alerts/glob
 * Shell-style wildcards (`*` any run, `?` one character) for exceptions and suppressions, matched
 * in linear time with the classic greedy backtrack-to-last-star walk: a pattern written by an
 * operator never meets an input crafted by an attacker in a regular-expression engine.
 */

export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
