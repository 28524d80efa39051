/**
 * @module sources/linux-audit/fields
 * Decoding of single auditd field values: the kernel's hex rule for untrusted strings, numbers,
 * unset ids. Every function accepts any attacker-controlled text and never throws.
 */

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/** auditd's "unset" id (-1 as u32): no login uid, no session. */
export const UNSET_ID = 4294967295;

/**
 * The value of an untrusted string field (comm, exe, cwd, name, EXECVE args, proctitle, key…).
 * Quoted → the text between the quotes; even-length hex → the decoded bytes; anything else
 * (`(null)`, `(none)`, `?`) stays as written.
 */
export function untrusted(value: string): string {
  if (value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22) {
    return value.slice(1, -1);
  }
  if (HEX.test(value)) return bytesToText(Buffer.from(value, 'hex'));
  return value;
}

/** Whether an untrusted field is absent in the kernel's sense: `(null)`, `(none)` or `?`. */
export function isNullValue(value: string | undefined): boolean {
  return value === undefined || value === '(null)' || value === '(none)' || value === '?';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes as text: UTF-8 when valid; otherwise each byte that is not part of a valid UTF-8
 * sequence is written `\xNN`, so that non-UTF-8 names stay distinct and visible instead of
 * collapsing into U+FFFD.
 */
export function bytesToText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return escapeInvalidUtf8(bytes);
  }
}

function escapeInvalidUtf8(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need === 0) {
      out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    if (need > 0 && validSequence(bytes, i, need)) {
      out += utf8.decode(bytes.subarray(i, i + need + 1));
      i += need + 1;
      continue;
    }
    out += '\\x' + b.toString(16).padStart(2, '0');
    i += 1;
  }
  return out;
}

function validSequence(bytes: Uint8Array, start: number, need: number): boolean {
  if (start + need >= bytes.length) return false;
  for (let k = 1; k <= need; k++) if ((bytes[start + k] & 0xc0) !== 0x80) return false;
  try {
    utf8.decode(bytes.subarray(start, start + need + 1));
    return true;
  } catch {
    return false;
  }
}

/** A decimal field as a number; undefined when absent or not a plain non-negative integer. */
export function decimal(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value)) return undefined;
  return Number(value);
}

/** A signed decimal field (`exit=-115`). */
export function signedDecimal(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d{1,20}$/.test(value)) return undefined;
  return Number(value);
}

/** An id field (uid, auid…); the unset id becomes undefined. */
export function auditId(value: string | undefined): number | undefined {
  const n = decimal(value);
  return n === UNSET_ID ? undefined : n;
}

/**
 * A syscall argument (a0–a3: hex without 0x) as a bigint, so that 64-bit pointers and flag words
 * keep every bit.
 */
export function syscallArg(value: string | undefined): bigint | undefined {
  if (value === undefined || !/^[0-9a-fA-F]{1,16}$/.test(value)) return undefined;
  return BigInt('0x' + value);
}

/** PROCTITLE: argv joined by NULs (trailing NULs trimmed by the kernel). */
export function proctitleArgs(value: string): string[] {
  const text = untrusted(value);
  const args = text.split('\0');
  while (args.length > 1 && args[args.length - 1] === '') args.pop();
  return args;
}
