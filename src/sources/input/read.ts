/**
 * @module sources/input/read
 * Reads what `vigil scan` is pointed at — files (plain or gzip), folders (recursively), stdin —
 * detects each file's format from its first bytes unless one is given, and feeds the format's
 * decoder line by line, or as one JSON document when the file is a pretty-printed document.
 * A file it cannot read is reported and skipped; the others are still read.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Decoder, DecoderOptions, DecoderSink, SourceFormat } from '../format.js';
import { JsonElementSplitter } from './json-elements.js';
import { LineSplitter } from './lines.js';

const HEAD_BYTES = 64 * 1024;
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** A file that is one JSON document is parsed whole up to this size, and streamed past it. */
const WHOLE_DOCUMENT_BYTES = 64 * 1024 * 1024;

export interface InputFile {
  /** Path, or '-' for standard input. */
  path: string;
  /** Size on disk (compressed size for .gz), 0 for stdin. */
  size: number;
}

/** Expands folders (recursively, in name order) into their files. Unreadable paths are reported. */
export function listInputs(paths: readonly string[], onError: (path: string, reason: string) => void): InputFile[] {
  const out: InputFile[] = [];
  const visit = (path: string): void => {
    if (path === '-') {
      out.push({ path, size: 0 });
      return;
    }
    let stat;
    try {
      stat = statSync(path);
    } catch (error) {
      onError(path, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message);
      return;
    }
    if (stat.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(path).sort();
      } catch (error) {
        onError(path, (error as Error).message);
        return;
      }
      for (const name of names) if (!name.startsWith('.')) visit(join(path, name));
    } else if (stat.isFile()) out.push({ path, size: stat.size });
    else onError(path, 'not a regular file or folder');
  };
  for (const path of paths) visit(path);
  return out;
}

export interface ReadOptions {
  /** 'auto' or a format name. */
  format: string;
  formats: readonly SourceFormat[];
  sink: DecoderSink;
  decoderOptions?: DecoderOptions;
  maxLineBytes?: number;
  /** Compressed bytes consumed, for progress. */
  onBytes?: (bytes: number) => void;
  /** Size up to which a JSON document is parsed whole (default 64 MiB); larger ones are streamed. */
  wholeDocumentBytes?: number;
  /** Which format was chosen for a file. */
  onFormat?: (file: string, format: string) => void;
}

/** Picks the format whose sniffer is most confident about these first bytes. */
export function detectFormat(head: string, formats: readonly SourceFormat[]): SourceFormat | undefined {
  let best: SourceFormat | undefined;
  let bestScore = 0;
  for (const format of formats) {
    const score = format.sniff(head);
    if (score > bestScore) {
      best = format;
      bestScore = score;
    }
  }
  return best;
}

function openStream(input: InputFile, onBytes?: (bytes: number) => void): Readable {
  const raw: Readable = input.path === '-' ? process.stdin : createReadStream(input.path, { highWaterMark: 256 * 1024 });
  if (onBytes) raw.on('data', (chunk: Buffer) => onBytes(chunk.length));
  return raw;
}

/** Reads one input fully. Throws only for an unreadable file (the caller reports it). */
export async function readInput(input: InputFile, options: ReadOptions): Promise<void> {
  const raw = openStream(input, options.onBytes);
  const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Look at the first bytes: gzip magic, then the format, then lines or document.
  const first = await iterator.next();
  if (first.done) return;
  let source: AsyncIterator<Buffer> = iterator;
  let pending: Buffer[] = [first.value];
  if (first.value[0] === 0x1f && first.value[1] === 0x8b) {
    const gunzip = createGunzip();
    const feed = async (): Promise<void> => {
      gunzip.write(first.value);
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        if (!gunzip.write(r.value)) await new Promise((resolve) => gunzip.once('drain', resolve));
      }
      gunzip.end();
    };
    feed().catch((error: Error) => gunzip.destroy(error));
    source = gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    pending = [];
  }
  let headBytes = pending.reduce((n, b) => n + b.length, 0);
  let ended = false;
  while (headBytes < HEAD_BYTES) {
    const r = await source.next();
    if (r.done) {
      ended = true;
      break;
    }
    pending.push(r.value);
    headBytes += r.value.length;
  }
  const head = Buffer.concat(pending).toString('utf8', 0, Math.min(headBytes, HEAD_BYTES)).replace(/^\uFEFF/, '');
  const format = options.format === 'auto' ? detectFormat(head, options.formats) : options.formats.find((f) => f.name === options.format);
  if (!format) throw new Error(options.format === 'auto' ? 'format not recognised (give it with --format)' : `unknown format '${options.format}'`);
  options.onFormat?.(input.path, format.name);
  const decoder = format.open(options.sink, options.decoderOptions ?? {});
  const file = input.path === '-' ? 'stdin' : input.path;

  async function* rest(): AsyncGenerator<Buffer> {
    for (const b of pending) yield b;
    if (ended) return;
    for (let r = await source.next(); !r.done; r = await source.next()) yield r.value;
  }

  if (decoder.value && isPrettyDocument(head)) {
    await readDocument(rest(), format, decoder as Required<Decoder>, file, options);
    return;
  }

  const splitter = new LineSplitter(
    {
      line(text, line) {
        if (text.length === 0 || (text.length < 3 && text.trim() === '')) return;
        decoder.line(line === 1 ? text.replace(/^\uFEFF/, '') : text, { file, line });
      },
      tooLong(line, bytes) {
        options.sink.issue({ origin: { file, line }, reason: `line of ${(bytes / 1048576).toFixed(1)} MiB is over the ${((options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) / 1048576).toFixed(0)} MiB limit; skipped` });
      },
    },
    options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
  );
  try {
    for await (const chunk of rest()) splitter.push(chunk);
  } finally {
    splitter.end();
    decoder.end();
  }
}

/**
 * A JSON document spread over lines (`[` or `{` whose first line is not a whole JSON value), as
 * opposed to JSON lines. A first line longer than the head is taken as JSON lines.
 */
function isPrettyDocument(head: string): boolean {
  const trimmed = head.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return false;
  const nl = trimmed.indexOf('\n');
  if (nl < 0) return false;
  const firstLine = trimmed.slice(0, nl).trim();
  try {
    JSON.parse(firstLine);
    return false;
  } catch {
    return true;
  }
}

/**
 * One JSON document: parsed whole when it is small; past WHOLE_DOCUMENT_BYTES streamed element by
 * element (its main array's), so memory stays bounded by the largest element. Each element reaches
 * the decoder wrapped as a one-element document with the fields seen before the array, and is
 * located by its element number.
 */
async function readDocument(chunks: AsyncIterable<Buffer>, format: SourceFormat, decoder: Required<Decoder>, file: string, options: ReadOptions): Promise<void> {
  const parts: Buffer[] = [];
  let size = 0;
  let splitter: JsonElementSplitter | undefined;
  const maxElement = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const keys = format.documentArrayKeys ?? [''];
  let rejectedElements = 0;
  for await (const chunk of chunks) {
    if (splitter) {
      splitter.push(chunk);
      continue;
    }
    parts.push(chunk);
    size += chunk.length;
    if (size > (options.wholeDocumentBytes ?? WHOLE_DOCUMENT_BYTES)) {
      splitter = new JsonElementSplitter(keys, maxElement, {
        element(text, index, key, fields) {
          const origin = { file, line: index + 1 };
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (error) {
            options.sink.issue({ origin, reason: `element ${index + 1}: not valid JSON (${(error as Error).message})` });
            return;
          }
          decoder.value(key === '' ? [value] : { ...fields, [key]: [value] }, origin);
        },
        tooLarge(index, bytes) {
          rejectedElements++;
          options.sink.issue({ origin: { file, line: index + 1 }, reason: `element ${index + 1} of ${(bytes / 1048576).toFixed(1)} MiB is over the ${(maxElement / 1048576).toFixed(0)} MiB limit; skipped` });
        },
      });
      for (const part of parts.splice(0)) splitter.push(part);
    }
  }
  if (splitter) {
    decoder.end();
    if (splitter.count === 0 && rejectedElements === 0) {
      throw new Error(`a JSON document over ${((options.wholeDocumentBytes ?? WHOLE_DOCUMENT_BYTES) / 1048576).toFixed(0)} MiB without a top-level array${keys.some((k) => k) ? ` or one of ${keys.filter((k) => k).map((k) => `"${k}"`).join(', ')}` : ''}; convert it to JSON lines`);
    }
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(parts).toString('utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    options.sink.issue({ origin: { file, line: 1 }, reason: `not a valid JSON document (${(error as Error).message})` });
    return;
  }
  decoder.value(value, { file, line: 1 });
  decoder.end();
}
