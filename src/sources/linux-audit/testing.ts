/**
 * @module sources/linux-audit/testing
 * Test support: run lines or a file through a fresh linux-audit decoder and keep what comes out.
 */
import { readFileSync } from 'node:fs';
import type { VigilEvent } from '../../events/model.js';
import type { DecodeIssue } from '../format.js';
import { LinuxAuditDecoder, type LinuxAuditDecoderOptions } from './decoder.js';

export interface Decoded {
  events: VigilEvent[];
  issues: DecodeIssue[];
}

export function decodeLines(lines: readonly string[], options: LinuxAuditDecoderOptions = {}, file = 'test.log'): Decoded {
  const out: Decoded = { events: [], issues: [] };
  const decoder = new LinuxAuditDecoder({ event: (e) => out.events.push(e), issue: (i) => out.issues.push(i) }, { node: 'test-node', ...options });
  lines.forEach((line, index) => decoder.line(line, { file, line: index + 1 }));
  decoder.end();
  return out;
}

/** A fixture file read as UTF-8, as `vigil scan` reads files. */
export function decodeFile(path: string, options: LinuxAuditDecoderOptions = {}): Decoded {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return decodeLines(lines, options, path.slice(path.lastIndexOf('/') + 1));
}
