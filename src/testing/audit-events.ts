/**
 * @module testing/audit-events
 * Audit events for tests, composed the way kube-apiserver writes them (field order, stages,
 * responseStatus, annotations), so engine and input tests exercise real shapes.
 */
import { randomUUID } from 'node:crypto';

export interface AuditEventSpec {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  apiGroup?: string;
  user?: string;
  groups?: string[];
  code?: number;
  stage?: string;
  level?: string;
  auditID?: string;
  time?: string;
  sourceIPs?: string[];
  userAgent?: string;
  requestObject?: unknown;
  responseObject?: unknown;
}

export function auditEvent(spec: AuditEventSpec): Record<string, unknown> {
  const group = spec.apiGroup ?? '';
  const base = group ? `/apis/${group}/v1` : '/api/v1';
  const code = spec.code ?? (spec.verb === 'create' ? 201 : 200);
  const event: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: spec.level ?? (spec.requestObject || spec.responseObject ? 'RequestResponse' : 'Metadata'),
    auditID: spec.auditID ?? randomUUID(),
    stage: spec.stage ?? 'ResponseComplete',
    requestURI: `${base}${spec.namespace ? `/namespaces/${spec.namespace}` : ''}/${spec.resource}${spec.name && spec.verb !== 'create' ? `/${spec.name}` : ''}${spec.subresource ? `/${spec.subresource}` : ''}`,
    verb: spec.verb,
    user: { username: spec.user ?? 'dev-jlee@example.com', groups: spec.groups ?? ['developers', 'system:authenticated'] },
    sourceIPs: spec.sourceIPs ?? ['198.51.100.23'],
    userAgent: spec.userAgent ?? 'kubectl/v1.30.2 (linux/amd64) kubernetes/39683505',
    objectRef: {
      resource: spec.resource,
      ...(spec.namespace ? { namespace: spec.namespace } : {}),
      ...(spec.name ? { name: spec.name } : {}),
      ...(group ? { apiGroup: group } : {}),
      apiVersion: 'v1',
      ...(spec.subresource ? { subresource: spec.subresource } : {}),
    },
  };
  if (event.stage !== 'RequestReceived') {
    event.responseStatus = code >= 400 ? { metadata: {}, status: 'Failure', reason: 'Forbidden', code } : { metadata: {}, code };
  }
  if (spec.requestObject !== undefined) event.requestObject = spec.requestObject;
  if (spec.responseObject !== undefined && event.stage !== 'RequestReceived') event.responseObject = spec.responseObject;
  const time = spec.time ?? '2026-03-14T09:21:07.412345Z';
  event.requestReceivedTimestamp = time;
  event.stageTimestamp = time;
  event.annotations = { 'authorization.k8s.io/decision': code === 403 ? 'forbid' : 'allow', 'authorization.k8s.io/reason': '' };
  return event;
}

export function privilegedPod(name: string, namespace: string): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name, namespace },
    spec: { containers: [{ name: 'sh', image: 'busybox:1.36', securityContext: { privileged: true } }] },
  };
}

/** A node lease renewal, the commonest event of a busy cluster. */
export function leaseUpdate(node: string, time: string): Record<string, unknown> {
  return auditEvent({
    verb: 'update',
    resource: 'leases',
    apiGroup: 'coordination.k8s.io',
    namespace: 'kube-node-lease',
    name: node,
    user: `system:node:${node}`,
    groups: ['system:nodes', 'system:authenticated'],
    userAgent: 'kubelet/v1.30.2 (linux/amd64) kubernetes/39683505',
    sourceIPs: ['10.224.0.4'],
    time,
  });
}

export function jsonl(events: readonly unknown[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}
