/**
 * @module sources/input/json-elements
 * Splits a large JSON document into the elements of its main array without holding the document:
 * a top-level array, or the array under one of a format's keys in a top-level object
 * (`{"items": […]}`, `{"records": […]}`, `{"logEvents": […]}`). Each element is handed over as
 * text, to be parsed on its own, together with the object's scalar fields seen before the array
 * (an EKS export's logGroup, say), so memory is bounded by the largest element, not the file.
 *
 * A byte-level scanner tracks only depth, strings and escapes: it does not validate; each element
 * is validated by JSON.parse when it is decoded. Elements over the bound are skipped and reported.
 */

export interface ElementHandler {
  /** One element of the main array, with the key it was found under ('' for a top-level array). */
  element(text: string, index: number, key: string, fields: Readonly<Record<string, unknown>>): void;
  /** An element over the size bound: skipped. */
  tooLarge(index: number, bytes: number): void;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** Keys and scalar field values are short; longer ones are not kept. */
const MAX_FIELD_BYTES = 64 * 1024;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export class JsonElementSplitter {
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Top-level container: '[' or '{' once seen. */
  private top = 0;
  /** Depth at which elements of the main array sit (1 for a top-level array, 2 under a key). */
  private elementDepth = -1;
  private collecting = false;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private oversize = -1;
  private index = 0;
  /** In a top-level object: the key being read, the last key read, and whether a value is next. */
  private keyParts: number[] | undefined;
  private lastKey = '';
  private expectValue = false;
  private currentKey = '';
  private scalar: number[] | undefined;
  private readonly fields: Record<string, unknown> = {};
  /** Number of elements handed over. */
  count = 0;

  constructor(
    private readonly arrayKeys: readonly string[],
    private readonly maxElementBytes: number,
    private readonly handler: ElementHandler,
  ) {}

  push(chunk: Buffer): void {
    let start = this.collecting ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) this.inString = false;
        if (this.keyParts && this.inString && this.keyParts.length < MAX_FIELD_BYTES) this.keyParts.push(b);
        if (this.scalar && this.scalar.length < MAX_FIELD_BYTES) this.scalar.push(b);
        continue;
      }
      if (isSpace(b)) continue;
      // The start of an element of the main array.
      if (!this.collecting && this.elementDepth >= 0 && this.depth === this.elementDepth && b !== COMMA && b !== CLOSE_BRACKET) {
        this.collecting = true;
        start = i;
      }
      if (this.collecting && this.depth === this.elementDepth && (b === COMMA || b === CLOSE_BRACKET)) {
        this.keep(chunk, start, i);
        this.finishElement();
        start = -1;
      }
      this.structural(b);
    }
    if (this.collecting && start >= 0) this.keep(chunk, start, chunk.length);
  }

  private structural(b: number): void {
    if (b === QUOTE) {
      this.inString = true;
      if (this.top === OPEN_BRACE && this.depth === 1 && !this.expectValue) this.keyParts = [];
      else if (this.top === OPEN_BRACE && this.depth === 1 && this.expectValue) this.scalar = [b];
      return;
    }
    if (this.top === OPEN_BRACE && this.depth === 1) {
      if (b === COLON && this.keyParts) {
        this.lastKey = Buffer.from(this.keyParts).toString('utf8');
        this.keyParts = undefined;
        this.expectValue = true;
        return;
      }
      if (b === COMMA || b === CLOSE_BRACE) {
        this.endScalar();
        this.expectValue = false;
      } else if (this.expectValue && b !== OPEN_BRACE && b !== OPEN_BRACKET && !this.scalar) this.scalar = [b];
      else if (this.scalar && b !== OPEN_BRACE && b !== OPEN_BRACKET && this.scalar.length < MAX_FIELD_BYTES) this.scalar.push(b);
    }
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (this.depth === 0) {
        this.top = b;
        if (b === OPEN_BRACKET && this.arrayKeys.includes('')) this.elementDepth = 1;
      } else if (this.top === OPEN_BRACE && this.depth === 1 && b === OPEN_BRACKET && this.expectValue && this.arrayKeys.includes(this.lastKey)) {
        this.elementDepth = 2;
        this.currentKey = this.lastKey;
      }
      if (this.top === OPEN_BRACE && this.depth === 1) this.expectValue = false;
      this.depth++;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      this.depth--;
      if (this.depth < this.elementDepth) this.elementDepth = -1;
    }
  }

  private endScalar(): void {
    if (!this.scalar) return;
    const text = Buffer.from(this.scalar).toString('utf8');
    this.scalar = undefined;
    try {
      this.fields[this.lastKey] = JSON.parse(text);
    } catch {
      // A malformed scalar is not ours to report: the elements are what is decoded.
    }
  }

  private keep(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    if (this.oversize >= 0) {
      this.oversize += end - start;
      return;
    }
    if (this.partBytes + (end - start) > this.maxElementBytes) {
      this.oversize = this.partBytes + (end - start);
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(Buffer.from(chunk.subarray(start, end)));
    this.partBytes += end - start;
  }

  private finishElement(): void {
    const index = this.index++;
    this.collecting = false;
    if (this.oversize >= 0) {
      this.handler.tooLarge(index, this.oversize);
      this.oversize = -1;
      return;
    }
    const text = Buffer.concat(this.parts, this.partBytes).toString('utf8');
    this.parts = [];
    this.partBytes = 0;
    this.count++;
    this.handler.element(text, index, this.currentKey, this.fields);
  }
}
