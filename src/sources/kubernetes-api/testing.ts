/**
 * @module sources/kubernetes-api/testing
 * A recorded Kubernetes API for tests: real HTTP on loopback with the API server's list/watch
 * semantics (paginated lists, chunked watch streams from a resourceVersion, a closed stream,
 * 410 Gone), serving the responses in testdata/. No real API server can run on these machines.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { sourceDirOf } from '../../util/paths.js';
import { LIVE_RESOURCES } from './resources.js';

const dir = join(sourceDirOf(import.meta.url), 'testdata');
const file = (name: string) => readFileSync(join(dir, name), 'utf8');
const kindList = (kind: string, apiVersion: string) => JSON.stringify({ kind: `${kind}List`, apiVersion, metadata: { resourceVersion: '1000' }, items: [] });

export interface Recorded {
  lists: string[];
  watches: string[];
  auth: Set<string | undefined>;
  close(): Promise<void>;
  port: number;
  /** Lets the pods watch streams go on. */
  release(): void;
}

export async function recordedApiServer(options: { forbid?: string } = {}): Promise<Recorded> {
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

export function kubeConfig(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'aks-prod-01', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'vigil-reader', token: 'recorded-token' }],
    contexts: [{ name: 'aks-prod-01', cluster: 'aks-prod-01', user: 'vigil-reader' }],
    currentContext: 'aks-prod-01',
  });
  return kc;
}

