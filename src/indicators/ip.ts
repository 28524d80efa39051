/**
 * @module indicators/ip
 * IP addresses, CIDR ranges and CIDR sets in one canonical form, so that a list written with fully
 * expanded IPv6 and an audit log or a Service spec with compressed or IPv4-mapped addresses still meet.
 */
import ipaddr from 'ipaddr.js';

/**
 * Canonical text of an address: IPv4 dotted quad; IPv6 compressed lower-case (RFC 5952); an
 * IPv4-mapped IPv6 address becomes its IPv4 address; zone ids and brackets are dropped.
 * Undefined when the text is not an IP address.
 */
export function canonicalIp(text: string): string | undefined {
  let s = text.trim();
  if (s.startsWith('[')) s = s.slice(1, s.indexOf(']') > 0 ? s.indexOf(']') : undefined);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!ipaddr.isValid(s)) return undefined;
  try {
    return ipaddr.process(s).toString();
  } catch {
    return undefined;
  }
}

export function isIp(text: string): boolean {
  return canonicalIp(text) !== undefined;
}

/** Private, loopback, link-local, CGNAT, unique-local and other non-internet ranges. */
export function isNonPublicIp(text: string): boolean {
  const canonical = canonicalIp(text);
  if (!canonical) return false;
  const range = ipaddr.parse(canonical).range();
  return range !== 'unicast';
}

/** A CIDR range; `text` as written (trimmed), for descriptions. */
export interface Cidr {
  text: string;
  family: 'ipv4' | 'ipv6';
  prefix: number;
  address: ipaddr.IPv4 | ipaddr.IPv6;
}

/** Parses a CIDR (a bare address is a /32 or /128); IPv4-mapped IPv6 ranges become IPv4. */
export function parseCidr(text: string): Cidr | undefined {
  const s = text.trim().slice(0, 64);
  try {
    const [address, prefix] = s.includes('/') ? ipaddr.parseCIDR(s) : [ipaddr.parse(s), s.includes(':') ? 128 : 32];
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
      return { text: s, family: 'ipv4', prefix: prefix - 96, address: (address as ipaddr.IPv6).toIPv4Address() };
    }
    return { text: s, family: address.kind(), prefix, address };
  } catch {
    return undefined;
  }
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  return outer.family === 'ipv4'
    ? (inner.address as ipaddr.IPv4).match(outer.address as ipaddr.IPv4, outer.prefix)
    : (inner.address as ipaddr.IPv6).match(outer.address as ipaddr.IPv6, outer.prefix);
}

const RECENT_ANSWERS = 4096;

/** A set of addresses and CIDR ranges with membership by canonical address. */
export class IpSet {
  private readonly exact = new Set<string>();
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  private readonly recent = new Map<string, boolean>();
  /** Lines that were neither an address nor a CIDR, with their line number. */
  readonly rejected: { line: number; text: string }[] = [];

  /** Parses one address or CIDR per line; `#` and `;` start comments; blank lines are skipped. */
  static parse(text: string): IpSet {
    const set = new IpSet();
    text.split('\n').forEach((raw, index) => {
      const line = raw.replace(/[#;].*$/, '').trim();
      if (line) set.add(line, index + 1);
    });
    return set;
  }

  add(entry: string, line = 0): boolean {
    this.recent.clear();
    if (entry.includes('/')) {
      try {
        const [addr, bits] = ipaddr.parseCIDR(entry);
        this.ranges.push([addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr, addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? bits - 96 : bits]);
        return true;
      } catch {
        this.rejected.push({ line, text: entry });
        return false;
      }
    }
    const canonical = canonicalIp(entry);
    if (!canonical) {
      this.rejected.push({ line, text: entry });
      return false;
    }
    this.exact.add(canonical);
    return true;
  }

  get size(): number {
    return this.exact.size + this.ranges.length;
  }

  has(address: string): boolean {
    // Audit logs repeat a few addresses (nodes, controllers) millions of times: answers for the
    // last few thousand are remembered, so the common case is one Map lookup, not a parse.
    const known = this.recent.get(address);
    if (known !== undefined) return known;
    const answer = this.lookup(address);
    if (this.recent.size >= RECENT_ANSWERS) this.recent.clear();
    this.recent.set(address, answer);
    return answer;
  }

  private lookup(address: string): boolean {
    const canonical = canonicalIp(address);
    if (!canonical) return false;
    if (this.exact.has(canonical)) return true;
    if (this.ranges.length === 0) return false;
    const parsed = ipaddr.parse(canonical);
    for (const [range, bits] of this.ranges) {
      if (range.kind() === parsed.kind() && parsed.match(range, bits)) return true;
    }
    return false;
  }
}
