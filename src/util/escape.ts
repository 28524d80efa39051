/**
 * @module util/escape
 * Attacker-controlled text (command lines, object names, user agents) must not drive a terminal
 * or a log reader: control characters, escape sequences and bidirectional overrides are shown as
 * visible escapes.
 */

// C0 and C1 controls, DEL, and the Unicode bidi embedding/override/isolate marks.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
