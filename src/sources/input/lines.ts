/**
 * @module sources/input/lines
 * Splits a byte stream into lines with a bound on line length. Node's readline would buffer a
 * line of any size; here a line longer than the bound is skipped (its bytes are dropped as they
 * arrive) and reported with its number, and the lines after it are read as usual.
 */

export interface LineHandler {
  line(text: string, lineNumber: number): void;
  /** A line over the bound: its number and full length in bytes. */
  tooLong(lineNumber: number, bytes: number): void;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Bytes of the current line when it is being skipped for its length. */
  private skipping = -1;
  private lineNumber = 0;

  constructor(
    private readonly handler: LineHandler,
    private readonly maxLineBytes: number,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      this.finishLine(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) this.keep(chunk, start, chunk.length);
  }

  /** End of input: a last line without a newline still counts. */
  end(): void {
    if (this.partBytes > 0 || this.skipping >= 0) this.finishLine(Buffer.alloc(0), 0, 0);
  }

  private keep(chunk: Buffer, start: number, end: number): void {
    if (this.skipping >= 0) {
      this.skipping += end - start;
      return;
    }
    if (this.partBytes + (end - start) > this.maxLineBytes) {
      this.skipping = this.partBytes + (end - start);
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(chunk.subarray(start, end));
    this.partBytes += end - start;
  }

  private finishLine(chunk: Buffer, start: number, end: number): void {
    this.lineNumber++;
    if (this.skipping >= 0) {
      const bytes = this.skipping + (end - start);
      this.skipping = -1;
      this.handler.tooLong(this.lineNumber, bytes);
      return;
    }
    let text: string;
    if (this.partBytes === 0) {
      if (end - start > this.maxLineBytes) {
        this.handler.tooLong(this.lineNumber, end - start);
        return;
      }
      text = chunk.toString('utf8', start, end);
    } else {
      this.keep(chunk, start, end);
      if (this.skipping >= 0) {
        const bytes = this.skipping;
        this.skipping = -1;
        this.handler.tooLong(this.lineNumber, bytes);
        return;
      }
      text = Buffer.concat(this.parts, this.partBytes).toString('utf8');
      this.parts = [];
      this.partBytes = 0;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    this.handler.line(text, this.lineNumber);
  }
}
