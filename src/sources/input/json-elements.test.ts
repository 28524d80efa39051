/**
 * The streaming splitter of large JSON documents: the same elements whatever the chunking, strings
 * that contain brackets and quotes, the object's fields before the array, oversized elements.
 */
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import k8sAudit from '../k8s-audit/format.js';
import eks from '../eks/format.js';
import type { VigilEvent } from '../../events/model.js';
import type { DecodeIssue } from '../format.js';
import { auditEvent, privilegedPod } from '../../testing/audit-events.js';
import { JsonElementSplitter } from './json-elements.js';
import { readInput } from './read.js';

function split(text: string, keys: string[], chunk: number, max = 1 << 20) {
  const out: { text: string; key: string; fields: Record<string, unknown> }[] = [];
  const tooLarge: number[] = [];
  const s = new JsonElementSplitter(keys, max, {
    element: (t, _i, key, fields) => out.push({ text: t, key, fields: { ...fields } }),
    tooLarge: (i) => tooLarge.push(i),
  });
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += chunk) s.push(buf.subarray(i, i + chunk));
  return { out, tooLarge };
}

const tricky = [{ a: 'x],[{"y":1}', b: ['q', { c: 'he said \\"hi\\" ]' }] }, 42, 'plain', null, { empty: [] }];

test('a top-level array splits into its elements whatever the chunk size', () => {
  const text = JSON.stringify(tricky, null, 2);
  for (const chunk of [1, 2, 3, 7, 64, 1 << 16]) {
    const { out } = split(text, [''], chunk);
    assert.deepEqual(out.map((e) => JSON.parse(e.text)), tricky, `chunk ${chunk}`);
  }
});

test('the array under a key, with the scalar fields before it; other arrays are skipped', () => {
  const doc = { messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: '/aws/eks/prod/cluster', subscriptionFilters: ['a'], nested: { logEvents: [1] }, logEvents: [{ id: '1', message: 'm[1]' }, { id: '2', message: '"}' }], after: true };
  for (const chunk of [1, 5, 1000]) {
    const { out } = split(JSON.stringify(doc, null, 1), ['logEvents'], chunk);
    assert.deepEqual(out.map((e) => JSON.parse(e.text)), doc.logEvents, `chunk ${chunk}`);
    assert.equal(out[0]!.key, 'logEvents');
    assert.deepEqual(out[0]!.fields, { messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: '/aws/eks/prod/cluster' });
  }
});

test('an element over the bound is skipped and reported; the next ones are kept', () => {
  const doc = [{ small: 1 }, { big: 'x'.repeat(5000) }, { small: 2 }];
  const { out, tooLarge } = split(JSON.stringify(doc), [''], 333, 1000);
  assert.deepEqual(out.map((e) => JSON.parse(e.text)), [{ small: 1 }, { small: 2 }]);
  assert.deepEqual(tooLarge, [1]);
});

test('a document over the whole-parse size streams through the format decoder, malformed elements reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-doc-'));
  const items = Array.from({ length: 300 }, (_, i) => auditEvent({ verb: 'create', resource: 'pods', namespace: 'a', requestObject: privilegedPod(`p${i}`, 'a') }));
  const text = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }, null, 2).replace('"kind": "Event",', '"kind": "Event", "broken": ,');
  const path = join(dir, 'batch.json');
  writeFileSync(path, text);
  const events: VigilEvent[] = [];
  const issues: DecodeIssue[] = [];
  await readInput({ path, size: text.length }, { format: 'auto', formats: [k8sAudit, eks], sink: { event: (e) => events.push(e), issue: (i) => issues.push(i) }, wholeDocumentBytes: 4096 });
  assert.equal(events.length, 299);
  assert.equal(issues.length, 1);
  assert.match(issues[0]!.reason, /element 1: not valid JSON/);
});
