import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { K8sObjectEvent } from '../../events/model.js';
import { scan } from '../../scan/scan.js';
import { sourceDirOf } from '../../util/paths.js';
import { decodeFile } from '../wrapped/testing.js';
import k8sObjects from './format.js';

const data = join(sourceDirOf(import.meta.url), 'testdata');

test('kubectl get -o json: a List flattened, one snapshot event per object, time from the object', async () => {
  const { format, events, issues } = await decodeFile(join(data, 'kubectl-get-pods.json'), 'auto', 'prod');
  assert.equal(format, 'k8s-objects');
  assert.deepEqual(issues, []);
  const objects = events as K8sObjectEvent[];
  assert.deepEqual(objects.map((e) => `${e.change} ${e.object.kind} ${e.object.metadata.namespace}/${e.object.metadata.name} ${e.id}`), [
    'snapshot Pod default/node-debugger-aks-nodepool1-0 3f0c6a2e-5b1d-4c8e-9a7f-1e2d3c4b5a60',
    'snapshot Pod shop/web-7d4b9c8f6-x2k9p 8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    'snapshot Pod ops/win-hpc c4d5e6f7-0819-4a2b-9c3d-4e5f60718293',
  ]);
  assert.equal(objects[0]!.time, Date.parse('2026-03-10T08:00:00Z'));
  assert.equal(objects[0]!.cluster, 'prod');
});

test("a typed list from the API (PodList) gives its items the list's kind", async () => {
  const { events, issues } = await decodeFile(join(data, 'api-podlist.json'));
  assert.deepEqual(issues, []);
  assert.deepEqual((events as K8sObjectEvent[]).map((e) => `${e.object.apiVersion} ${e.object.kind}`), ['v1 Pod', 'v1 Pod']);
});

test('multi-document YAML: a broken document is reported at its line, the documents around it are read', async () => {
  const { format, events, issues } = await decodeFile(join(data, 'manifests.yaml'));
  assert.equal(format, 'k8s-objects');
  assert.deepEqual((events as K8sObjectEvent[]).map((e) => `${e.object.kind} ${e.object.metadata.name} ${e.origin?.replace(/^.*testdata\//, '')}`), [
    'DaemonSet node-agent manifests.yaml:2',
    'Deployment api manifests.yaml:39',
    'CronJob cleanup manifests.yaml:60',
  ]);
  assert.equal(issues.length, 2);
  assert.match(issues[0]!, /manifests\.yaml:36: YAML document starting at line 31 does not parse \(Flow sequence/);
  assert.match(issues[1]!, /manifests\.yaml:80: expected a Kubernetes object, got array/);
});

test('objects that cannot be objects are named, not guessed', () => {
  const issues: string[] = [];
  const decoder = k8sObjects.open({ event: () => assert.fail('no event expected'), issue: (i) => issues.push(`${i.origin.line}: ${i.reason}`) }, {});
  decoder.line('{"apiVersion":"v1","kind":"Pod","metadata":{}}', { file: 'f', line: 1 });
  decoder.line('{"apiVersion":"v1","metadata":{"name":"x"}}', { file: 'f', line: 2 });
  decoder.line('{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a"}', { file: 'f', line: 3 });
  decoder.line('{"kind":"Pod","metadata":{"name":"p","namespace":7}}', { file: 'f', line: 4 });
  decoder.line('{"kind":"Pod"', { file: 'f', line: 5 });
  assert.deepEqual(issues.map((i) => i.replace(/\(.*\)/, '(…)')), [
    "1: Pod without 'metadata.name'",
    "2: object without a 'kind'",
    '3: an audit event, not a cluster object (…)',
    "4: Pod p: 'metadata.namespace' must be a string",
    '5: not valid JSON (…)',
  ]);
});

test('YAML aliases cannot blow up (billion laughs)', () => {
  const issues: string[] = [];
  const decoder = k8sObjects.open({ event: () => assert.fail('no event expected'), issue: (i) => issues.push(i.reason) }, {});
  const lines = ['kind: ConfigMap', 'metadata: {name: bomb}', 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
  lines.forEach((l, i) => decoder.line(l, { file: 'f', line: i + 1 }));
  decoder.end();
  assert.equal(issues.length, 1);
  assert.match(issues[0]!, /does not resolve/);
});

test('a posture check on the snapshot: the privileged workloads are found, the others not', async () => {
  const result = await scan({ paths: [join(data, 'kubectl-get-pods.json'), join(data, 'manifests.yaml')] });
  const privileged = result.alerts.filter((a) => a.type === 'K8S_PrivilegedContainer').map((a) => `${a.entities.resource?.kind} ${a.entities.resource?.namespace}/${a.entities.resource?.name} ${a.entities.container}`);
  assert.deepEqual(privileged.sort(), [
    'CronJob ops/cleanup prep',
    'DaemonSet monitoring/node-agent agent',
    'Pod default/node-debugger-aks-nodepool1-0 debugger',
    'Pod ops/win-hpc hpc',
  ]);
});
