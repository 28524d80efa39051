/**
 * @module sources/linux-audit/record
 * One auditd log line → one record: optional `node=`, `type=`, the `msg=audit(sec.ms:serial):`
 * header, the raw key=value fields, and the ENRICHED interpretations after the first 0x1D byte.
 * A hand-written scanner: it runs on every line of the log, and must accept any bytes.
 */

/** Raw fields and interpretations of a record; null-prototype maps so any key is safe. */
export type FieldMap = Record<string, string>;

export interface AuditRecord {
  /** From the `node=` prefix, when auditd's name_format writes one. */
  node?: string;
  /** Record type name (`SYSCALL`, `EXECVE`…) or `UNKNOWN[1234]` as auditd writes unknown types. */
  type: string;
  /** The timestamp exactly as printed: "1741944067.412". */
  stamp: string;
  serial: string;
  /** Event time in milliseconds since the epoch. */
  time: number;
  fields: FieldMap;
  /** ENRICHED interpretations (UPPERCASE keys); empty for RAW logs. */
  interp: FieldMap;
  /** Field keys in the order written (EXECVE argument chunks depend on it). */
  order: string[];
}

export type ParseResult = { record: AuditRecord } | { error: string };

const GS = '\x1d';
const HEADER = /^(?:node=(\S*) )?type=(\S+) msg=audit\((\d{1,12})\.(\d{1,9}):(\d{1,20})\):/;

/** Parses one line (without its newline). Never throws. */
export function parseRecord(line: string): ParseResult {
  const gs = line.indexOf(GS);
  const raw = gs >= 0 ? line.slice(0, gs) : line;
  const m = HEADER.exec(raw);
  if (!m) return { error: headerProblem(raw) };
  const [, node, type, sec, frac, serial] = m;
  const fields: FieldMap = Object.create(null);
  const order: string[] = [];
  scanFields(raw, m[0].length, fields, order);
  const interp: FieldMap = Object.create(null);
  if (gs >= 0) scanFields(line, gs + 1, interp, undefined);
  const ms = Number(frac.length >= 3 ? frac.slice(0, 3) : frac.padEnd(3, '0'));
  const record: AuditRecord = { type, stamp: `${sec}.${frac}`, serial, time: Number(sec) * 1000 + ms, fields, interp, order };
  if (node !== undefined) record.node = node;
  return { record };
}

function headerProblem(raw: string): string {
  if (raw.trim() === '') return 'empty line';
  if (!/^(?:node=\S* )?type=/.test(raw)) return 'not an auditd record (no "type=" at the start)';
  if (!/ msg=audit\(/.test(raw)) return 'auditd record without its "msg=audit(…)" header';
  return 'malformed "msg=audit(seconds.millis:serial):" header';
}

/**
 * Reads `key=value` pairs from `start`. Values are `"quoted"` (the kernel never puts a `"` inside
 * one: such strings are hex-encoded), `'single-quoted'` (the `msg='…'` payload of userspace
 * records, whose own fields are read too), `{ braced }` (ENRICHED SADDR), or bare up to a space.
 * Words without `=` (AVC's `denied { read } for`) are skipped.
 */
function scanFields(s: string, start: number, out: FieldMap, order: string[] | undefined): void {
  const n = s.length;
  let i = start;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 0x20) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x3d || c === 0x20) break;
      i++;
    }
    if (i >= n || s.charCodeAt(i) !== 0x3d) continue;
    const key = s.slice(keyStart, i);
    i++;
    let value: string;
    const q = s.charCodeAt(i);
    if (q === 0x22 || q === 0x27) {
      const close = s.indexOf(q === 0x22 ? '"' : "'", i + 1);
      const end = close < 0 ? n : close + 1;
      value = s.slice(i, end);
      i = end;
      if (q === 0x27) {
        // msg='op=login exe="/usr/sbin/sshd" … res=success': keep it, and read the inner fields.
        const inner: FieldMap = Object.create(null);
        scanFields(value.slice(1, close < 0 ? undefined : -1), 0, inner, undefined);
        for (const k in inner) if (!(k in out)) out[k] = inner[k];
      }
    } else if (q === 0x7b) {
      const close = s.indexOf('}', i + 1);
      const end = close < 0 ? n : close + 1;
      value = s.slice(i, end);
      i = end;
    } else {
      const space = s.indexOf(' ', i);
      const end = space < 0 ? n : space;
      value = s.slice(i, end);
      i = end;
    }
    if (key.length === 0) continue;
    if (order && !(key in out)) order.push(key);
    out[key] = value;
  }
}
