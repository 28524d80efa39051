/**
 * @module agent/linux-audit/readers
 * The two ways to receive auditd's records, behind one interface:
 *  - the log file (/var/log/audit/audit.log), followed across rotation; no EOE records there;
 *  - auditd's af_unix plugin socket, which streams the same text lines plus EOE records.
 */
import { connect, type Socket } from 'node:net';
import { FileFollower } from '../../sources/tail/follow.js';
import type { Origin } from '../../sources/format.js';

export interface RecordReader {
  /** Starts delivering lines; resolves once reading has begun. */
  start(onLine: (text: string, origin: Origin) => void, onNotice: (message: string) => void): Promise<void>;
  stop(): Promise<void>;
}

export class LogFileReader implements RecordReader {
  private follower: FileFollower | undefined;

  constructor(
    readonly path = '/var/log/audit/audit.log',
    private readonly fromStart = false,
  ) {}

  async start(onLine: (text: string, origin: Origin) => void, onNotice: (message: string) => void): Promise<void> {
    const file = this.path;
    this.follower = new FileFollower(file, { line: (text, line) => onLine(text, { file, line }), notice: onNotice }, { fromStart: this.fromStart });
    await this.follower.start();
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
  }
}

/** Default socket paths of the af_unix plugin: audit ≥ 3.1 uses /run/audit, older /var/run. */
export const PLUGIN_SOCKETS = ['/run/audit/audispd_events', '/var/run/audispd_events'];

/** Most bytes of one unfinished line held from the socket. */
const MAX_LINE = 1024 * 1024;

export class PluginSocketReader implements RecordReader {
  private socket: Socket | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private lineNo = 0;
  private partial = '';

  constructor(readonly path: string) {}

  start(onLine: (text: string, origin: Origin) => void, onNotice: (message: string) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let first = true;
      const open = () => {
        const socket = connect(this.path);
        this.socket = socket;
        socket.setEncoding('utf8');
        socket.on('connect', () => {
          if (first) resolve();
          first = false;
        });
        socket.on('data', (chunk: string) => this.take(chunk, onLine, onNotice));
        socket.on('error', (error) => {
          if (first) {
            first = false;
            reject(new Error(`cannot connect to auditd's af_unix plugin at ${this.path}: ${error.message}`));
          } else onNotice(`${this.path}: ${error.message}`);
        });
        socket.on('close', () => {
          if (this.stopped || first) return;
          // auditd restarted (log rotation by signal, upgrade): reconnect, a second at a time.
          onNotice(`${this.path} closed; reconnecting`);
          this.partial = '';
          this.retry = setTimeout(open, 1000);
        });
      };
      open();
    });
  }

  private take(chunk: string, onLine: (text: string, origin: Origin) => void, onNotice: (message: string) => void): void {
    const text = this.partial + chunk;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      this.lineNo++;
      onLine(text.slice(start, nl), { file: this.path, line: this.lineNo });
      start = nl + 1;
    }
    this.partial = text.slice(start);
    if (this.partial.length > MAX_LINE) {
      onNotice(`${this.path}: a line longer than ${MAX_LINE} bytes was dropped`);
      this.partial = '';
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }
}
