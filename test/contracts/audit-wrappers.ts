/**
 * @module test/contracts/audit-wrappers
 * Wraps native audit Events the way each managed cloud delivers them, byte for byte in the shapes
 * of reference/k8s-audit.md §8 — for the contract test that every wrapper gives the same alerts.
 * Each wrapper returns a file's content (text, or gzip bytes where the delivery is compressed).
 */
import { gzipSync } from 'node:zlib';

type AuditEvent = Record<string, unknown> & { auditID: string; stageTimestamp?: string; requestReceivedTimestamp?: string };

export const AKS_RESOURCE_ID =
  '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD-01';
export const EKS_LOG_GROUP = '/aws/eks/eks-prod-01/cluster';
export const GKE_RESOURCE = { type: 'k8s_cluster', labels: { project_id: 'acme-prod', location: 'europe-west1', cluster_name: 'gke-prod-eu' } };

export interface Wrapped {
  /** File name (its extension says whether the content is gzip). */
  name: string;
  content: string | Buffer;
  /** Cluster name the wrapper carries (none for S3 exports, which lose the log group). */
  cluster?: string;
}

function aksRecord(event: AuditEvent, category = 'kube-audit'): Record<string, unknown> {
  return {
    time: event.stageTimestamp,
    resourceId: AKS_RESOURCE_ID,
    category,
    operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
    properties: { pod: 'kube-apiserver-5c8d9f7b6-qm2zt', stream: 'stdout', log: JSON.stringify(event) },
  };
}

const eksStream = 'kube-apiserver-audit-3f9a6c1e0b2d47e58a11c0d9e7f4b2a6';

function ms(event: AuditEvent): number {
  return Date.parse(event.stageTimestamp ?? event.requestReceivedTimestamp ?? '2026-01-01T00:00:00Z');
}

function subscriptionPayload(events: AuditEvent[]): Record<string, unknown> {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup: EKS_LOG_GROUP,
    logStream: eksStream,
    subscriptionFilters: ['vigil-audit'],
    logEvents: events.map((e, i) => ({ id: `3${String(ms(e)).padStart(20, '0')}${String(i).padStart(35, '0')}`.slice(0, 56), timestamp: ms(e), message: JSON.stringify(e) })),
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** google.rpc.Code for an HTTP status, as GKE reports it. */
function rpcCode(http: number | undefined): number {
  if (http === undefined || http < 400) return 0;
  return ({ 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 503: 14 } as Record<number, number>)[http] ?? 13;
}

/** A native Event as GKE's Cloud Audit Logs entry (what GKE keeps of it). */
export function gkeEntry(event: AuditEvent): Record<string, unknown> {
  const ref = (event.objectRef ?? {}) as Record<string, string | undefined>;
  const group = ref.apiGroup ? ref.apiGroup : 'core';
  const groupPath = ref.apiGroup ? ref.apiGroup.split('.').reverse().join('.').replace(/^io\.k8s\./, '') : 'core';
  const method = ['io.k8s', groupPath, ref.apiVersion ?? 'v1', ref.resource, ref.subresource, event.verb].filter(Boolean).join('.');
  const resourceName = [group, ref.apiVersion ?? 'v1', ref.namespace && ref.resource !== 'namespaces' ? `namespaces/${ref.namespace}` : '', ref.resource, ref.name, ref.name ? ref.subresource : '']
    .filter(Boolean)
    .join('/');
  const status = event.responseStatus as { code?: number; message?: string } | undefined;
  const code = rpcCode(status?.code);
  const ips = (event.sourceIPs as string[] | undefined) ?? [];
  const payload: Record<string, unknown> = {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    authenticationInfo: { principalEmail: (event.user as { username: string }).username },
    authorizationInfo: [{ granted: code !== 7, permission: method, resource: resourceName }],
    methodName: method,
    requestMetadata: { callerIp: ips[ips.length - 1], callerSuppliedUserAgent: event.userAgent },
    resourceName,
    serviceName: 'k8s.io',
    status: code ? { code, message: status?.message ?? 'denied' } : {},
  };
  // Object bodies gain GKE's '@type'; a JSON patch (an array) is kept as it is.
  const typed = (body: unknown) => (Array.isArray(body) || typeof body !== 'object' || body === null ? body : { '@type': `${group}.k8s.io/${ref.apiVersion ?? 'v1'}.${ref.resource}`, ...body });
  if (event.requestObject !== undefined) payload.request = typed(event.requestObject);
  if (event.responseObject !== undefined) payload.response = typed(event.responseObject);
  const read = ['get', 'list', 'watch'].includes(String(event.verb));
  return {
    insertId: event.auditID,
    labels: event.annotations ?? {},
    logName: `projects/acme-prod/logs/cloudaudit.googleapis.com%2F${read ? 'data_access' : 'activity'}`,
    operation: { first: true, id: event.auditID, last: true, producer: 'k8s.io' },
    protoPayload: payload,
    receiveTimestamp: event.stageTimestamp,
    resource: GKE_RESOURCE,
    timestamp: event.stageTimestamp ?? event.requestReceivedTimestamp,
  };
}

/** Every delivery shape, each a function of the same events. */
export const WRAPPERS: Record<string, (events: AuditEvent[]) => Wrapped> = {
  'aks-records-document': (events) => ({ name: 'aks.json', cluster: 'aks-prod-01', content: JSON.stringify({ records: events.map((e) => aksRecord(e)) }, null, 2) }),
  'aks-event-hub-messages': (events) => ({
    name: 'aks-eventhub.jsonl',
    cluster: 'aks-prod-01',
    content: chunks(events, 3).map((batch) => JSON.stringify({ records: batch.map((e) => aksRecord(e, 'kube-audit-admin')) })).join('\n') + '\n',
  }),
  'aks-json-lines': (events) => ({ name: 'aks.jsonl', cluster: 'aks-prod-01', content: events.map((e) => JSON.stringify(aksRecord(e))).join('\n') + '\n' }),
  'aks-log-analytics-AKSAudit': (events) => ({
    name: 'aksaudit.json',
    cluster: 'aks-prod-01',
    content: JSON.stringify(
      events.map((e) => ({
        TenantId: '11111111-2222-3333-4444-555555555555',
        TimeGenerated: e.stageTimestamp,
        Level: e.level,
        AuditId: e.auditID,
        Stage: e.stage,
        RequestUri: e.requestURI,
        Verb: e.verb,
        // `az monitor log-analytics query` returns dynamic columns as JSON strings.
        User: JSON.stringify(e.user),
        ImpersonatedUser: e.impersonatedUser ? JSON.stringify(e.impersonatedUser) : '',
        SourceIps: JSON.stringify(e.sourceIPs ?? []),
        UserAgent: e.userAgent,
        ObjectRef: e.objectRef ? JSON.stringify(e.objectRef) : '',
        ResponseStatus: JSON.stringify(e.responseStatus ?? {}),
        RequestObject: e.requestObject !== undefined ? JSON.stringify(e.requestObject) : '',
        ResponseObject: e.responseObject !== undefined ? JSON.stringify(e.responseObject) : '',
        RequestReceivedTime: e.requestReceivedTimestamp,
        StageReceivedTime: e.stageTimestamp,
        Annotations: JSON.stringify(e.annotations ?? {}),
        PodName: 'kube-apiserver-5c8d9f7b6-qm2zt',
        SourceSystem: 'Azure',
        Type: 'AKSAudit',
        _ResourceId: AKS_RESOURCE_ID.toLowerCase(),
      })),
      null,
      2,
    ),
  }),
  'aks-log-analytics-AzureDiagnostics': (events) => ({
    name: 'azurediagnostics.json',
    cluster: 'aks-prod-01',
    content: JSON.stringify(
      events.map((e) => ({
        TimeGenerated: e.stageTimestamp,
        Category: 'kube-audit',
        ResourceId: AKS_RESOURCE_ID,
        log_s: JSON.stringify(e),
        pod_s: 'kube-apiserver-5c8d9f7b6-qm2zt',
        stream_s: 'stdout',
        Type: 'AzureDiagnostics',
        _ResourceId: AKS_RESOURCE_ID.toLowerCase(),
      })),
      null,
      2,
    ),
  }),
  'eks-filter-log-events': (events) => ({
    // The command's output does not repeat the log group it was given: the cluster is unnamed.
    name: 'eks-filter.json',
    content: JSON.stringify(
      {
        events: events.map((e, i) => ({ logStreamName: eksStream, timestamp: ms(e), message: JSON.stringify(e), ingestionTime: ms(e) + 1500, eventId: `3${String(i).padStart(55, '0')}` })),
        searchedLogStreams: [],
      },
      null,
      2,
    ),
  }),
  'eks-subscription-base64-lines': (events) => ({
    name: 'eks-kinesis.txt',
    cluster: 'eks-prod-01',
    content: chunks(events, 4).map((batch) => gzipSync(JSON.stringify(subscriptionPayload(batch))).toString('base64')).join('\n') + '\n',
  }),
  'eks-firehose-s3-object': (events) => ({
    name: 'eks-firehose.gz',
    cluster: 'eks-prod-01',
    // Firehose writes the CloudWatch payloads as they come: gzip members back to back, no separator.
    content: Buffer.concat(chunks(events, 4).map((batch) => gzipSync(JSON.stringify(subscriptionPayload(batch))))),
  }),
  'eks-s3-export': (events) => ({
    name: 'eks-export.gz',
    content: gzipSync(events.map((e) => `${new Date(ms(e)).toISOString()} ${JSON.stringify(e)}`).join('\n') + '\n'),
  }),
  'gke-gcloud-logging-read': (events) => ({ name: 'gke.json', cluster: 'gke-prod-eu', content: JSON.stringify(events.map(gkeEntry), null, 2) }),
  'gke-pubsub-push': (events) => ({
    name: 'gke-pubsub.jsonl',
    cluster: 'gke-prod-eu',
    content:
      events
        .map((e, i) =>
          JSON.stringify({
            message: { attributes: { 'logging.googleapis.com/timestamp': e.stageTimestamp }, data: Buffer.from(JSON.stringify(gkeEntry(e))).toString('base64'), messageId: String(9000 + i), publishTime: e.stageTimestamp },
            subscription: 'projects/acme-prod/subscriptions/vigil-audit',
          }),
        )
        .join('\n') + '\n',
  }),
};

const STAGE_RANK: Record<string, number> = { RequestReceived: 0, ResponseStarted: 1, ResponseComplete: 2, Panic: 3 };

/**
 * What GKE keeps of native Events: the baseline GKE's alerts are compared with. One entry per
 * request (GKE's policy omits the RequestReceived stage; a later stage of the same auditID replaces
 * the earlier; an auditID reused at the same stage is another request), no groups or
 * impersonation, the caller's address only, one timestamp, no query string, a successful
 * exec/attach/portforward as 101, and nothing for non-resource URLs.
 */
export function gkeProjection(events: AuditEvent[]): AuditEvent[] {
  const kept: AuditEvent[] = [];
  const latest = new Map<string, number>();
  for (const e of events) {
    if (!e.objectRef || e.stage === 'RequestReceived') continue;
    const at = latest.get(e.auditID);
    if (at !== undefined && (STAGE_RANK[String(e.stage)] ?? 0) > (STAGE_RANK[String(kept[at]!.stage)] ?? 0)) kept[at] = e;
    else {
      latest.set(e.auditID, kept.length);
      kept.push(e);
    }
  }
  return kept.map((e) => {
    const ref = e.objectRef as Record<string, string | undefined>;
    const ips = (e.sourceIPs as string[] | undefined) ?? [];
    const streaming = ['exec', 'attach', 'portforward'].includes(ref.subresource ?? '');
    const projected: AuditEvent = {
      ...e,
      stage: streaming ? 'ResponseStarted' : 'ResponseComplete',
      user: { username: (e.user as { username: string }).username, groups: [] },
      sourceIPs: ips.slice(-1),
      // The entry's one timestamp is the stage's.
      requestReceivedTimestamp: e.stageTimestamp ?? e.requestReceivedTimestamp,
    };
    delete projected.impersonatedUser;
    // GKE shows a successful streaming session as the protocol switch.
    const status = e.responseStatus as { code?: number } | undefined;
    if (streaming && status?.code !== undefined && status.code < 400) projected.responseStatus = { ...status, code: 101 };
    return projected;
  });
}
