/**
 * @module sources/linux-audit/sockaddr
 * SOCKADDR's `saddr`: a raw `struct sockaddr` in hex. The family is in host byte order
 * (little-endian on x86_64 and arm64); ports and addresses in network byte order.
 */
import { canonicalIp } from '../../indicators/ip.js';
import { bytesToText } from './fields.js';

export type SockAddr =
  | { family: 'inet' | 'inet6'; address: string; port: number }
  | { family: 'unix'; path: string }
  /** Netlink, packet, unspecified…: not a remote peer we report. */
  | { family: 'other'; number: number };

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;

/** Decodes `saddr`; undefined when it is not hex or too short for its family. */
export function decodeSockaddr(hex: string): SockAddr | undefined {
  if (hex.length < 4 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const b = Buffer.from(hex, 'hex');
  const family = b.readUInt16LE(0);
  switch (family) {
    case AF_INET: {
      if (b.length < 8) return undefined;
      return { family: 'inet', port: b.readUInt16BE(2), address: `${b[4]}.${b[5]}.${b[6]}.${b[7]}` };
    }
    case AF_INET6: {
      if (b.length < 24) return undefined;
      const groups: string[] = [];
      for (let k = 8; k < 24; k += 2) groups.push(b.readUInt16BE(k).toString(16));
      const text = groups.join(':');
      return { family: 'inet6', port: b.readUInt16BE(2), address: canonicalIp(text) ?? text };
    }
    case AF_UNIX: {
      const body = b.subarray(2);
      if (body.length === 0) return { family: 'unix', path: '' };
      // A leading NUL marks an abstract socket; `ss` and lsof show those as "@name".
      if (body[0] === 0) return { family: 'unix', path: '@' + bytesToText(trimNul(body.subarray(1))) };
      const nul = body.indexOf(0);
      return { family: 'unix', path: bytesToText(nul >= 0 ? body.subarray(0, nul) : body) };
    }
    default:
      return { family: 'other', number: family };
  }
}

function trimNul(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end);
}
