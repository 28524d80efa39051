import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { K8sAuditEvent } from '../../events/model.js';
import { ruleRows } from '../../cli/commands/rules.js';
import { sourceDirOf } from '../../util/paths.js';
import { decodeFile } from '../wrapped/testing.js';
import { parseMethodName, parseResourceName } from './format.js';

const data = join(sourceDirOf(import.meta.url), 'testdata');

test('gcloud logging read output mapped onto audit events; other services passed over; a malformed entry reported by index', async () => {
  const { format, events, issues } = await decodeFile(join(data, 'logging-read.json'));
  assert.equal(format, 'gke');
  const audit = events as K8sAuditEvent[];
  assert.deepEqual(
    audit.map((e) => `${e.id} ${e.verb} ${e.objectRef?.apiGroup}/${e.objectRef?.resource}${e.objectRef?.subresource ? '/' + e.objectRef.subresource : ''} ${e.objectRef?.namespace ?? '-'}/${e.objectRef?.name ?? '-'} ${e.responseCode} ${e.stage}`),
    [
      'q7k2m9f3x1ab create /pods default/debug-shell 201 ResponseComplete',
      '1f3c5a7e9b0d get /pods shop/x 403 ResponseComplete',
      '8b2d4f6a1c3e create /pods/exec default/web-7d4b9 101 ResponseStarted',
      '0a9e8d7c6b5f delete /namespaces -/staging 200 ResponseComplete',
      '5e4d3c2b1a09 create rbac.authorization.k8s.io/clusterrolebindings -/ci-admin 201 ResponseComplete',
      '6d5c4b3a2f1e patch apps/deployments shop/web 200 ResponseComplete',
    ],
  );
  const [pod, denied, , , binding, patch] = audit;
  assert.equal(pod!.user.username, 'build-bot@acme-prod.iam.gserviceaccount.com');
  assert.deepEqual(pod!.sourceIPs, ['203.0.113.61']);
  assert.equal(pod!.requestURI, '/api/v1/namespaces/default/pods/debug-shell');
  assert.equal((pod!.requestObject as Record<string, unknown>)['@type'], undefined, "GKE's @type is dropped from bodies");
  assert.equal((pod!.requestObject as { kind: string }).kind, 'Pod');
  assert.equal(pod!.level, 'RequestResponse');
  assert.equal(denied!.responseReason, 'Forbidden');
  assert.equal(denied!.annotations['authorization.k8s.io/decision'], 'forbid');
  assert.equal(binding!.requestURI, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/ci-admin');
  assert.ok(Array.isArray(patch!.requestObject), 'a JSON patch stays an array');
  assert.deepEqual(pod!.clusterInfo, { cloud: 'gcp', region: 'europe-west1', project: 'acme-prod', resourceId: 'projects/acme-prod/locations/europe-west1/clusters/gke-prod-eu' });
  assert.equal(pod!.cluster, 'gke-prod-eu');
  assert.deepEqual(issues.map((i) => i.replace(/^.*logging-read\.json:/, '')), ["1: [6]: resourceName 'nonsense' does not name resource 'pods' of methodName io.k8s.core.v1.pods.frobnicate"]);
});

test('methodName and resourceName parsing', () => {
  assert.deepEqual(parseMethodName('io.k8s.authorization.rbac.v1.clusterrolebindings.create'), { resource: 'clusterrolebindings', subresource: undefined, verb: 'create' });
  assert.deepEqual(parseMethodName('io.k8s.core.v1.namespaces.finalize.update'), { resource: 'namespaces', subresource: 'finalize', verb: 'update' });
  assert.deepEqual(parseMethodName('io.k8s.admissionregistration.v1beta1.validatingwebhookconfigurations.delete')?.verb, 'delete');
  assert.equal(parseMethodName('google.container.v1.ClusterManager.UpdateCluster'), undefined);
  assert.equal(parseMethodName('io.k8s.core.v1'), undefined);
  assert.deepEqual(parseResourceName('core/v1/namespaces/ns1', 'namespaces'), { apiGroup: '', apiVersion: 'v1', name: 'ns1' });
  assert.deepEqual(parseResourceName('core/v1/namespaces/ns1/finalize', 'namespaces'), { apiGroup: '', apiVersion: 'v1', name: 'ns1' });
  assert.deepEqual(parseResourceName('core/v1/namespaces/ns1/pods', 'pods'), { apiGroup: '', apiVersion: 'v1', namespace: 'ns1', name: undefined });
  assert.deepEqual(parseResourceName('apps/v1/namespaces/shop/deployments/web/scale', 'deployments'), { apiGroup: 'apps', apiVersion: 'v1', namespace: 'shop', name: 'web' });
  assert.equal(parseResourceName('core/v1/namespaces/ns1/pods/p', 'secrets'), undefined);
});

test('vigil rules list shows which detections cannot fire from GKE, with the reason', async () => {
  const rows = await ruleRows();
  for (const type of ['K8S_DeleteEvents', 'K8S_CoreDnsModification']) {
    const row = rows.find((r) => r.type === type)!;
    assert.ok(!row.sources.includes('gke'), `${type} listed as firing from gke`);
    assert.match(row.unsupported.find((u) => u.source === 'gke')?.reason ?? '', /audit policy/);
    assert.ok(row.sources.includes('aks') && row.sources.includes('eks'), `${type} fires from aks and eks`);
  }
});
