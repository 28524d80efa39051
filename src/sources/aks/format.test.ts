import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { K8sAuditEvent } from '../../events/model.js';
import { sourceDirOf } from '../../util/paths.js';
import { decodeFile } from '../wrapped/testing.js';
import aks, { aksCluster } from './format.js';

const data = join(sourceDirOf(import.meta.url), 'testdata');

test('a storage-account blob: audit records of both categories, other categories passed over, bad records reported by index', async () => {
  const { format, events, issues } = await decodeFile(join(data, 'storage-blob.json'));
  assert.equal(format, 'aks');
  const audit = events as K8sAuditEvent[];
  assert.deepEqual(
    audit.map((e) => `${e.verb} ${e.objectRef?.resource} ${e.origin?.split('#')[1]}`),
    ['create pods records[0]', 'list secrets records[2]', 'get pods records[5]', 'create clusterrolebindings records[7]'],
  );
  // records[2] holds the event serialised twice: still one event with its fields.
  assert.equal(audit[1]!.objectRef?.namespace, 'kube-system');
  assert.equal(issues.length, 2);
  assert.match(issues[0]!, /storage-blob\.json:1: records\[4\]: 'properties\.log' is cut off after 700 characters/);
  assert.match(issues[1]!, /records\[6\]: 'properties\.log' must hold the audit event, got number/);
  for (const e of audit) {
    assert.equal(e.source, 'aks');
    assert.equal(e.cluster, 'aks-prod-01');
    assert.equal(e.clusterInfo?.cloud, 'azure');
    assert.match(e.clusterInfo!.resourceId!, /^\/subscriptions\/0{8}-.*\/managedclusters\/aks-prod-01$/);
  }
});

test('Event Hubs messages one per line: a broken line is reported with its line number, the lines around it are read', async () => {
  const { events, issues } = await decodeFile(join(data, 'eventhub.jsonl'));
  assert.deepEqual(
    events.map((e) => e.origin?.replace(/^.*eventhub\.jsonl:/, '')),
    ['1#records[0]', '1#records[1]', '3#records[0]', '4'],
  );
  assert.equal(issues.length, 1);
  assert.match(issues[0]!, /eventhub\.jsonl:2: not valid JSON/);
});

test('Log Analytics AKSAuditAdmin rows: dynamic columns as strings, bodies too big to keep dropped, wrong types named', async () => {
  const { format, events, issues } = await decodeFile(join(data, 'aksauditadmin.json'));
  assert.equal(format, 'aks');
  const audit = events as K8sAuditEvent[];
  assert.deepEqual(audit.map((e) => `${e.verb} ${e.objectRef?.resource}`), ['create pods', 'create clusterrolebindings', 'delete events']);
  assert.equal(audit[0]!.user.username, 'system:serviceaccount:ci:deployer');
  assert.deepEqual(audit[0]!.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated']);
  assert.ok(audit[0]!.requestObject, 'the pod body is kept');
  assert.equal(audit[1]!.requestObject, undefined, "'skipped-too-big-size-object' is not a body");
  assert.equal(audit[0]!.cluster, 'aks-prod-01');
  assert.deepEqual(issues.map((i) => i.replace(/^.*aksauditadmin\.json:/, '')), ["1: [2]: field 'verb' must be a string, got number"]);
});

test('AzureDiagnostics rows carry the event in log_s', () => {
  const events: unknown[] = [];
  const issues: string[] = [];
  const decoder = aks.open({ event: (e) => events.push(e), issue: (i) => issues.push(i.reason) }, {});
  const event = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'a1', stage: 'ResponseComplete', requestURI: '/api/v1/namespaces', verb: 'list', user: { username: 'u', groups: [] }, requestReceivedTimestamp: '2026-03-14T09:00:00.000000Z' };
  decoder.line(JSON.stringify({ TimeGenerated: '2026-03-14T09:00:00Z', Category: 'kube-audit', ResourceId: '/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/C1', log_s: JSON.stringify(event) }), { file: 'f', line: 1 });
  decoder.line(JSON.stringify({ TimeGenerated: '2026-03-14T09:00:00Z', Category: 'guard', log_s: 'authz' }), { file: 'f', line: 2 });
  decoder.line(JSON.stringify({ TimeGenerated: '2026-03-14T09:00:00Z', Category: 'kube-audit' }), { file: 'f', line: 3 });
  assert.equal(events.length, 1);
  assert.equal((events[0] as K8sAuditEvent).cluster, 'c1');
  assert.deepEqual(issues, ["kube-audit record without a 'properties' object"]);
});

test('the cluster is named from a managed cluster resource id only', () => {
  assert.equal(aksCluster('/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/Prod-1').name, 'prod-1');
  assert.equal(aksCluster('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1').name, undefined);
  assert.equal(aksCluster(42).name, undefined);
});

test('the --cluster name applies when the record has no resource id', () => {
  const events: K8sAuditEvent[] = [];
  const decoder = aks.open({ event: (e) => events.push(e as K8sAuditEvent), issue: () => assert.fail() }, { cluster: 'named' });
  const log = JSON.stringify({ kind: 'Event', auditID: 'a2', verb: 'get', user: { username: 'u' }, requestReceivedTimestamp: '2026-03-14T09:00:00Z' });
  decoder.line(JSON.stringify({ time: '2026-03-14T09:00:00Z', category: 'kube-audit', properties: { log } }), { file: 'f', line: 1 });
  assert.equal(events[0]!.cluster, 'named');
});
