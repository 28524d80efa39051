/** K8S_ServiceAccountRareOperation: learning from event time, firing once, state across runs, bounds. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AnyDetection, DetectionContext } from '../../engine/detection.js';
import { MemoryState } from '../../engine/state/store.js';
import type { K8sAuditEvent } from '../../events/model.js';
import { Indicators } from '../../indicators/indicators.js';
import { StateInventory } from '../../inventory/inventory.js';
import { scan } from '../../scan/scan.js';
import detection, { type Baseline } from './service-account-rare-operation.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-12T06:00:00Z');
let seq = 0;

function request(hours: number, verb: string, resource: string, namespace?: string, sa = 'shop:sync', code = 200): K8sAuditEvent {
  const id = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
  return {
    kind: 'k8s.audit', id, auditID: id, time: T0 + hours * HOUR, source: 'k8s-audit', stage: 'ResponseComplete', level: 'Metadata',
    verb, requestURI: `/api/v1/${namespace ? `namespaces/${namespace}/` : ''}${resource}`,
    user: { username: `system:serviceaccount:${sa}`, groups: ['system:serviceaccounts', 'system:authenticated'] },
    sourceIPs: ['10.244.2.57'], userAgent: 'sync/1.0', objectRef: { resource, namespace, apiGroup: '', apiVersion: 'v1' },
    responseCode: code, annotations: {},
  };
}

function context(settings: Record<string, unknown> = {}): { ctx: DetectionContext; state: MemoryState } {
  const state = new MemoryState();
  const view = state.forCluster('default');
  const ctx = { state: view, inventory: new StateInventory(view), indicators: new Indicators(), settings: { ...detection.defaults, ...settings } };
  return { ctx, state };
}

const fires = (ctx: DetectionContext, event: K8sAuditEvent) => detection.detect(event, ctx) !== undefined;

test('learns during the learning window, then fires once on a new operation', () => {
  const { ctx } = context();
  assert.equal(fires(ctx, request(0, 'list', 'configmaps', 'shop')), false);
  assert.equal(fires(ctx, request(23.9, 'create', 'pods', 'shop')), false, 'still learning');
  assert.equal(fires(ctx, request(24.1, 'create', 'pods', 'shop')), false, 'learned during the window');
  assert.equal(fires(ctx, request(24.2, 'list', 'secrets')), true, 'new after the window');
  assert.equal(fires(ctx, request(24.3, 'list', 'secrets')), false, 'fires once, then known');
  assert.equal(fires(ctx, request(24.4, 'list', 'secrets', 'shop')), true, 'the scope is part of the operation');
});

test('a denied attempt fires, and a later success of it fires again', () => {
  const { ctx } = context();
  fires(ctx, request(0, 'list', 'configmaps', 'shop'));
  assert.equal(fires(ctx, request(30, 'get', 'secrets', 'kube-system', 'shop:sync', 403)), true);
  assert.equal(fires(ctx, request(30.1, 'get', 'secrets', 'kube-system', 'shop:sync', 403)), false);
  assert.equal(fires(ctx, request(30.2, 'get', 'secrets', 'kube-system')), true);
});

test('out-of-order events: learning runs from the earliest event time seen', () => {
  const { ctx } = context();
  fires(ctx, request(10, 'list', 'configmaps', 'shop'));
  assert.equal(fires(ctx, request(25, 'create', 'pods', 'shop')), false, 'only 15 h after the first event seen');
  fires(ctx, request(0, 'list', 'configmaps', 'shop'));
  assert.equal(fires(ctx, request(25.1, 'delete', 'pods', 'shop')), true, 'an older event moved the start back');
});

test('other accounts learn on their own clock; non-service accounts are ignored', () => {
  const { ctx } = context();
  fires(ctx, request(0, 'list', 'configmaps', 'shop'));
  assert.equal(fires(ctx, request(30, 'create', 'pods', 'shop', 'shop:reporter')), false);
  const user = { ...request(31, 'list', 'secrets'), user: { username: 'alice@example.com', groups: [] } };
  assert.equal(fires(ctx, user), false);
});

test('the baseline table and each baseline stay within their bounds', () => {
  const { ctx, state } = context({ maxAccounts: 3, maxOperationsPerAccount: 4 });
  for (let i = 0; i < 5; i++) fires(ctx, request(0, 'list', 'configmaps', 'shop', `shop:sa${i}`));
  for (const resource of ['a', 'b', 'c', 'd', 'e', 'f']) fires(ctx, request(1, 'list', resource, 'shop', 'shop:sa4'));
  const table = state.table<Baseline>('default', 'sa-rare-operation.baseline');
  assert.equal(table.size, 3);
  assert.equal(table.get('shop/sa4')!.ops.length, 4);
  assert.ok(state.evictions() >= 2);
});

test('the baseline persists through --state across two scans', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sa-rare-'));
  try {
    const toLine = (e: K8sAuditEvent) =>
      JSON.stringify({
        kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: e.auditID, stage: 'ResponseComplete', requestURI: e.requestURI,
        verb: e.verb, user: e.user, sourceIPs: e.sourceIPs, userAgent: e.userAgent, objectRef: e.objectRef, responseStatus: { metadata: {}, code: e.responseCode },
        requestReceivedTimestamp: new Date(e.time).toISOString(), stageTimestamp: new Date(e.time).toISOString(), annotations: {},
      });
    const first = join(dir, 'day1.jsonl');
    const second = join(dir, 'day2.jsonl');
    writeFileSync(first, [0, 6, 12, 18].map((h) => toLine(request(h, 'list', 'configmaps', 'shop'))).join('\n') + '\n');
    writeFileSync(second, toLine(request(26, 'list', 'configmaps', 'shop')) + '\n' + toLine(request(26.1, 'create', 'clusterrolebindings')) + '\n');
    const statePath = join(dir, 'state.db');
    const run = (paths: string[], withState: boolean) => scan({ paths, detections: [detection as unknown as AnyDetection], statePath: withState ? statePath : undefined });
    assert.equal((await run([first], true)).alerts.length, 0);
    const resumed = await run([second], true);
    assert.deepEqual(resumed.alerts.map((a) => a.type), ['K8S_ServiceAccountRareOperation']);
    assert.match(resumed.alerts[0]!.description, /create clusterrolebindings cluster-wide/);
    assert.equal((await run([second], false)).alerts.length, 0, 'without the state the account is new and learning');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
