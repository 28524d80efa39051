/**
 * K8S_KubeSystemContainer is stateful: these tests cover the learning period, the allowlist, an
 * unknown image after learning, controller copies of a judged workload, the learningHours setting,
 * and the learnt baseline surviving from one `scan --state FILE` to the next.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { K8sObject } from '../../events/model.js';
import { scan } from '../../scan/scan.js';
import detection, { workloadName } from './kube-system-container.js';
import { auditEvent, replay } from './lib/replay.js';

const DAY1 = Date.parse('2026-03-14T09:00:00Z');
const DAY2 = DAY1 + 30 * 3_600_000;

function deployment(name: string, image: string, namespace = 'kube-system'): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: { template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } } },
  };
}

function created(object: K8sObject, time: number, user = 'dev-jlee@example.com') {
  const resource = `${object.kind.toLowerCase()}s`;
  return auditEvent({
    verb: 'create',
    time,
    objectRef: { resource, namespace: object.metadata.namespace, apiGroup: object.kind === 'Pod' ? '' : 'apps' },
    user: { username: user, groups: ['system:authenticated'] },
    responseObject: object,
  });
}

test('what runs during the learning period is learnt; an unknown image afterwards alerts', () => {
  const alerts = replay(detection, [
    created(deployment('vendor-agent', 'docker.io/acme/agent:1.0'), DAY1),
    created(deployment('late-but-learnt', 'docker.io/acme/other:1.0'), DAY1 + 23 * 3_600_000),
    created(deployment('vendor-agent', 'docker.io/acme/agent:1.1'), DAY2),
    created(deployment('intruder', 'docker.io/library/alpine:3.19'), DAY2),
  ]);
  assert.deepEqual(
    alerts.map((a) => a.entities.resource?.name),
    ['intruder'],
  );
});

test('after learning, allowlisted system images pass, look-alikes do not', () => {
  const alerts = replay(detection, [
    created(deployment('coredns', 'registry.k8s.io/coredns/coredns:v1.11.1'), DAY1),
    created(deployment('ebs-csi-controller', '602401143452.dkr.ecr.ap-southeast-2.amazonaws.com/eks/aws-ebs-csi-driver:v1.30.0'), DAY2),
    created(deployment('konnectivity-agent', 'mcr.microsoft.com/oss/kubernetes/apiserver-network-proxy/agent:v0.30.3'), DAY2),
    created(deployment('fake-calico', 'docker.io/calicoo/node:v3.27.0'), DAY2),
    created(deployment('fake-ecr', '602401143452.dkr.ecr.us-west-2.amazonaws.com.evil.example/amazon-k8s-cni:v1'), DAY2),
  ]);
  assert.deepEqual(
    alerts.map((a) => a.entities.resource?.name),
    ['fake-calico', 'fake-ecr'],
  );
});

test('a ReplicaSet and Pod stamped out of an alerted workload by the controllers do not add to it', () => {
  const intruder = deployment('intruder', 'docker.io/library/alpine:3.19');
  const rs: K8sObject = {
    ...deployment('intruder-7d9f8b6c5', 'docker.io/library/alpine:3.19'),
    kind: 'ReplicaSet',
    metadata: { name: 'intruder-7d9f8b6c5', namespace: 'kube-system', ownerReferences: [{ kind: 'Deployment', name: 'intruder', controller: true } as never] },
  };
  const pod: K8sObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'intruder-7d9f8b6c5-abcde',
      namespace: 'kube-system',
      labels: { 'pod-template-hash': '7d9f8b6c5' },
      ownerReferences: [{ kind: 'ReplicaSet', name: 'intruder-7d9f8b6c5', controller: true } as never],
    },
    spec: { containers: [{ name: 'main', image: 'docker.io/library/alpine:3.19' }] },
  };
  const alerts = replay(detection, [
    created(deployment('coredns', 'registry.k8s.io/coredns/coredns:v1.11.1'), DAY1),
    created(intruder, DAY2),
    created(rs, DAY2 + 1000, 'system:serviceaccount:kube-system:deployment-controller'),
    created(pod, DAY2 + 2000, 'system:serviceaccount:kube-system:replicaset-controller'),
  ]);
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.count, 1);
  // The same pod created by a person rather than the controller is judged on its own.
  const byHand = replay(detection, [created(deployment('coredns', 'registry.k8s.io/coredns/coredns:v1.11.1'), DAY1), created(pod, DAY2, 'mallory@example.com')]);
  assert.equal(byHand.length, 1);
});

test('learningHours: 0 judges from the first event', () => {
  const events = [created(deployment('intruder', 'docker.io/library/alpine:3.19'), DAY1)];
  assert.equal(replay(detection, events, { learningHours: 0 }).length, 1);
  assert.equal(replay(detection, events).length, 0);
});

test('owners are named alike for a workload, its ReplicaSets, their Pods and mirror pods', () => {
  const pod = (name: string, owner: { kind: string; name: string }, hash?: string): K8sObject => ({
    kind: 'Pod',
    metadata: { name, labels: hash ? { 'pod-template-hash': hash } : undefined, ownerReferences: [{ ...owner, controller: true } as never] },
  });
  assert.equal(workloadName(pod('coredns-5d78c9869d-x7k2p', { kind: 'ReplicaSet', name: 'coredns-5d78c9869d' }, '5d78c9869d')), 'coredns');
  assert.equal(workloadName(pod('kube-apiserver-node-1', { kind: 'Node', name: 'node-1' })), 'kube-apiserver');
  assert.equal(workloadName(pod('backup-28471230-q2x9z', { kind: 'Job', name: 'backup-28471230' })), 'backup');
  assert.equal(workloadName(pod('kube-proxy-7xq2m', { kind: 'DaemonSet', name: 'kube-proxy' })), 'kube-proxy');
  assert.equal(workloadName({ kind: 'Deployment', metadata: { name: 'coredns' } }), 'coredns');
});

test('the learnt baseline persists across scans through --state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kube-system-'));
  try {
    const line = (object: K8sObject, time: number, verb = 'create') =>
      JSON.stringify({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: 'RequestResponse',
        auditID: `${object.metadata.name}-${time}`,
        stage: 'ResponseComplete',
        requestURI: '/apis/apps/v1/namespaces/kube-system/deployments',
        verb,
        user: { username: 'dev-jlee@example.com', groups: ['system:authenticated'] },
        sourceIPs: ['198.51.100.23'],
        userAgent: 'kubectl/v1.30.2',
        objectRef: { resource: 'deployments', namespace: 'kube-system', name: verb === 'create' ? undefined : object.metadata.name, apiGroup: 'apps', apiVersion: 'v1' },
        responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
        responseObject: object,
        requestReceivedTimestamp: new Date(time).toISOString(),
        stageTimestamp: new Date(time).toISOString(),
        annotations: {},
      });
    const day1 = join(dir, 'day1.jsonl');
    const day2 = join(dir, 'day2.jsonl');
    writeFileSync(day1, line(deployment('vendor-agent', 'docker.io/acme/agent:1.0'), DAY1) + '\n');
    writeFileSync(
      day2,
      [line(deployment('vendor-agent', 'docker.io/acme/agent:1.1'), DAY2, 'update'), line(deployment('intruder', 'docker.io/library/alpine:3.19'), DAY2 + 1000)].join('\n') + '\n',
    );
    const statePath = join(dir, 'state.sqlite');
    const first = await scan({ paths: [day1], detections: [detection as never], statePath });
    assert.equal(first.alerts.length, 0);
    const second = await scan({ paths: [day2], detections: [detection as never], statePath });
    assert.deepEqual(
      second.alerts.filter((a) => a.type === detection.type).map((a) => a.entities.resource?.name),
      ['intruder'],
    );
    // Without the state file, day 2 would open a new learning period and alert on nothing.
    const fresh = await scan({ paths: [day2], detections: [detection as never] });
    assert.equal(fresh.alerts.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
