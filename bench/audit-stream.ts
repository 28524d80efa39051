/**
 * @module bench/audit-stream
 * A realistic busy-cluster audit stream for benchmarks: mostly node lease renewals, node status
 * patches and controller watches/lists at Metadata level, about a tenth RequestResponse pod
 * creations with full bodies, and a few secret reads and exec sessions. Deterministic (seeded).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NODES = Array.from({ length: 60 }, (_, i) => `aks-nodepool1-38291734-vmss${String(i).padStart(6, '0')}`);
const CONTROLLERS = ['replicaset-controller', 'deployment-controller', 'endpointslice-controller', 'daemon-set-controller', 'job-controller', 'namespace-controller'];
const NAMESPACES = ['payments', 'shop', 'auth', 'search', 'monitoring', 'ingress-nginx', 'data', 'batch'];

function uuid(r: () => number): string {
  const h = () => Math.floor(r() * 0x10000).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-4${h().slice(1)}-a${h().slice(1)}-${h()}${h()}${h()}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '') + '123Z';
}

function podBody(r: () => number, ns: string, name: string): Record<string, unknown> {
  const app = name.split('-')[0];
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      generateName: name.slice(0, -5),
      namespace: ns,
      labels: { app, 'pod-template-hash': '7c9f6d' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-7c9f6d`, uid: uuid(r), controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      volumes: [{ name: 'kube-api-access-x2k4q', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }], defaultMode: 420 } }],
      containers: [
        {
          name: app,
          image: `registry.example.com/${ns}/${app}:1.${Math.floor(r() * 40)}.${Math.floor(r() * 9)}`,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.monitoring:4317' }],
          resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
          volumeMounts: [{ name: 'kube-api-access-x2k4q', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
          livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10 },
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
  };
}

function base(r: () => number, t: number, level: string, verb: string, uri: string, user: Record<string, unknown>, ua: string, ip: string) {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level,
    auditID: uuid(r),
    stage: 'ResponseComplete',
    requestURI: uri,
    verb,
    user,
    sourceIPs: [ip],
    userAgent: ua,
  };
}

/** One event of the mix, as a JSON line. */
function nextEvent(r: () => number, t: number): string {
  const x = r();
  const node = NODES[Math.floor(r() * NODES.length)]!;
  const nodeUser = { username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] };
  const kubelet = 'kubelet/v1.30.2 (linux/amd64) kubernetes/39683505';
  const stamp = { requestReceivedTimestamp: iso(t), stageTimestamp: iso(t + 3) };
  const allow = { annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' } };
  if (x < 0.45) {
    return JSON.stringify({
      ...base(r, t, 'Metadata', 'update', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}`, nodeUser, kubelet, '10.224.0.4'),
      objectRef: { resource: 'leases', namespace: 'kube-node-lease', name: node, apiGroup: 'coordination.k8s.io', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 200 },
      ...stamp,
      ...allow,
    });
  }
  if (x < 0.62) {
    return JSON.stringify({
      ...base(r, t, 'Metadata', 'patch', `/api/v1/nodes/${node}/status?timeout=10s`, nodeUser, kubelet, '10.224.0.4'),
      objectRef: { resource: 'nodes', name: node, apiVersion: 'v1', subresource: 'status' },
      responseStatus: { metadata: {}, code: 200 },
      ...stamp,
      ...allow,
    });
  }
  if (x < 0.88) {
    const controller = CONTROLLERS[Math.floor(r() * CONTROLLERS.length)]!;
    const resource = ['pods', 'replicasets', 'endpointslices', 'deployments', 'jobs'][Math.floor(r() * 5)]!;
    const verb = r() < 0.6 ? 'watch' : 'list';
    return JSON.stringify({
      ...base(r, t, 'Metadata', verb, `/apis/apps/v1/${resource}?allowWatchBookmarks=true&resourceVersion=48213&timeout=7m32s&watch=true`, { username: `system:serviceaccount:kube-system:${controller}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] }, 'kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/39683505/shared-informers', '10.224.0.1'),
      objectRef: { resource, apiGroup: 'apps', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 200 },
      ...stamp,
      ...allow,
    });
  }
  if (x < 0.98) {
    const ns = NAMESPACES[Math.floor(r() * NAMESPACES.length)]!;
    const name = `${['api', 'web', 'worker', 'cache'][Math.floor(r() * 4)]}-7c9f6d-${Math.floor(r() * 1e6).toString(36).padStart(5, 'x')}`;
    const body = podBody(r, ns, name);
    return JSON.stringify({
      ...base(r, t, 'RequestResponse', 'create', `/api/v1/namespaces/${ns}/pods`, { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] }, 'kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/39683505/system:serviceaccount:kube-system:replicaset-controller', '10.224.0.1'),
      objectRef: { resource: 'pods', namespace: ns, apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      requestObject: body,
      responseObject: { ...body, metadata: { ...(body.metadata as object), uid: uuid(r), resourceVersion: String(Math.floor(r() * 1e7)), creationTimestamp: new Date(t).toISOString().slice(0, 19) + 'Z' }, status: { phase: 'Pending', qosClass: 'Burstable' } },
      ...stamp,
      ...allow,
    });
  }
  const ns = NAMESPACES[Math.floor(r() * NAMESPACES.length)]!;
  return JSON.stringify({
    ...base(r, t, 'Metadata', 'get', `/api/v1/namespaces/${ns}/secrets/app-config`, { username: `system:serviceaccount:${ns}:default`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] }, 'Go-http-client/2.0', '10.244.3.17'),
    objectRef: { resource: 'secrets', namespace: ns, name: 'app-config', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    ...stamp,
    ...allow,
  });
}

/** Writes `count` events to `path`; returns the file size in bytes. */
export async function writeAuditStream(path: string, count: number, seed = 42): Promise<number> {
  const r = rng(seed);
  const out = createWriteStream(path);
  let t = Date.parse('2026-03-14T09:00:00Z');
  let bytes = 0;
  let buffer = '';
  for (let i = 0; i < count; i++) {
    t += Math.floor(r() * 20);
    buffer += nextEvent(r, t) + '\n';
    if (buffer.length > 1 << 20) {
      bytes += Buffer.byteLength(buffer);
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  bytes += Buffer.byteLength(buffer);
  out.end(buffer);
  await once(out, 'finish');
  return bytes;
}
