/**
 * The exposure detections on snapshot and watch objects (`k8s.object`, for which no fixture file
 * format exists yet), the cases the fixtures cannot express (order of arrival across kinds,
 * settings, repeats), and the pure helpers of lib/exposure.ts (image references: inventory/image-ref.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detection } from '../../../engine/detection.js';
import type { K8sObject } from '../../../events/model.js';
import dashboard from '../exposed-dashboard.js';
import kubeflow from '../exposed-kubeflow.js';
import broadRange from '../exposed-postgres-broad-ip-range.js';
import trustAuth from '../exposed-postgres-trust-auth.js';
import redis from '../exposed-redis.js';
import exposedService from '../exposed-service.js';
import { loadBalancerExposure } from './exposure.js';
import { objectEvent, replayCounting } from './replay.js';

type ExposureDetection = Detection<'k8s.audit' | 'k8s.object'>;

function service(namespace: string, name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, annotations }, spec: { type: 'LoadBalancer', ...spec } };
}

function deployment(namespace: string, name: string, containers: unknown[], extra: Record<string, unknown> = {}): K8sObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers, ...extra } } },
  };
}

const lb = (port: number, targetPort: number | string = port) => ({ selector: { app: 'app' }, ports: [{ port, targetPort, protocol: 'TCP' }] });

test('snapshots: each detection fires on a listed exposed application, and only on it', () => {
  const cases: [ExposureDetection, K8sObject[]][] = [
    [dashboard, [deployment('ui', 'app', [{ name: 'd', image: 'kubernetesui/dashboard:v2.7.0', ports: [{ containerPort: 8443 }] }]), service('ui', 'dash', lb(443, 8443))]],
    [redis, [deployment('c', 'app', [{ name: 'r', image: 'bitnami/redis:7.2', ports: [{ containerPort: 6379 }] }]), service('c', 'redis', lb(6379))]],
    [exposedService, [deployment('w', 'app', [{ name: 's', image: 'weaveworks/scope:1.13.2', ports: [{ containerPort: 4040 }] }]), service('w', 'scope', lb(80, 4040))]],
    [broadRange, [deployment('d', 'app', [{ name: 'p', image: 'postgres:16', ports: [{ containerPort: 5432 }] }]), service('d', 'pg', lb(5432))]],
    [
      trustAuth,
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'env', namespace: 'd' }, data: { POSTGRES_HOST_AUTH_METHOD: 'trust' } },
        deployment('d', 'app', [{ name: 'p', image: 'postgres:16', envFrom: [{ configMapRef: { name: 'env' } }] }]),
        service('d', 'pg', lb(5432)),
      ],
    ],
    [
      kubeflow,
      [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubeflow' } },
        service('istio-system', 'istio-ingressgateway', { selector: { istio: 'ingressgateway' }, ports: [{ port: 80, targetPort: 8080 }] }),
      ],
    ],
  ];
  for (const [detection, objects] of cases) {
    const { alerts } = replayCounting(detection, objects.map((o) => objectEvent(o)));
    assert.equal(alerts.length, 1, `${detection.type}: ${alerts.map((a) => a.description).join(' | ')}`);
    const exposed = objects[objects.length - 1]!;
    assert.deepEqual(alerts[0]!.entities.resource, { kind: 'Service', namespace: exposed.metadata.namespace, name: exposed.metadata.name });
    assert.match(alerts[0]!.description, /snapshot of /);
    // The same objects with the Service made internal: nothing.
    const internal = { ...exposed, metadata: { ...exposed.metadata, annotations: { 'networking.gke.io/load-balancer-type': 'Internal' } } };
    assert.equal(replayCounting(detection, [...objects.slice(0, -1), internal].map((o) => objectEvent(o))).alerts.length, 0, `${detection.type} fired on an internal LB`);
  }
});

test('snapshots: whichever object comes last completes the exposure, and repeats add no finding', () => {
  const pg = deployment('d', 'app', [{ name: 'p', image: 'postgres:16', ports: [{ containerPort: 5432, name: 'pg' }] }]);
  const svc = service('d', 'pg', lb(5432, 'pg'));
  for (const order of [[pg, svc], [svc, pg]]) {
    const result = replayCounting(broadRange, [...order, ...order, svc].map((o) => objectEvent(o, 'modified')));
    assert.equal(result.findings, 1);
    assert.equal(result.alerts.length, 1);
  }
  // Deleted objects expose nothing.
  assert.equal(replayCounting(broadRange, [objectEvent(pg), objectEvent(svc, 'deleted')]).alerts.length, 0);
});

test('Kubeflow installed after the gateway became a load balancer fires then, not before', () => {
  const gateway = service('istio-system', 'istio-ingressgateway', { selector: { istio: 'ingressgateway' }, ports: [{ port: 443, targetPort: 8443 }] });
  assert.equal(replayCounting(kubeflow, [objectEvent(gateway)]).alerts.length, 0);
  const { alerts } = replayCounting(kubeflow, [objectEvent(gateway), objectEvent({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubeflow' } }, 'added')]);
  assert.equal(alerts.length, 1);
  assert.match(alerts[0]!.description, /added of Namespace kubeflow/);
  // Another namespace does not.
  assert.equal(replayCounting(kubeflow, [objectEvent(gateway), objectEvent({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubeflow-user' } })]).alerts.length, 0);
});

test('broad range thresholds come from the settings', () => {
  const objects = [deployment('d', 'app', [{ name: 'p', image: 'postgres:16' }]), service('d', 'pg', { ...lb(5432), loadBalancerSourceRanges: ['198.51.0.0/20'] })];
  assert.equal(replayCounting(broadRange, objects.map((o) => objectEvent(o))).alerts.length, 0, '/20 is narrower than the default /16');
  assert.equal(replayCounting(broadRange, objects.map((o) => objectEvent(o)), { maxIPv4Prefix: 24 }).alerts.length, 1, '/20 is broader than /24');
  const v6 = [objects[0]!, service('d', 'pg', { ...lb(5432), loadBalancerSourceRanges: ['2001:db8:ab00::/40'] })];
  assert.equal(replayCounting(broadRange, v6.map((o) => objectEvent(o))).alerts.length, 1, '/40 is broader than the default /48');
  assert.equal(replayCounting(broadRange, v6.map((o) => objectEvent(o)), { maxIPv6Prefix: 32 }).alerts.length, 0);
});

test('load balancer exposure: internal annotations, source ranges, other types', () => {
  const svc = (spec: Record<string, unknown>, annotations?: Record<string, string>) => loadBalancerExposure(service('n', 's', { ports: [{ port: 80 }], ...spec }, annotations));
  assert.ok(svc({}));
  assert.equal(svc({ type: 'NodePort' }), undefined);
  assert.equal(svc({ type: 'ClusterIP' }), undefined);
  assert.equal(svc({}, { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' }), undefined);
  assert.ok(svc({}, { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'false' }));
  assert.equal(svc({}, { 'service.beta.kubernetes.io/aws-load-balancer-internal': '0.0.0.0/0' }), undefined, 'in-tree AWS: any value but "false"');
  assert.equal(svc({}, { 'service.beta.kubernetes.io/aws-load-balancer-type': 'external' }), undefined, 'AWS LB controller: internal by default');
  assert.ok(svc({}, { 'service.beta.kubernetes.io/aws-load-balancer-type': 'external', 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' }));
  assert.equal(svc({}, { 'cloud.google.com/load-balancer-type': 'Internal' }), undefined);
  assert.equal(svc({ loadBalancerSourceRanges: ['10.0.0.0/8', '::ffff:192.168.0.0/112'] }), undefined, 'private ranges only');
  assert.deepEqual(svc({ loadBalancerSourceRanges: ['10.0.0.0/8', '203.0.113.0/28'] })?.sourceRanges, ['10.0.0.0/8', '203.0.113.0/28']);
  // The field wins over the annotation.
  const both = svc({ loadBalancerSourceRanges: ['203.0.113.0/28'] }, { 'service.beta.kubernetes.io/load-balancer-source-ranges': '0.0.0.0/0' });
  assert.deepEqual(both?.sourceRanges, ['203.0.113.0/28']);
  assert.deepEqual(svc({}, { 'service.beta.kubernetes.io/load-balancer-source-ranges': ' 0.0.0.0/0 , ::/0' })?.sourceRanges, ['0.0.0.0/0', '::/0']);
});

test('image entries: official images, mirrors, other registries and tag matching whatever the case', () => {
  const scope = (image: string) => [deployment('w', 'app', [{ name: 's', image, ports: [{ containerPort: 2376 }] }]), service('w', 'docker', lb(2376))].map((o) => objectEvent(o));
  assert.equal(replayCounting(exposedService, scope('docker:24.0-DinD')).alerts.length, 1, 'tagContains dind, tag written in capitals');
  assert.equal(replayCounting(exposedService, scope('registry.example.com/library/docker:24.0-dind')).alerts.length, 1, 'library/ of another registry');
  assert.equal(replayCounting(exposedService, scope('mirror.example.com/hub/library/docker:dind')).alerts.length, 1, 'proxy cache prefix');
  assert.equal(replayCounting(exposedService, scope('docker:24.0-cli')).alerts.length, 0, 'not the daemon');
});
