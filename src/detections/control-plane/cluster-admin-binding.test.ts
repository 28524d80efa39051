/**
 * K8S_ClusterAdminBinding cases the fixtures cannot express: snapshot objects (the bootstrap
 * grant stays silent, others fire) and an update that keeps every subject.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { K8sObject } from '../../events/model.js';
import detection from './cluster-admin-binding.js';
import { auditEvent, objectEvent, replay } from './lib/replay.js';

const GROUP = 'rbac.authorization.k8s.io';

function binding(name: string, subjects: { kind: string; name: string; namespace?: string }[], role = 'cluster-admin'): K8sObject {
  return { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, subjects, roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: role } };
}

test('snapshots: the bootstrap system:masters grant is silent, another cluster-admin grant fires', () => {
  const alerts = replay(detection, [
    objectEvent(binding('cluster-admin', [{ kind: 'Group', name: 'system:masters' }])),
    objectEvent(binding('argo-admin', [{ kind: 'ServiceAccount', name: 'argocd-server', namespace: 'argocd' }])),
    objectEvent(binding('viewers', [{ kind: 'Group', name: 'viewers' }], 'view')),
  ]);
  assert.deepEqual(
    alerts.map((a) => a.entities.resource?.name),
    ['argo-admin'],
  );
  assert.match(alerts[0]!.description, /to ServiceAccount argocd\/argocd-server/);
});

test('an update keeping every subject is silent; one adding a subject names only the new one', () => {
  const ref = { resource: 'clusterrolebindings', name: 'ops-admins', apiGroup: GROUP };
  const ops = [{ kind: 'Group', name: 'ops-team' }];
  const create = auditEvent({ verb: 'create', objectRef: { ...ref, name: undefined }, responseObject: binding('ops-admins', ops) });
  const later = Date.parse('2026-03-14T12:00:00Z');
  const relabel = auditEvent({ verb: 'update', objectRef: ref, time: later, responseObject: { ...binding('ops-admins', ops), metadata: { name: 'ops-admins', labels: { a: 'b' } } } });
  assert.equal(replay(detection, [create, relabel]).length, 1);
  const added = auditEvent({ verb: 'update', objectRef: ref, time: later, responseObject: binding('ops-admins', [...ops, { kind: 'User', name: 'eve@example.com' }]) });
  const alerts = replay(detection, [create, added]);
  assert.equal(alerts.length, 2);
  assert.match(alerts[1]!.description, /to User eve@example\.com \(subjects added/);
  assert.doesNotMatch(alerts[1]!.description, /ops-team/);
});
