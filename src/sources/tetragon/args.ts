/**
 * @module sources/tetragon/args
 * Tetragon's `arguments` is argv[1..] joined with spaces, where an argument that itself contains a
 * space is wrapped in double quotes (without escaping quotes inside it). This undoes that join as
 * far as it can be undone; the raw string stays the authority for display and pattern matching.
 */

/** Splits Tetragon's `arguments` string back into arguments. Never throws, whatever the input. */
export function splitArguments(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && text.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    if (text.charCodeAt(i) === 34) {
      // A quoted argument ends at a quote followed by a space or the end; a lone quote that never
      // closes that way was part of an ordinary argument after all.
      let close = text.indexOf('"', i + 1);
      while (close >= 0 && close + 1 < n && text.charCodeAt(close + 1) !== 32) close = text.indexOf('"', close + 1);
      if (close >= 0) {
        out.push(text.slice(i + 1, close));
        i = close + 1;
        continue;
      }
    }
    let end = text.indexOf(' ', i);
    if (end < 0) end = n;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/** The last component of a path: the name a program is usually called by. */
export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash >= 0 ? path.slice(slash + 1) : path;
}
