/**
 * The live reader against recorded API responses served over real HTTP with the API server's
 * list/watch semantics: paginated lists (limit/continue), chunked watch streams from a
 * resourceVersion, the server closing a watch, and 410 Gone. No real API server runs here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { K8sObjectEvent } from '../../events/model.js';
import type { DecodeIssue } from '../format.js';
import { ClusterObjectReader } from './reader.js';
import { LIVE_RESOURCES } from './resources.js';
import { kubeConfig, recordedApiServer } from './testing.js';

function collector() {
  const events: K8sObjectEvent[] = [];
  const issues: DecodeIssue[] = [];
  return { events, issues, sink: { event: (e: unknown) => events.push(e as K8sObjectEvent), issue: (i: DecodeIssue) => issues.push(i) } };
}

test('one pass: every kind listed, pages followed, typed items given their kind, a forbidden kind reported and the rest read', async () => {
  const api = await recordedApiServer({ forbid: 'Role' });
  try {
    const { events, issues, sink } = collector();
    await new ClusterObjectReader({ kubeConfig: kubeConfig(api.port) }).snapshot(sink);
    assert.deepEqual(
      events.map((e) => `${e.change} ${e.object.apiVersion} ${e.object.kind} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name} ${e.cluster}`),
      [
        'snapshot v1 Pod shop/web-7d4b9c8f6-x2k9p aks-prod-01',
        'snapshot v1 Pod default/node-debugger-0 aks-prod-01',
        'snapshot rbac.authorization.k8s.io/v1 ClusterRoleBinding /ci-admin aks-prod-01',
      ],
    );
    assert.equal(typeof events[0]!.object.metadata.creationTimestamp, 'string', 'times as the API sent them, not Date objects');
    assert.deepEqual(api.lists.filter((l) => l.startsWith('/api/v1/pods')), ['/api/v1/pods?limit=500', '/api/v1/pods?continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTAwMCwic3RhcnQiOiJzaG9wL3dlYiJ9&limit=500']);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.reason, /cannot list Role: HTTP 403/);
    assert.deepEqual([...api.auth], ['Bearer recorded-token']);
  } finally {
    await api.close();
  }
});

test('continuous: list then watch, resume from the last resourceVersion when the server closes the stream, list afresh on 410 Gone', async () => {
  const api = await recordedApiServer();
  const reader = new ClusterObjectReader({ kubeConfig: kubeConfig(api.port), resources: LIVE_RESOURCES.filter((r) => r.kind === 'Pod'), retryMs: 20 });
  const { events, issues, sink } = collector();
  try {
    await reader.start(sink);
    assert.deepEqual(events.map((e) => `${e.change} ${e.object.metadata.name}`), ['added web-7d4b9c8f6-x2k9p', 'added node-debugger-0']);
    api.release();
    const deadline = Date.now() + 5000;
    while (api.watches.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(api.watches, ['/api/v1/pods rv=1000', '/api/v1/pods rv=1005', '/api/v1/pods rv=1100']);
    assert.equal(api.lists.filter((l) => !l.includes('continue')).length, 2, 'the first list and the one after 410 Gone');
    const changes = events.map((e) => `${e.change} ${e.object.metadata.name}`);
    assert.deepEqual(changes.slice(2, 4), ['added miner-5f6d7c8b9-abcde', 'modified web-7d4b9c8f6-x2k9p']);
    // After the relist the pod that was gone from the list is deleted.
    assert.ok(changes.includes('deleted node-debugger-0'), changes.join(', '));
    assert.deepEqual(issues, []);
  } finally {
    await reader.stop();
    await api.close();
  }
});
