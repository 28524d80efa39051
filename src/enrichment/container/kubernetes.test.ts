import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { sourceDirOf } from '../../util/paths.js';
import { KubernetesPodDirectory } from './kubernetes.js';

const dir = join(sourceDirOf(import.meta.url), 'testdata');
const LIST = readFileSync(join(dir, 'pods-list.json'), 'utf8');
const WATCH = readFileSync(join(dir, 'pods-watch.jsonl'), 'utf8').trim().split('\n');
const hex = (c: string) => c.repeat(64);

function kubeConfig(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'agent', token: 'test-token' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'agent' }],
    currentContext: 'test',
  });
  return kc;
}

test('KubernetesPodDirectory lists and watches this node\'s pods from a real HTTP server', async () => {
  const requests: { url: string; auth?: string }[] = [];
  const watches: ServerResponse[] = [];
  let releaseWatch: () => void = () => {};
  const watchReleased = new Promise<void>((r) => (releaseWatch = r));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v1/pods') {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('watch') !== 'true') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(LIST);
      return;
    }
    // A watch: chunked JSON lines, written one by one once the test lets them go, then held open.
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    watches.push(res);
    void watchReleased.then(async () => {
      for (const line of WATCH) {
        res.write(line + '\n');
        await new Promise((r) => setTimeout(r, 10));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const directory = new KubernetesPodDirectory({ nodeName: 'node-a', kubeConfig: kubeConfig(port) });
  try {
    await directory.start();
    // After the list: the Deployment's container, the DaemonSet's (privileged) and its init container.
    assert.deepEqual(directory.lookup(hex('a')), {
      id: hex('a'),
      runtime: 'containerd',
      name: 'api',
      image: 'registry.example.com/payments/api:1.14.2',
      imageId: `registry.example.com/payments/api@sha256:${hex('e')}`,
      pod: 'api-7c9f6d8b5-x2k4q',
      namespace: 'payments',
      podUid: '5d0c8a1e-2b7f-4f3a-9c61-8e2d4b7a1f09',
      workload: 'api',
      workloadKind: 'Deployment',
    });
    assert.equal(directory.lookup(hex('b'))?.privileged, true);
    assert.equal(directory.lookup(hex('b'))?.workloadKind, 'DaemonSet');
    assert.equal(directory.lookup(hex('c'))?.name, 'setup');
    assert.equal(directory.lookup(hex('d')), undefined);

    releaseWatch();
    const deadline = Date.now() + 5000;
    while (directory.lookup(hex('d')) === undefined || directory.lookup(hex('f')) === undefined || directory.size !== 2) {
      if (Date.now() > deadline) throw new Error('watch events not applied within 5 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    // ADDED: a CRI-O pod; MODIFIED: the api container restarted under a new id; DELETED: the agent.
    assert.equal(directory.lookup(hex('d'))?.runtime, 'cri-o');
    assert.equal(directory.lookup(hex('f'))?.pod, 'api-7c9f6d8b5-x2k4q');
    assert.equal(directory.lookup(hex('a')), undefined);
    // A deleted pod's containers stay known for a while: its processes' last events come later.
    assert.equal(directory.lookup(hex('b'))?.pod, 'node-agent-zx8pq');
    assert.equal(directory.size, 2);

    const list = requests.find((r) => !r.url.includes('watch=true'));
    const watch = requests.find((r) => r.url.includes('watch=true'));
    assert.ok(list && watch, JSON.stringify(requests));
    for (const r of [list, watch]) {
      assert.match(decodeURIComponent(r.url), /fieldSelector=spec\.nodeName=node-a/);
      assert.equal(r.auth, 'Bearer test-token');
    }
    assert.match(watch.url, /resourceVersion=105/);
  } finally {
    await directory.stop();
    for (const res of watches) res.end();
    server.closeAllConnections();
    server.close();
  }
});

test('KubernetesPodDirectory.start fails clearly when the API refuses', async () => {
  const server = createServer((_req, res) => res.writeHead(403, { 'content-type': 'application/json' }).end('{"kind":"Status","code":403,"message":"forbidden"}'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const directory = new KubernetesPodDirectory({ nodeName: 'node-a', kubeConfig: kubeConfig((server.address() as AddressInfo).port) });
  try {
    await assert.rejects(directory.start(), /cannot list pods of node node-a/);
  } finally {
    await directory.stop();
    server.close();
  }
});
