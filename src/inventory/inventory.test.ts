/**
 * The inventory follows objects through create, update, patch (merge and JSON patch, with and
 * without a response body) and delete; refused requests change nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryState } from '../engine/state/store.js';
import type { K8sAuditEvent } from '../events/model.js';
import { normaliseAuditEvent } from '../sources/k8s-audit/normalise.js';
import { auditEvent } from '../testing/audit-events.js';
import { StateInventory } from './inventory.js';
import { containersOf, podSpecOf } from './pod-spec.js';

function audit(raw: Record<string, unknown>): K8sAuditEvent {
  const e = normaliseAuditEvent(raw, { source: 'k8s-audit' });
  assert.ok(!('error' in e));
  return e;
}

const deployment = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, managedFields: [{ manager: 'kubectl' }] },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } } },
  status: { replicas: 1 },
};

test('create, merge patch without response, JSON patch, delete', () => {
  const inv = new StateInventory(new MemoryState().forCluster('c'));
  inv.applyAuditEvent(audit(auditEvent({ verb: 'create', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', requestObject: deployment, level: 'Request' })));
  const stored = inv.get('Deployment', 'shop', 'web')!;
  assert.equal(stored.metadata.managedFields, undefined, 'managed fields are dropped');
  assert.equal('status' in stored, false);

  inv.applyAuditEvent(audit(auditEvent({
    verb: 'patch', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', level: 'Request',
    requestObject: { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } },
  })));
  assert.equal(containersOf(podSpecOf(inv.get('Deployment', 'shop', 'web')))[0]!.image, 'nginx:1.26');

  inv.applyAuditEvent(audit(auditEvent({
    verb: 'patch', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', level: 'Request',
    requestObject: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.27' }, { op: 'add', path: '/metadata/labels/tier', value: 'front' }],
  })));
  const patched = inv.get('Deployment', 'shop', 'web')!;
  assert.equal(containersOf(podSpecOf(patched))[0]!.image, 'nginx:1.27');
  assert.equal(patched.metadata.labels?.tier, 'front');

  inv.applyAuditEvent(audit(auditEvent({ verb: 'delete', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web' })));
  assert.equal(inv.get('Deployment', 'shop', 'web'), undefined);
});

test('the response body wins over the request body; a refused request changes nothing', () => {
  const inv = new StateInventory(new MemoryState().forCluster('c'));
  const response = { ...deployment, spec: { ...deployment.spec, template: { ...deployment.spec.template, spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } } } };
  inv.applyAuditEvent(audit(auditEvent({ verb: 'create', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', requestObject: deployment, responseObject: response })));
  assert.deepEqual((inv.get('Deployment', 'shop', 'web')!.spec as typeof response.spec).template.spec.containers[0], { name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] });
  inv.applyAuditEvent(audit(auditEvent({ verb: 'delete', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', code: 403 })));
  assert.ok(inv.get('Deployment', 'shop', 'web'), 'a refused delete deleted nothing');
});

test('services select the workloads whose template labels match; namespaces seen in requests exist', () => {
  const inv = new StateInventory(new MemoryState().forCluster('c'));
  inv.put(deployment as never);
  inv.put({ kind: 'Pod', metadata: { name: 'other', namespace: 'shop', labels: { app: 'db' } }, spec: { containers: [] } });
  const service = { kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, type: 'LoadBalancer' } };
  assert.deepEqual(inv.selectedBy(service).map((o) => o.metadata.name), ['web']);
  assert.deepEqual(inv.selectedBy({ ...service, spec: { type: 'LoadBalancer' } }), []);
  assert.equal(inv.namespaceExists('kubeflow'), false);
  inv.applyAuditEvent(audit(auditEvent({ verb: 'list', resource: 'pods', namespace: 'kubeflow' })));
  assert.equal(inv.namespaceExists('kubeflow'), true);
});
