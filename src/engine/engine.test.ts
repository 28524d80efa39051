/**
 * Engine: indexing by kind and verb|resource, one alert for several stages of a request,
 * aggregation of repeats, out-of-order events, isolation of a failing detection, and state that
 * persists across runs through the SQLite state file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Alert } from '../alerts/alert.js';
import { loadCatalog } from '../catalog/catalog.js';
import type { K8sAuditEvent } from '../events/model.js';
import { Indicators } from '../indicators/indicators.js';
import { scan } from '../scan/scan.js';
import { normaliseAuditEvent } from '../sources/k8s-audit/normalise.js';
import { auditEvent, jsonl, leaseUpdate, privilegedPod } from '../testing/audit-events.js';
import { defineDetection, type AnyDetection } from './detection.js';
import { Engine } from './engine.js';
import { SqliteStateFile } from './state/sqlite-file.js';
import { MemoryState } from './state/store.js';

function audit(raw: Record<string, unknown>): K8sAuditEvent {
  const event = normaliseAuditEvent(raw, { source: 'k8s-audit' });
  assert.ok(!('error' in event));
  return event;
}

function engine(detections: AnyDetection[], onClose?: (a: Alert) => void, state = new MemoryState()) {
  return new Engine({ detections, catalog: loadCatalog(), state, indicators: new Indicators(), aggregation: { onClose } });
}

test('an audit detection indexed on pods/create never sees lease updates or other verbs', () => {
  const seen: string[] = [];
  const podCreates = defineDetection({
    type: 'K8S_PrivilegedContainer',
    kinds: ['k8s.audit'],
    audit: { verbs: ['create'], resources: ['pods'] },
    summary: 'x',
    detect(event) {
      seen.push(`${event.verb} ${event.objectRef?.resource}`);
      return undefined;
    },
  });
  const e = engine([podCreates]);
  for (let i = 0; i < 100; i++) e.process(audit(leaseUpdate(`node-${i}`, '2026-03-14T09:21:07.000000Z')));
  e.process(audit(auditEvent({ verb: 'get', resource: 'pods', namespace: 'a', name: 'p' })));
  e.process(audit(auditEvent({ verb: 'create', resource: 'pods', namespace: 'a', subresource: 'exec', name: 'p' })));
  e.process(audit(auditEvent({ verb: 'create', resource: 'pods', namespace: 'a' })));
  assert.deepEqual(seen, ['create pods']);
  assert.equal(e.stats.events, 103);
});

test('RequestReceived and ResponseComplete of one request raise one alert with count 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-engine-'));
  const body = privilegedPod('twice', 'default');
  const events = [
    auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', auditID: 'aaaaaaaa-0000-4000-8000-000000000001', stage: 'RequestReceived', requestObject: body, code: 201 }),
    auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', auditID: 'aaaaaaaa-0000-4000-8000-000000000001', requestObject: body, responseObject: body }),
  ];
  writeFileSync(join(dir, 'stages.log'), jsonl(events));
  const result = await scan({ paths: [join(dir, 'stages.log')] });
  const alerts = result.alerts.filter((a) => a.type === 'K8S_PrivilegedContainer');
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.count, 1);
  assert.deepEqual(alerts[0]!.evidence.map((e) => e.id), ['aaaaaaaa-0000-4000-8000-000000000001']);
});

test('repeats on the same entity within the window aggregate; out-of-order times widen the range', () => {
  const closed: Alert[] = [];
  const always = defineDetection({
    type: 'K8S_DeleteEvents',
    kinds: ['k8s.audit'],
    summary: 'Events deleted in {ns}.',
    detect: (event) => ({ entities: { user: event.user.username, namespace: event.objectRef?.namespace }, facts: { ns: event.objectRef?.namespace }, key: event.user.username }),
  });
  const e = engine([always], (a) => closed.push(a));
  const del = (time: string) => audit(auditEvent({ verb: 'delete', resource: 'events', namespace: 'prod', name: 'x', time }));
  e.process(del('2026-03-14T09:30:00.000000Z'));
  e.process(del('2026-03-14T09:40:00.000000Z'));
  e.process(del('2026-03-14T09:20:00.000000Z'));
  e.process(del('2026-03-14T11:00:00.000000Z')); // past the 1 h window: a new alert
  e.flush();
  assert.equal(closed.length, 2);
  assert.equal(closed[0]!.count, 3);
  assert.equal(closed[0]!.firstSeen, '2026-03-14T09:20:00.000Z');
  assert.equal(closed[0]!.lastSeen, '2026-03-14T09:40:00.000Z');
  assert.equal(closed[0]!.description, 'Events deleted in prod. ' + loadCatalog().get('K8S_DeleteEvents')!.what);
  assert.equal(closed[1]!.count, 1);
  assert.notEqual(closed[0]!.id, closed[1]!.id);
});

test('a detection that throws is counted and the others still run', () => {
  const closed: Alert[] = [];
  const broken = defineDetection({
    type: 'K8S_CoreDnsModification',
    kinds: ['k8s.audit'],
    summary: 'x',
    detect: () => {
      throw new Error('boom');
    },
  });
  const working = defineDetection({
    type: 'K8S_AdmissionController',
    kinds: ['k8s.audit'],
    summary: 'fine',
    detect: (event) => ({ entities: { user: event.user.username }, facts: {} }),
  });
  const e = engine([broken, working], (a) => closed.push(a));
  e.process(audit(auditEvent({ verb: 'create', resource: 'pods', namespace: 'a' })));
  e.flush();
  assert.equal(e.stats.detectionErrors, 1);
  assert.match(e.stats.firstDetectionErrors[0]!, /K8S_CoreDnsModification .*boom/);
  assert.deepEqual(closed.map((a) => a.type), ['K8S_AdmissionController']);
});

test('a detection for a type the catalogue does not know is refused at start', () => {
  const unknown = defineDetection({ type: 'K8S_Nope', kinds: ['k8s.audit'], summary: 'x', detect: () => undefined });
  assert.throws(() => engine([unknown]), /unknown alert type 'K8S_Nope'/);
});

test('state written by detections survives a run through the state file, per cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-state-'));
  const path = join(dir, 'state.db');
  const counter = defineDetection({
    type: 'K8S_ServiceAccountRareOperation',
    kinds: ['k8s.audit'],
    summary: 'x',
    detect(event, ctx) {
      const table = ctx.state.table<number>('test.counter', { maxEntries: 4 });
      table.set(event.user.username, (table.get(event.user.username) ?? 0) + 1);
      return undefined;
    },
  });
  for (let run = 0; run < 2; run++) {
    const state = new MemoryState();
    const file = new SqliteStateFile(path);
    file.loadInto(state);
    const e = engine([counter], undefined, state);
    for (const user of ['a', 'b']) {
      const raw = audit(auditEvent({ verb: 'get', resource: 'pods', user }));
      e.process({ ...raw, cluster: 'prod' });
      e.process({ ...raw, cluster: 'staging', id: raw.id + '-s' });
    }
    file.save(state);
    file.close();
  }
  const state = new MemoryState();
  new SqliteStateFile(path).loadInto(state);
  assert.equal(state.table<number>('prod', 'test.counter').get('a'), 2);
  assert.equal(state.table<number>('staging', 'test.counter').get('b'), 2);
  // The bound holds: more keys evict the least recently used, and the evictions are counted.
  const table = state.table<number>('prod', 'test.counter', { maxEntries: 4 });
  for (const key of ['c', 'd', 'e', 'f']) table.set(key, 1);
  assert.ok(table.size <= 4, `size ${table.size}`);
  assert.ok(table.evicted >= 2, `evicted ${table.evicted}`);
  assert.equal(table.get('f'), 1);
});
