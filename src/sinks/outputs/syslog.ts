/**
 * @module sinks/outputs/syslog
 * Alerts as RFC 5424 syslog messages (CEF by default in MSG), over UDP (one message per datagram,
 * RFC 5426) or TCP with octet-counting framing (RFC 6587 §3.4.1: "LEN SP MSG"). The TCP
 * connection is opened on first use and again after an error; delivery retries go through the
 * output's bounded queue.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { Alert } from '../../alerts/alert.js';
import { RetryableError } from './delivery.js';

/** Syslog severities: high → critical, medium → warning, low → notice, informational → info. */
const SYSLOG_SEVERITY = { high: 2, medium: 4, low: 5, informational: 6 } as const;
/** Messages beyond this are cut (RFC 5426 receivers must take 480, should take 2048; most take 8 KiB). */
const MAX_MESSAGE_BYTES = 8192;

/** PRINTUSASCII without spaces, as RFC 5424 header fields require, cut to `max`. */
function headerField(text: string, max: number): string {
  const clean = text.replace(/[^!-~]/g, '_').slice(0, max);
  return clean || '-';
}

export interface Rfc5424Options {
  facility: number;
  appName: string;
  host?: string;
  now?: Date;
}

/** One RFC 5424 message: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG`. */
export function rfc5424(alert: Alert, message: string, options: Rfc5424Options): string {
  const pri = options.facility * 8 + SYSLOG_SEVERITY[alert.severity];
  const header = [
    `<${pri}>1`,
    (options.now ?? new Date()).toISOString(),
    headerField(options.host ?? hostname(), 255),
    headerField(options.appName, 48),
    String(process.pid),
    headerField(alert.type, 32),
    '-',
  ].join(' ');
  const line = `${header} ${message.replace(/[\r\n]+/g, ' ')}`;
  const bytes = Buffer.from(line);
  return bytes.length > MAX_MESSAGE_BYTES ? bytes.subarray(0, MAX_MESSAGE_BYTES).toString().replace(/\uFFFD$/, '') : line;
}

/** Octet-counting frame for syslog over TCP. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message);
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}

export interface SyslogTransport {
  send(message: string): Promise<void>;
  close(): void;
}

export function udpTransport(host: string, port: number): SyslogTransport {
  let socket: UdpSocket | undefined;
  return {
    send(message) {
      socket ??= createSocket(host.includes(':') ? 'udp6' : 'udp4');
      return new Promise((resolve, reject) => {
        socket!.send(Buffer.from(message), port, host, (error) => (error ? reject(new RetryableError(`syslog udp ${host}:${port}: ${error.message}`)) : resolve()));
      });
    },
    close() {
      socket?.close();
      socket = undefined;
    },
  };
}

export function tcpTransport(host: string, port: number, timeoutMs: number): SyslogTransport {
  let socket: Socket | undefined;
  let connecting: Promise<Socket> | undefined;
  const open = (): Promise<Socket> => {
    if (socket && !socket.destroyed) return Promise.resolve(socket);
    connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      s.setTimeout(timeoutMs);
      s.once('connect', () => {
        s.setTimeout(0);
        socket = s;
        connecting = undefined;
        resolve(s);
      });
      const fail = (error: Error) => {
        s.destroy();
        if (socket === s) socket = undefined;
        connecting = undefined;
        reject(new RetryableError(`syslog tcp ${host}:${port}: ${error.message}`));
      };
      s.once('error', fail);
      s.once('timeout', () => fail(new Error('connection timed out')));
      s.once('close', () => {
        if (socket === s) socket = undefined;
      });
    });
    return connecting;
  };
  return {
    async send(message) {
      const s = await open();
      await new Promise<void>((resolve, reject) =>
        s.write(octetFrame(message), (error) => {
          if (!error) return resolve();
          s.destroy();
          reject(new RetryableError(`syslog tcp ${host}:${port}: ${error.message}`));
        }),
      );
    },
    close() {
      socket?.end();
      socket = undefined;
    },
  };
}
