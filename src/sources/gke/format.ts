/**
 * @module sources/gke/format
 * GKE audit logs: Cloud Audit Logs `LogEntry` records of the Kubernetes API (`protoPayload` of
 * type AuditLog, `serviceName` "k8s.io"), as `gcloud logging read --format=json` prints them (a
 * JSON array), as a Log Router sink writes them to Cloud Storage (JSON lines), or as Pub/Sub
 * delivers them (`{"message": {"data": <base64 LogEntry>}}`). Each entry is mapped onto the native
 * audit Event (reference/k8s-audit.md §8.3) and normalised like every other audit event.
 *
 * What GKE does not export, and so no detection here can use:
 *   - `auditID`: the entry's `insertId` stands in (evidence ids are insertIds);
 *   - `stage` and `level`: taken as ResponseComplete (exec/attach/portforward: ResponseStarted),
 *     level from which bodies are present;
 *   - `requestURI` with its query string: synthesised from `resourceName`, so the command of a
 *     `pods/exec` (only ever in the query string) is unknown;
 *   - the user's `groups`, `uid`, `extra`, and impersonation;
 *   - every `sourceIPs` entry but the caller's address.
 * GKE's own audit policy drops some requests altogether (see `unsupported` below).
 * Other entries in the same export (cluster operations of container.googleapis.com, text logs)
 * are not Kubernetes audit events and are passed over without complaint.
 */
import type { ClusterInfo } from '../../events/model.js';
import type { DecoderSink, Origin, SourceFormat } from '../format.js';
import { jsonRecordsDecoder } from '../format.js';
import { emitAuditEvent, issueAt } from '../wrapped/audit.js';
import { decodeBase64Payload, isObject, parseEmbedded, typeName, type JsonObject } from '../wrapped/json.js';

const AUDIT_LOG_TYPE = 'type.googleapis.com/google.cloud.audit.AuditLog';
const VERSION = /^v\d+((alpha|beta)\d+)?$/;
/** Subresources whose requests stream: the API server logs them from ResponseStarted on. */
const STREAMING = new Set(['exec', 'attach', 'portforward']);

/** google.rpc.Code → the HTTP status the API server answered, and the Status reason. */
const RPC_STATUS: Record<number, [number, string]> = {
  1: [499, 'Canceled'],
  2: [500, 'InternalError'],
  3: [400, 'BadRequest'],
  4: [504, 'Timeout'],
  5: [404, 'NotFound'],
  6: [409, 'AlreadyExists'],
  7: [403, 'Forbidden'],
  8: [429, 'TooManyRequests'],
  9: [400, 'BadRequest'],
  10: [409, 'Conflict'],
  11: [400, 'BadRequest'],
  12: [501, 'NotImplemented'],
  13: [500, 'InternalError'],
  14: [503, 'ServiceUnavailable'],
  15: [500, 'InternalError'],
  16: [401, 'Unauthorized'],
};

export interface GkeMethod {
  resource: string;
  subresource?: string;
  verb: string;
}

/** `io.k8s.core.v1.pods.exec.create` → pods / exec / create. */
export function parseMethodName(method: string): GkeMethod | undefined {
  const parts = method.split('.');
  if (parts[0] !== 'io' || parts[1] !== 'k8s') return undefined;
  const v = parts.findIndex((p, i) => i >= 2 && VERSION.test(p));
  if (v < 0) return undefined;
  const rest = parts.slice(v + 1);
  if (rest.length < 2 || rest.length > 3) return undefined;
  return { resource: rest[0]!, subresource: rest.length === 3 ? rest[1] : undefined, verb: rest[rest.length - 1]! };
}

export interface GkeResource {
  apiGroup: string;
  apiVersion: string;
  namespace?: string;
  name?: string;
}

/**
 * `core/v1/namespaces/default/pods/debug-shell[/exec]` or `rbac.authorization.k8s.io/v1/clusterroles/x`
 * → group, version, namespace, name; `resource` (from methodName) says where the path's
 * resource segment is, which resolves `namespaces/<ns>/…` against the Namespace object itself.
 */
export function parseResourceName(resourceName: string, resource: string): GkeResource | undefined {
  const parts = resourceName.split('/');
  if (parts.length < 3) return undefined;
  const [group, version, ...rest] = parts;
  const out: GkeResource = { apiGroup: group === 'core' ? '' : group!, apiVersion: version! };
  let at = -1;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] === resource) {
    out.namespace = rest[1];
    at = 2;
  } else if (rest[0] === resource) at = 0;
  if (at < 0) return undefined;
  out.name = rest[at + 1] || undefined;
  return out;
}

function requestURIOf(resource: GkeResource, method: GkeMethod): string {
  const base = resource.apiGroup ? `/apis/${resource.apiGroup}/${resource.apiVersion}` : `/api/${resource.apiVersion}`;
  const ns = resource.namespace ? `/namespaces/${resource.namespace}` : '';
  const name = resource.name ? `/${resource.name}` : '';
  const sub = method.subresource ? `/${method.subresource}` : '';
  return `${base}${ns}/${method.resource}${name}${sub}`;
}

function body(value: unknown): unknown {
  if (!isObject(value)) return value ?? undefined;
  const { ['@type']: _type, ...rest } = value;
  return rest;
}

export function gkeCluster(resource: unknown): { name?: string; info?: ClusterInfo } {
  if (!isObject(resource) || !isObject(resource.labels)) return {};
  const labels = resource.labels;
  const name = typeof labels.cluster_name === 'string' ? labels.cluster_name : undefined;
  if (!name) return {};
  const info: ClusterInfo = { cloud: 'gcp' };
  if (typeof labels.location === 'string') info.region = labels.location;
  if (typeof labels.project_id === 'string') info.project = labels.project_id;
  if (info.project && info.region) info.resourceId = `projects/${info.project}/locations/${info.region}/clusters/${name}`;
  return { name, info };
}

/** A LogEntry of the Kubernetes API back into the audit Event GKE made it from, or a reason. */
export function eventFromLogEntry(entry: JsonObject): { event: JsonObject } | { error: string } | { skip: true } {
  const payload = entry.protoPayload;
  if (!isObject(payload)) return { skip: true };
  if (payload['@type'] !== AUDIT_LOG_TYPE || payload.serviceName !== 'k8s.io') return { skip: true };
  if (typeof entry.insertId !== 'string' || !entry.insertId) return { error: "entry without an 'insertId'" };
  if (typeof payload.methodName !== 'string') return { error: "protoPayload without a 'methodName'" };
  const method = parseMethodName(payload.methodName);
  if (!method) return { error: `methodName '${payload.methodName.slice(0, 200)}' is not io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>` };
  const resourceName = typeof payload.resourceName === 'string' ? payload.resourceName : '';
  const resource = parseResourceName(resourceName, method.resource);
  if (!resource) return { error: `resourceName '${resourceName.slice(0, 200)}' does not name resource '${method.resource}' of methodName ${payload.methodName}` };
  const auth = isObject(payload.authenticationInfo) ? payload.authenticationInfo : {};
  const meta = isObject(payload.requestMetadata) ? payload.requestMetadata : {};
  const status = isObject(payload.status) ? payload.status : {};
  const rpc = typeof status.code === 'number' ? status.code : 0;
  const streaming = method.subresource !== undefined && STREAMING.has(method.subresource);
  // Success: 201 for a create, 101 (protocol switch) for a streaming session, else 200.
  const success = streaming ? 101 : method.verb === 'create' ? 201 : 200;
  const [code, reason] = rpc === 0 ? [success, undefined] : (RPC_STATUS[rpc] ?? [500, 'InternalError']);
  const time = typeof entry.timestamp === 'string' ? entry.timestamp : undefined;
  const request = body(payload.request);
  const response = body(payload.response);
  const event: JsonObject = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: response !== undefined ? 'RequestResponse' : request !== undefined ? 'Request' : 'Metadata',
    auditID: entry.insertId,
    stage: streaming ? 'ResponseStarted' : 'ResponseComplete',
    requestURI: requestURIOf(resource, method),
    verb: method.verb,
    user: { username: typeof auth.principalEmail === 'string' ? auth.principalEmail : '', groups: [] },
    sourceIPs: typeof meta.callerIp === 'string' && meta.callerIp ? [meta.callerIp] : [],
    userAgent: meta.callerSuppliedUserAgent,
    objectRef: {
      resource: method.resource,
      namespace: resource.namespace,
      name: resource.name,
      apiGroup: resource.apiGroup,
      apiVersion: resource.apiVersion,
      subresource: method.subresource,
    },
    responseStatus: reason ? { metadata: {}, status: 'Failure', reason, message: status.message, code } : { metadata: {}, code },
    requestObject: request,
    responseObject: response,
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations: isObject(entry.labels) ? entry.labels : {},
  };
  return { event };
}

const gke: SourceFormat = {
  name: 'gke',
  description: 'GKE audit logs: Cloud Audit Logs LogEntries of the Kubernetes API (gcloud logging read JSON, Cloud Storage sink files, Pub/Sub messages)',
  kinds: ['k8s.audit'],
  documentArrayKeys: [''],
  unsupported: {
    K8S_DeleteEvents:
      "GKE's audit policy does not log requests on the 'events' resource at all (level None, for volume), so deletions of Event objects never reach Cloud Audit Logs (catalogue footnote 2).",
    K8S_CoreDnsModification:
      "GKE's audit policy logs ConfigMaps at Metadata level only and GKE's cluster DNS (kube-dns or Cloud DNS) is managed and reconciled by GKE itself, so a change to the DNS configuration cannot be judged from GKE's audit log (catalogue footnote 2).",
  },
  sniff(head) {
    if (head.includes('"protoPayload"') && head.includes('"k8s.io"')) return 0.95;
    if (head.includes('"protoPayload"') && head.includes('"k8s_cluster"')) return 0.9;
    if (/"subscription"\s*:\s*"projects\//.test(head) && /"data"\s*:\s*"eyJ/.test(head)) return 0.8;
    return 0;
  },
  open(sink: DecoderSink, options) {
    const entry = (value: unknown, origin: Origin, path: string): void => {
      if (!isObject(value)) return issueAt(sink, origin, path, `expected a LogEntry object, got ${typeName(value)}`);
      if (isObject(value.message) && 'data' in value.message) {
        const decoded = typeof value.message.data === 'string' ? decodeBase64Payload(value.message.data, 'Pub/Sub message data') : { error: 'Pub/Sub message data must be a string' };
        if ('error' in decoded) return issueAt(sink, origin, path, decoded.error);
        const parsed = parseEmbedded(decoded.text, 'Pub/Sub message data');
        if ('error' in parsed) return issueAt(sink, origin, path, parsed.error);
        return entry(parsed.value, origin, path ? `${path}.message.data` : 'message.data');
      }
      const mapped = eventFromLogEntry(value);
      if ('skip' in mapped) return;
      if ('error' in mapped) return issueAt(sink, origin, path, mapped.error);
      const cluster = gkeCluster(value.resource);
      emitAuditEvent(mapped.event, { source: 'gke', origin, path, cluster: cluster.name ?? options.cluster, clusterInfo: cluster.info }, sink);
    };
    return jsonRecordsDecoder(sink, entry);
  },
};

export default gke;
