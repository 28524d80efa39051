/**
 * Every detection carries its own evidence: beside `<slug>.ts` sit `<slug>.positive.*` (events
 * that must each end up in the evidence of an alert of its type) and `<slug>.negative.*` (events,
 * near-misses included, that must raise no alert of its type), in any input format Vigil reads
 * (auto-detected). An optional `<slug>.context.*` is replayed first in both runs (objects that must
 * exist, a learned baseline). This test finds every detection and fails if a file is missing or
 * gives the wrong result.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { VigilEvent } from '../events/model.js';
import { scan } from '../scan/scan.js';
import { packageRoot } from '../util/paths.js';
import { discoverDetections } from './registry.js';

const detections = await discoverDetections();

function fixture(module: string, role: 'positive' | 'negative' | 'context'): string | undefined {
  const dir = join(packageRoot(), 'src', 'detections', module.split('/').slice(0, -1).join('/'));
  const slug = module.split('/').pop()!;
  const name = readdirSync(dir).find((f) => f.startsWith(`${slug}.${role}.`));
  return name ? join(dir, name) : undefined;
}

test('there are detections to test', () => {
  assert.ok(detections.length > 0);
});

for (const { detection, module } of detections) {
  test(`${detection.type} (${module}) fires on every positive event`, async () => {
    const positive = fixture(module, 'positive');
    assert.ok(positive, `missing src/detections/${module}.positive.* fixture`);
    const context = fixture(module, 'context');
    const events: VigilEvent[] = [];
    const contextIds = new Set<string>();
    if (context) {
      const c = await scan({ paths: [context], detections: [detection], onEvent: (e) => contextIds.add(e.id) });
      assert.equal(c.stats.rejected, 0, `context rejected: ${c.stats.firstRejections.join('; ')}`);
    }
    const result = await scan({ paths: context ? [context, positive] : [positive], detections: [detection], onEvent: (e) => events.push(e) });
    assert.deepEqual(result.fileErrors, []);
    assert.equal(result.stats.rejected, 0, `positive fixture rejected: ${result.stats.firstRejections.join('; ')}`);
    const alerted = new Set(result.alerts.filter((a) => a.type === detection.type).flatMap((a) => a.evidence.map((e) => e.id)));
    const positives = events.filter((e) => !contextIds.has(e.id));
    assert.ok(positives.length > 0, 'positive fixture holds no events');
    const missed = positives.filter((e) => !alerted.has(e.id)).map((e) => `${e.origin} (${e.id})`);
    assert.deepEqual(missed, [], `no ${detection.type} alert for these positive events`);
  });

  test(`${detection.type} (${module}) stays silent on every negative event`, async () => {
    const negative = fixture(module, 'negative');
    assert.ok(negative, `missing src/detections/${module}.negative.* fixture`);
    const context = fixture(module, 'context');
    const result = await scan({ paths: context ? [context, negative] : [negative], detections: [detection] });
    assert.deepEqual(result.fileErrors, []);
    assert.equal(result.stats.rejected, 0, `negative fixture rejected: ${result.stats.firstRejections.join('; ')}`);
    assert.ok(result.stats.eventsRead > 0, 'negative fixture holds no events');
    const fired = result.alerts.filter((a) => a.type === detection.type);
    assert.deepEqual(
      fired.map((a) => `${a.description} [${a.evidence.map((e) => e.origin).join(', ')}]`),
      [],
      `${detection.type} fired on negative events`,
    );
  });
}
