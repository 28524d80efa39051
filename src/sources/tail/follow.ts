/**
 * @module sources/tail/follow
 * Follows a growing log file line by line, as `tail -F` does, across rotation: when the path
 * names a new inode (auditd renamed audit.log to audit.log.1 and opened a new one), the old file
 * is drained to its end first, then the new one is read from its start. A file truncated in place
 * (copytruncate) is read again from its start. A last line without its newline waits until the
 * writer finishes it. Polling, not inotify: it works the same on every filesystem and mount.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';

export interface FollowOptions {
  /** Read what the file already holds (default false: start at its end, like `tail -f`). */
  fromStart?: boolean;
  /** How often to look for new data and rotation, in ms (default 200). */
  pollMs?: number;
  /** Longer lines are cut here and reported (default 1 MiB): the line buffer never grows past it. */
  maxLineBytes?: number;
}

export interface FollowHandlers {
  /** One complete line, without its newline; `line` counts from 1 in each file followed. */
  line(text: string, line: number): void;
  /** Something the follower wants known: rotation, an over-long line, a read error. */
  notice?(message: string): void;
}

const CHUNK = 64 * 1024;

export class FileFollower {
  private handle: FileHandle | undefined;
  private inode = -1;
  private position = 0;
  private lineNo = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of an over-long line still being skipped until its newline. */
  private skipping = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly pollMs: number;
  private readonly maxLineBytes: number;
  private readonly buffer = Buffer.allocUnsafe(CHUNK);

  constructor(
    readonly path: string,
    private readonly handlers: FollowHandlers,
    private readonly options: FollowOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 200;
    this.maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  }

  /** Opens the file (waiting for it to appear if need be) and starts following. */
  async start(): Promise<void> {
    await this.reopen(!this.options.fromStart);
    await this.poll();
  }

  /** Reads what is there now; the timer calls it, tests may too. */
  async poll(): Promise<void> {
    if (this.stopped) return;
    if (this.running) return this.running;
    clearTimeout(this.timer);
    this.running = this.step().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.poll(), this.pollMs);
    });
    return this.running;
  }

  /** Stops following, after delivering whatever was read. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async step(): Promise<void> {
    try {
      if (!this.handle) {
        await this.reopen(false);
        if (!this.handle) return;
      }
      await this.drain();
      const now = await stat(this.path).catch(() => undefined);
      if (now && now.ino !== this.inode) {
        // Rotated: what the writer put in the old file before renaming it is ours too.
        await this.drain();
        this.finishPartialLine();
        this.handlers.notice?.(`${this.path} was rotated; following the new file`);
        await this.handle?.close();
        this.handle = undefined;
        await this.reopen(false);
        await this.drain();
      } else if (now && now.size < this.position) {
        this.handlers.notice?.(`${this.path} was truncated; reading it again from the start`);
        this.position = 0;
        this.lineNo = 0;
        this.pending = [];
        this.pendingBytes = 0;
        await this.drain();
      }
    } catch (error) {
      this.handlers.notice?.(`${this.path}: ${(error as Error).message}`);
    }
  }

  private async reopen(atEnd: boolean): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return;
    }
    const info = await handle.stat();
    this.handle = handle;
    this.inode = info.ino;
    this.position = atEnd ? info.size : 0;
    this.lineNo = 0;
  }

  private async drain(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    for (;;) {
      const { bytesRead } = await handle.read(this.buffer, 0, CHUNK, this.position);
      if (bytesRead === 0) return;
      this.position += bytesRead;
      this.split(this.buffer.subarray(0, bytesRead));
      if (this.stopped) return;
    }
  }

  private split(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      this.lineNo++;
      if (this.skipping) this.skipping = false;
      else this.emit(chunk.subarray(start, nl));
      start = nl + 1;
    }
    if (start < chunk.length && !this.skipping) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLineBytes) {
        this.handlers.notice?.(`${this.path}:${this.lineNo + 1}: line longer than ${this.maxLineBytes} bytes skipped`);
        this.pending = [];
        this.pendingBytes = 0;
        this.skipping = true;
        return;
      }
      // Copy: the read buffer is reused by the next read.
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
  }

  private emit(tail: Buffer): void {
    let bytes = tail;
    if (this.pendingBytes > 0) {
      bytes = Buffer.concat([...this.pending, tail]);
      this.pending = [];
      this.pendingBytes = 0;
    }
    if (bytes.length > this.maxLineBytes) {
      this.handlers.notice?.(`${this.path}:${this.lineNo}: line longer than ${this.maxLineBytes} bytes skipped`);
      return;
    }
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    this.handlers.line(bytes.toString('utf8'), this.lineNo);
  }

  /** A rotated file's unterminated last line will never be finished: deliver it as it is. */
  private finishPartialLine(): void {
    if (this.pendingBytes > 0) {
      this.lineNo++;
      this.emit(Buffer.alloc(0));
    }
    this.skipping = false;
  }
}
