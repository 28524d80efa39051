/**
 * The clean corpus: a realistic day of benign node activity (benign-node-day.jsonl.gz, made by
 * generate-benign-node-corpus.ts) replayed through every node detection the registry finds. Any
 * alert must be listed in known-fps.csv (type, a substring of its description, the reason it is
 * accepted); a listed entry that no longer matches anything is stale and fails too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { discoverDetections } from '../../src/detections/registry.js';
import { scan } from '../../src/scan/scan.js';
import { packageRoot } from '../../src/util/paths.js';

const dir = join(packageRoot(), 'test', 'corpus');

interface KnownFp {
  type: string;
  description: string;
  reason: string;
}

/** known-fps.csv: a header line, then `type,description substring,reason` (reason may hold commas). */
function knownFps(): KnownFp[] {
  const lines = readFileSync(join(dir, 'known-fps.csv'), 'utf8').split('\n').slice(1);
  return lines
    .filter((l) => l.trim())
    .map((line) => {
      const [type = '', description = '', ...reason] = line.split(',');
      return { type: type.trim(), description: description.trim(), reason: reason.join(',').trim() };
    });
}

test('every node detection stays silent on a benign day of node activity, known false positives aside', async () => {
  const detections = (await discoverDetections()).filter((d) => d.module.startsWith('node/')).map((d) => d.detection);
  assert.ok(detections.length > 0);
  const result = await scan({ paths: [join(dir, 'benign-node-day.jsonl.gz')], detections });
  assert.deepEqual(result.fileErrors, []);
  assert.equal(result.stats.rejected, 0, result.stats.firstRejections.join('; '));
  assert.ok(result.stats.eventsRead >= 20000, `corpus holds ${result.stats.eventsRead} events`);
  assert.equal(result.stats.detectionErrors, 0, result.stats.firstDetectionErrors.join('; '));
  const known = knownFps();
  for (const fp of known) assert.ok(fp.reason, `known-fps.csv: ${fp.type} "${fp.description}" has no reason`);
  const unexpected = result.alerts.filter((a) => !known.some((fp) => fp.type === a.type && a.description.includes(fp.description)));
  assert.deepEqual(
    unexpected.map((a) => `${a.type}: ${a.description}`),
    [],
    'alerts on the benign corpus (fix the detection, or list it in known-fps.csv with a reason)',
  );
  const stale = known.filter((fp) => !result.alerts.some((a) => a.type === fp.type && a.description.includes(fp.description)));
  assert.deepEqual(stale, [], 'known-fps.csv entries that match no alert any more');
});
