/**
 * Every detection carries its own evidence: beside `<slug>.ts` sit `<slug>.positive.*` (events
 * that must each end up in the evidence of an alert of its type) and `<slug>.negative.*` (events,
 * near-misses included, that must raise no alert of its type), in any input format Vigil reads
 * (auto-detected). An optional `<slug>.context.*` is replayed first in both runs (objects that must
 * exist, a learned baseline). The checks are those of `vigil rules test` (rules/harness.ts), so
 * built-in detections and user rules are held to the same harness.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '../catalog/catalog.js';
import { builtinCases } from '../rules/harness.js';

const cases = await builtinCases(loadCatalog());

test('there are detections to test', () => {
  assert.ok(cases.length > 0);
});

for (const c of cases) {
  test(`${c.detection.type} (${c.module}) fires on every positive event`, async () => {
    const result = await c.positive();
    assert.deepEqual(result.failures, [], result.failures.join('\n'));
  });
  test(`${c.detection.type} (${c.module}) stays silent on every negative event`, async () => {
    const result = await c.negative();
    assert.deepEqual(result.failures, [], result.failures.join('\n'));
  });
}
