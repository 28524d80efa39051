/**
 * K8S_HighPrivilegesRole cases the fixtures cannot express: snapshot objects (built-in roles by
 * their bootstrapping label), a change that keeps the same high grant, and RBAC wildcard forms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { K8sObject } from '../../events/model.js';
import detection, { highGrants } from './high-privileges-role.js';
import { auditEvent, objectEvent, replay } from './lib/replay.js';

function clusterRole(name: string, rules: object[], labels?: Record<string, string>): K8sObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules };
}

const EXEC = { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] };

test('snapshots: a built-in role is silent, a custom high-privilege role fires', () => {
  const alerts = replay(detection, [
    objectEvent(clusterRole('admin', [EXEC], { 'kubernetes.io/bootstrapping': 'rbac-defaults' })),
    objectEvent(clusterRole('support', [EXEC])),
  ]);
  assert.deepEqual(
    alerts.map((a) => a.entities.resource?.name),
    ['support'],
  );
  assert.match(alerts[0]!.description, /exec or attach into pods \(rule 1: create on core pods\/exec\)/);
});

test('a change that keeps the same high grant is silent', () => {
  const ref = { resource: 'clusterroles', name: 'support', apiGroup: 'rbac.authorization.k8s.io' };
  const create = auditEvent({ verb: 'create', objectRef: { ...ref, name: undefined }, responseObject: clusterRole('support', [EXEC]) });
  const widen = { apiGroups: [''], resources: ['pods/exec', 'pods/attach'], verbs: ['create'] };
  const update = auditEvent({ verb: 'update', objectRef: ref, time: Date.parse('2026-03-14T12:00:00Z'), responseObject: clusterRole('support', [widen]) });
  assert.equal(replay(detection, [create, update]).length, 1);
});

test('RBAC wildcards are read as the authoriser reads them', () => {
  const grants = (rule: object) => [...highGrants(clusterRole('r', [rule])).keys()];
  assert.deepEqual(grants({ apiGroups: ['*'], resources: ['*/exec'], verbs: ['create'] }), ['exec or attach into pods']);
  assert.deepEqual(grants({ apiGroups: [''], resources: ['nodes/*'], verbs: ['get'] }), ['the kubelet API through nodes/proxy']);
  assert.deepEqual(grants({ apiGroups: ['apps'], resources: ['*'], verbs: ['get'] }), []);
  assert.deepEqual(grants({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['*'] }), ['escalate on roles', 'bind any role']);
  assert.deepEqual(grants({ apiGroups: [''], resources: ['nodes'], verbs: ['*'] }), []);
  assert.deepEqual(grants({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }), ['every verb on every resource']);
  // A namespaced Role cannot grant cluster-scoped resources such as nodes/proxy.
  const role: K8sObject = { kind: 'Role', metadata: { name: 'r', namespace: 'a' }, rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }] };
  assert.equal(highGrants(role).size, 0);
});
