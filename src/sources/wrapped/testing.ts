/**
 * @module sources/wrapped/testing
 * For format tests: read one file the way `vigil scan` does and return what came out — the
 * events, the reported issues with their locations, and the format chosen.
 */
import type { VigilEvent } from '../../events/model.js';
import { originText } from '../format.js';
import { readInput } from '../input/read.js';
import { FORMATS } from '../registry.js';

export interface Decoded {
  format?: string;
  events: VigilEvent[];
  issues: string[];
}

export async function decodeFile(path: string, format = 'auto', cluster?: string): Promise<Decoded> {
  const out: Decoded = { events: [], issues: [] };
  await readInput(
    { path, size: 0 },
    {
      format,
      formats: FORMATS,
      sink: { event: (e) => out.events.push(e), issue: (i) => out.issues.push(`${originText(i.origin)}: ${i.reason}`) },
      decoderOptions: { cluster },
      onFormat: (_file, name) => (out.format = name),
    },
  );
  return out;
}
