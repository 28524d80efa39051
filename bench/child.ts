/**
 * @module bench/child
 * One measured run in its own process, so peak RSS belongs to that run alone:
 *   node dist/bench/child.js parse FILE   — the baseline: read lines, JSON.parse each
 *   node dist/bench/child.js scan FILE    — Vigil's scan pipeline with every detection
 * Prints one JSON line: {events, seconds, maxRssMiB}.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { scan } from '../src/scan/scan.js';

async function parseOnly(path: string): Promise<number> {
  let events = 0;
  const lines = createInterface({ input: createReadStream(path, { highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const value = JSON.parse(line) as { auditID?: string };
    if (value.auditID) events++;
  }
  return events;
}

async function scanAll(path: string): Promise<number> {
  const result = await scan({ paths: [path] });
  if (result.fileErrors.length) throw new Error(result.fileErrors.map((e) => e.reason).join('; '));
  return result.stats.eventsRead;
}

const [mode, path] = process.argv.slice(2);
if (!path || (mode !== 'parse' && mode !== 'scan')) {
  process.stderr.write('usage: child.js parse|scan FILE\n');
  process.exit(2);
}
const started = performance.now();
const events = mode === 'parse' ? await parseOnly(path) : await scanAll(path);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ events, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
