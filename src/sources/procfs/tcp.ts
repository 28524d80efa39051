/**
 * @module sources/procfs/tcp
 * /proc/net/tcp and /proc/net/tcp6: the kernel's table of TCP sockets of one network namespace.
 * Addresses are hex of the in-kernel 32-bit words printed in host byte order (little-endian on
 * x86_64 and arm64), so each 4-byte group is reversed; ports are printed as plain hex numbers.
 */
import { canonicalIp } from '../../indicators/ip.js';

export const TCP_ESTABLISHED = 0x01;
export const TCP_SYN_SENT = 0x02;
export const TCP_LISTEN = 0x0a;

export interface TcpSocket {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: number;
  uid: number;
  /** Socket inode, '0' for sockets no process holds (TIME_WAIT, orphans). */
  inode: string;
}

/** Hex of one or four little-endian 32-bit words → canonical IPv4 / IPv6 text. */
export function decodeAddress(hex: string): string | undefined {
  if (hex.length !== 8 && hex.length !== 32) return undefined;
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(hex.slice(word + b, word + b + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return canonicalIp(groups.join(':'));
}

function endpoint(text: string): { address: string; port: number } | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const address = decodeAddress(text.slice(0, colon));
  const port = parseInt(text.slice(colon + 1), 16);
  return address === undefined || !Number.isInteger(port) ? undefined : { address, port };
}

/** The rows of a /proc/net/tcp{,6} file; malformed rows are skipped. */
export function parseTcpTable(text: string): TcpSocket[] {
  const out: TcpSocket[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i].trim().split(/\s+/);
    if (fields.length < 10) continue;
    const local = endpoint(fields[1]);
    const remote = endpoint(fields[2]);
    const state = parseInt(fields[3], 16);
    if (!local || !remote || !Number.isInteger(state)) continue;
    out.push({
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state,
      uid: Number(fields[7]),
      inode: fields[9],
    });
  }
  return out;
}

/**
 * Connections this namespace opened: SYN_SENT or ESTABLISHED whose local port is not one it
 * listens on (those are accepted, inbound connections).
 */
export function outboundConnections(sockets: TcpSocket[]): TcpSocket[] {
  const listening = new Set<number>();
  for (const s of sockets) if (s.state === TCP_LISTEN) listening.add(s.localPort);
  return sockets.filter(
    (s) => (s.state === TCP_ESTABLISHED || s.state === TCP_SYN_SENT) && !listening.has(s.localPort) && s.remotePort !== 0,
  );
}
