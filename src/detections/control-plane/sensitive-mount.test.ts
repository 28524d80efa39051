/**
 * K8S_SensitiveMount cases the fixtures cannot express: snapshot objects, an update that keeps a
 * sensitive mount (no second alert), and path normalisation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { K8sObject } from '../../events/model.js';
import { auditEvent, objectEvent, replay } from './lib/replay.js';
import detection, { normaliseHostPath } from './sensitive-mount.js';

function daemonSet(hostPath: string, mountPath = '/host'): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-agent', namespace: 'monitoring' },
    spec: {
      template: {
        spec: {
          volumes: [{ name: 'host', hostPath: { path: hostPath } }],
          containers: [{ name: 'agent', image: 'quay.io/example/agent:1.0', volumeMounts: [{ name: 'host', mountPath }] }],
        },
      },
    },
  };
}

test('a snapshot of a workload mounting a sensitive path fires, naming the path', () => {
  const alerts = replay(detection, [objectEvent(daemonSet('/var/lib/kubelet/pods'))]);
  assert.equal(alerts.length, 1);
  assert.match(alerts[0]!.description, /\/var\/lib\/kubelet\/pods at \/host/);
  assert.equal(alerts[0]!.entities.container, 'agent');
});

test('a snapshot of a workload mounting only /var/log stays silent', () => {
  assert.deepEqual(replay(detection, [objectEvent(daemonSet('/var/log'))]), []);
});

test('an update that keeps the same sensitive mount does not fire again; one that adds a path does', () => {
  const ref = { resource: 'daemonsets', namespace: 'monitoring', name: 'node-agent', apiGroup: 'apps' };
  const create = auditEvent({ verb: 'create', objectRef: { ...ref, name: undefined }, responseObject: daemonSet('/etc') });
  // Two hours later (past the aggregation window) so a second finding would be a second alert.
  const later = Date.parse('2026-03-14T11:00:00Z');
  const same = auditEvent({ verb: 'update', objectRef: ref, time: later, responseObject: daemonSet('/etc/', '/host-etc') });
  assert.equal(replay(detection, [create, same]).length, 1);
  const widened = auditEvent({ verb: 'update', objectRef: ref, time: later, responseObject: daemonSet('/') });
  const alerts = replay(detection, [create, widened]);
  assert.equal(alerts.length, 2);
  assert.match(alerts[1]!.description, /paths \/ at \/host/);
});

test('a deleted object raises nothing', () => {
  assert.deepEqual(replay(detection, [objectEvent(daemonSet('/'), 'deleted')]), []);
});

test('host paths are normalised before matching', () => {
  assert.equal(normaliseHostPath('/etc//kubernetes/./pki/'), '/etc/kubernetes/pki');
  assert.equal(normaliseHostPath('/tmp/../../root'), '/root');
  assert.equal(normaliseHostPath('/var/run/docker.sock'), '/run/docker.sock');
  assert.equal(normaliseHostPath('///'), '/');
  assert.equal(normaliseHostPath('C:\\Windows'), undefined);
});
