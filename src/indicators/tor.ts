/**
 * @module indicators/tor
 * The Tor Project's exit lists, parsed into the address list data/indicators/tor-exit-nodes.txt:
 * the bulk exit list (one IPv4 address per line) and the `exit-addresses` stanzas of the exit
 * scanner (`ExitAddress <ip> <date> <time>` lines). scripts/refresh-tor-exits.mjs downloads them
 * and uses these functions; they do no I/O so tests can run them offline.
 */
import { canonicalIp } from './ip.js';

export interface ParsedAddresses {
  /** Canonical addresses, in order of first appearance, without duplicates. */
  addresses: string[];
  /** Lines that should have held an address and did not (line number, text clipped). */
  rejected: { line: number; text: string }[];
}

const MAX_REJECTED_TEXT = 80;

function collector() {
  const seen = new Set<string>();
  const out: ParsedAddresses = { addresses: [], rejected: [] };
  return {
    out,
    add(text: string, line: number) {
      const canonical = canonicalIp(text);
      if (!canonical) out.rejected.push({ line, text: text.slice(0, MAX_REJECTED_TEXT) });
      else if (!seen.has(canonical)) {
        seen.add(canonical);
        out.addresses.push(canonical);
      }
    },
  };
}

/** https://check.torproject.org/torbulkexitlist: one address a line; `#` comments and blanks skipped. */
export function parseBulkExitList(text: string): ParsedAddresses {
  const c = collector();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line && !line.startsWith('#')) c.add(line, i + 1);
  });
  return c.out;
}

/** https://check.torproject.org/exit-addresses: the address of every `ExitAddress` line. */
export function parseExitAddresses(text: string): ParsedAddresses {
  const c = collector();
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === 'ExitAddress') c.add(fields[1] ?? '', i + 1);
  });
  return c.out;
}

/** IPv4 before IPv6, each in numeric-ish order, so that refreshes give small diffs. */
function compareAddresses(a: string, b: string): number {
  const v6a = a.includes(':');
  const v6b = b.includes(':');
  if (v6a !== v6b) return v6a ? 1 : -1;
  if (!v6a) {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The file's text: a comment header, then one canonical address a line, sorted, no duplicates. */
export function renderAddressList(header: readonly string[], ...lists: readonly (readonly string[])[]): string {
  const all = [...new Set(lists.flat())].sort(compareAddresses);
  return [...header.map((h) => `# ${h}`), ...all].join('\n') + '\n';
}
