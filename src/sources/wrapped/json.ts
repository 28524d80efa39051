/**
 * @module sources/wrapped/json
 * JSON helpers for formats that wrap other records (cloud log exports): objects, values embedded
 * as strings (sometimes twice), concatenated documents without separators (Firehose), base64 and
 * gzip payloads (CloudWatch subscriptions, Pub/Sub). Every helper reports a reason instead of
 * throwing, so one bad record never loses the records around it.
 */
import { gunzipSync } from 'node:zlib';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

/** A payload may not inflate past this (a gzip bomb in a log file must not exhaust memory). */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

export type Parsed = { value: unknown } | { error: string };

/**
 * Parses a JSON value carried as a string, once more if the result is itself a string holding
 * JSON (exports that serialise an already-serialised record). A string that breaks off is called
 * cut off, with its length, so the operator knows to look at the shipper's size limit.
 */
export function parseEmbedded(text: string, what: string): Parsed {
  let current: unknown = text;
  for (let depth = 0; depth < 3 && typeof current === 'string'; depth++) {
    const trimmed = current.trim();
    if (depth > 0 && !trimmed.startsWith('{') && !trimmed.startsWith('[') && !trimmed.startsWith('"')) break;
    try {
      current = JSON.parse(trimmed);
    } catch (error) {
      const close = trimmed.startsWith('{') ? '}' : trimmed.startsWith('[') ? ']' : '';
      if (close && !trimmed.endsWith(close)) {
        return { error: `${what} is cut off after ${trimmed.length} characters (the shipper's size limit?); skipped` };
      }
      return { error: `${what} is not valid JSON (${(error as Error).message})` };
    }
  }
  return { value: current };
}

/**
 * Splits text holding several JSON documents back to back (`{…}{…}` or `{…}\n{…}`), as Firehose
 * writes CloudWatch payloads to S3. Linear scan, aware of strings and escapes. Anything between
 * documents that is not whitespace is returned as an `error` piece so it is reported, not lost.
 */
export function splitConcatenated(text: string): { text: string; offset: number; error?: string }[] {
  const pieces: { text: string; offset: number; error?: string }[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      if (depth === 0) {
        pieces.push({ text: text.slice(i), offset: i, error: 'text outside a JSON object' });
        return pieces;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) {
        pieces.push({ text: text.slice(start, i + 1), offset: start });
        start = -1;
      } else if (depth < 0) {
        pieces.push({ text: text.slice(i), offset: i, error: 'unbalanced closing bracket' });
        return pieces;
      }
    } else if (depth === 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      pieces.push({ text: text.slice(i), offset: i, error: 'text outside a JSON object' });
      return pieces;
    }
  }
  if (depth > 0) pieces.push({ text: text.slice(start), offset: start, error: `document cut off after ${text.length - start} characters` });
  return pieces;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Whether a string looks like a base64 payload (checked on a bounded prefix, no backtracking). */
export function looksBase64(text: string): boolean {
  return text.length >= 8 && text.length % 4 === 0 && BASE64.test(text.slice(0, 4096)) && BASE64.test(text.slice(-4096));
}

/** base64 → bytes → gunzip when gzip → UTF-8 text. */
export function decodeBase64Payload(text: string, what: string): { text: string } | { error: string } {
  const trimmed = text.trim();
  if (!looksBase64(trimmed)) return { error: `${what} is not base64` };
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return { text: gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8') };
    } catch (error) {
      return { error: `${what} is not a whole gzip stream (${(error as Error).message})` };
    }
  }
  return { text: bytes.toString('utf8') };
}
