/**
 * @module sources/linux-audit/execve
 * Rebuilds argv from an event's EXECVE records. The kernel writes `argc`, then `aN` per argument;
 * an argument too long for the record's budget is announced by `aN_len` and written as chunks
 * `aN[0]`, `aN[1]`… that may continue in further EXECVE records of the same event. All chunks
 * of one argument share one encoding (quoted or hex), so they are joined before decoding.
 */
import type { AuditRecord } from './record.js';
import { decimal, untrusted } from './fields.js';

export interface Argv {
  args: string[];
  /** Arguments announced by argc but missing from the records (lost or cut records). */
  missing: number;
}

const ARG_KEY = /^a(\d{1,7})(?:(_len)|\[(\d{1,7})\])?$/;
/** argc beyond this is not believed: the kernel cannot pass more than ~2^21 argument pointers. */
const MAX_ARGC = 1 << 21;
/** An argument is at most 128 KiB (MAX_ARG_STRLEN), 256 KiB as hex: ~35 chunks of 7500 bytes. */
const MAX_CHUNKS = 1024;

export function rebuildArgv(records: readonly AuditRecord[]): Argv | undefined {
  let argc: number | undefined;
  const whole = new Map<number, string>();
  const chunks = new Map<number, string[]>();
  for (const record of records) {
    if (record.type !== 'EXECVE') continue;
    const f = record.fields;
    if (argc === undefined && f.argc !== undefined) argc = decimal(f.argc);
    for (const key of record.order) {
      const m = ARG_KEY.exec(key);
      if (!m || m[2]) continue;
      const index = Number(m[1]);
      if (m[3] === undefined) {
        whole.set(index, f[key]);
      } else {
        let list = chunks.get(index);
        if (!list) chunks.set(index, (list = []));
        const chunk = Number(m[3]);
        if (chunk < MAX_CHUNKS) list[chunk] = f[key];
      }
    }
  }
  if (argc === undefined && whole.size === 0 && chunks.size === 0) return undefined;
  let last = -1;
  for (const k of whole.keys()) if (k > last) last = k;
  for (const k of chunks.keys()) if (k > last) last = k;
  const count = Math.min(argc ?? last + 1, MAX_ARGC);
  const args: string[] = [];
  let missing = 0;
  for (let k = 0; k < count && k <= last; k++) {
    const single = whole.get(k);
    const parts = chunks.get(k);
    if (single !== undefined) args.push(untrusted(single));
    // A hole in the chunk list is a lost record: keep what arrived rather than nothing.
    else if (parts) args.push(untrusted(joinChunks(parts)));
    else {
      args.push('');
      missing++;
    }
  }
  missing += count - args.length;
  return { args, missing };
}

function joinChunks(parts: string[]): string {
  const first = parts.find((p) => p !== undefined) ?? '';
  const quoted = first.startsWith('"');
  let text = '';
  for (const p of parts) {
    if (p === undefined) continue;
    text += quoted && p.length >= 2 && p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1) : p;
  }
  return quoted ? `"${text}"` : text;
}
