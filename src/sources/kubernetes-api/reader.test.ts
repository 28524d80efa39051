/**
 * The live reader against recorded API responses served over real HTTP with the API server's
 * list/watch semantics: paginated lists (limit/continue), chunked watch streams from a
 * resourceVersion, the server closing a watch, and 410 Gone. No real API server runs here.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { K8sObjectEvent } from '../../events/model.js';
import { sourceDirOf } from '../../util/paths.js';
import type { DecodeIssue } from '../format.js';
import { ClusterObjectReader } from './reader.js';
import { LIVE_RESOURCES } from './resources.js';

const dir = join(sourceDirOf(import.meta.url), 'testdata');
const file = (name: string) => readFileSync(join(dir, name), 'utf8');
const kindList = (kind: string, apiVersion: string) => JSON.stringify({ kind: `${kind}List`, apiVersion, metadata: { resourceVersion: '1000' }, items: [] });

interface Recorded {
  lists: string[];
  watches: string[];
  auth: Set<string | undefined>;
  close(): Promise<void>;
  port: number;
  /** Lets the pods watch streams go on. */
  release(): void;
}

async function recordedApiServer(options: { forbid?: string } = {}): Promise<Recorded> {
  const lists: string[] = [];
  const watches: string[] = [];
  const auth = new Set<string | undefined>();
  const open: ServerResponse[] = [];
  let podWatch = 0;
  let podLists = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((r) => (release = r));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    auth.add(req.headers.authorization);
    const url = new URL(req.url ?? '/', 'http://x');
    const resource = LIVE_RESOURCES.find((r) => r.path === url.pathname);
    if (!resource) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
    if (options.forbid === resource.kind) {
      return void res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: `${resource.kind} is forbidden` }));
    }
    if (url.searchParams.get('watch') !== 'true') {
      lists.push(`${url.pathname}?${url.searchParams}`);
      let body = kindList(resource.kind, resource.apiVersion);
      if (resource.kind === 'Pod') {
        if (url.searchParams.get('continue')) body = file('pods-list-page2.json');
        else body = podLists++ === 0 ? file('pods-list-page1.json') : file('pods-relist.json');
      }
      if (resource.kind === 'ClusterRoleBinding') body = file('clusterrolebindings-list.json');
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    }
    watches.push(`${url.pathname} rv=${url.searchParams.get('resourceVersion')}`);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (resource.kind !== 'Pod') return void open.push(res);
    const n = ++podWatch;
    void released.then(async () => {
      // 1: three events then the server ends the stream (its watch timeout); 2: 410 Gone; 3+: held open.
      const lines = n === 1 ? file('pods-watch-1.jsonl') : n === 2 ? file('pods-watch-2-gone.jsonl') : '';
      for (const line of lines.split('\n').filter(Boolean)) {
        res.write(line + '\n');
        await new Promise((r) => setTimeout(r, 5));
      }
      if (n <= 2) res.end();
      else open.push(res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    lists,
    watches,
    auth,
    port: (server.address() as AddressInfo).port,
    release,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function kubeConfig(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'aks-prod-01', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'vigil-reader', token: 'recorded-token' }],
    contexts: [{ name: 'aks-prod-01', cluster: 'aks-prod-01', user: 'vigil-reader' }],
    currentContext: 'aks-prod-01',
  });
  return kc;
}

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
