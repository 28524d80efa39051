/**
 * A partition's engine applies suppression rules as the single analyser does: the alert is raised
 * already dismissed, by the rule, and kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert } from '../alerts/alert.js';
import { MemoryState } from '../engine/state/store.js';
import { normaliseAuditEvent } from '../sources/k8s-audit/normalise.js';
import { auditEvent, privilegedPod } from '../testing/audit-events.js';
import { partitionEngineFactory } from './engine-factory.js';

test('suppression rules reach the partition engines', async () => {
  const makeEngine = await partitionEngineFactory({
    suppress: (type, entities) =>
      type === 'K8S_PrivilegedContainer' && entities.namespace === 'kube-system' ? { status: 'dismissed', by: 'suppression:s-1', at: '2026-11-28T00:00:00.000Z', reason: 'CNI' } : undefined,
  });
  const alerts: Alert[] = [];
  const engine = makeEngine(new MemoryState(), (a) => alerts.push(a));
  for (const namespace of ['kube-system', 'default']) {
    const raw = auditEvent({ verb: 'create', resource: 'pods', namespace, requestObject: privilegedPod(`p-${namespace}`, namespace) });
    const event = normaliseAuditEvent(raw, { source: 'k8s-audit' });
    assert.ok(!('error' in event));
    engine.process(event);
  }
  engine.flush();
  const byNamespace = new Map(alerts.filter((a) => a.type === 'K8S_PrivilegedContainer').map((a) => [a.entities.namespace, a]));
  assert.equal(byNamespace.get('kube-system')?.status, 'dismissed');
  assert.equal(byNamespace.get('kube-system')?.statusChange?.by, 'suppression:s-1');
  assert.equal(byNamespace.get('default')?.status, 'active');
});
