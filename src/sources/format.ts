/**
 * @module sources/format
 * A source format turns bytes of one kind (a Kubernetes audit log, auditd's log, Tetragon's export…)
 * into the event model. Its only job: the model, or a clear error saying where and why.
 *
 * Input is handed to a format's decoder either line by line (text and JSON-lines files) or, for a
 * file that holds one JSON document (an EventList, an array, `{"records": […]}`), element by
 * element as the reader streams the document. Decoders are stateful per input (auditd assembles
 * records by serial) and report through callbacks, which costs less than generators per event.
 */
import type { EventKind, VigilEvent } from '../events/model.js';

/** Where in the input a thing was: file and line (or element index for JSON documents). */
export interface Origin {
  file: string;
  line: number;
}

export function originText(origin: Origin): string {
  return `${origin.file}:${origin.line}`;
}

/** Something the decoder could not use: counted, reported, never fatal. */
export interface DecodeIssue {
  origin: Origin;
  reason: string;
}

export interface DecoderSink {
  event(event: VigilEvent): void;
  issue(issue: DecodeIssue): void;
}

export interface Decoder {
  /** One line of text (without its newline). */
  line(text: string, origin: Origin): void;
  /**
   * One value of a JSON document: the whole document when it is small, else each element of its
   * main array as it streams by. Formats that are not JSON leave this out.
   */
  value?(value: unknown, origin: Origin): void;
  /** End of input: flush whatever is still being assembled. */
  end(): void;
}

export interface DecoderOptions {
  /** Cluster name to stamp on events whose format does not carry one. */
  cluster?: string;
  /** Node name for node telemetry whose format does not carry one. */
  node?: string;
}

export interface SourceFormat {
  /** The name `--format` takes. */
  readonly name: string;
  readonly description: string;
  /** Event kinds this format can produce (drives `vigil rules list`'s per-source view). */
  readonly kinds: readonly EventKind[];
  /**
   * Confidence (0 none … 1 certain) that a file whose first bytes are `head` is in this format.
   * `head` is up to 64 KiB of text, possibly cut mid-line.
   */
  sniff(head: string): number;
  /**
   * How a JSON document of this format nests its events, for the streaming reader: the key of the
   * main array ('items', 'records', 'Records', 'logEvents'), or '' for a top-level array.
   */
  readonly documentArrayKeys?: readonly string[];
  open(sink: DecoderSink, options: DecoderOptions): Decoder;
  /**
   * Detections that cannot fire from this source although it produces the kinds they want, with
   * the reason (GKE's audit policy does not record some requests).
   */
  readonly unsupported?: Readonly<Record<string, string>>;
}

/** Marks a line that was not JSON (already reported to the sink). */
export const NOT_JSON = Symbol('not JSON');

/** Parses one JSON line, reporting a syntax error with its location instead of throwing. */
export function parseJsonLine(text: string, origin: Origin, sink: DecoderSink): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    sink.issue({ origin, reason: `not valid JSON (${(error as Error).message})` });
    return NOT_JSON;
  }
}

/** Decodes one record of a JSON format; `path` locates it inside its line or document ('[3]'). */
export type JsonRecordDecoder = (value: unknown, origin: Origin, path: string) => void;

/**
 * A decoder for formats whose lines (or whole document) hold one record or a JSON array of them:
 * each record goes to `record` with its path; syntax errors are reported with their location.
 */
export function jsonRecordsDecoder(sink: DecoderSink, record: JsonRecordDecoder): Decoder {
  const top = (value: unknown, origin: Origin): void => {
    if (Array.isArray(value)) value.forEach((item, i) => record(item, origin, `[${i}]`));
    else record(value, origin, '');
  };
  return {
    line(text, origin) {
      const value = parseJsonLine(text, origin, sink);
      if (value !== NOT_JSON) top(value, origin);
    },
    value: top,
    end() {},
  };
}
