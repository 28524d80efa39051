/**
 * @module sources/aks/format
 * AKS audit logs as Azure Monitor delivers them (reference/k8s-audit.md §8.1):
 *   - diagnostic records `{time, resourceId, category, operationName, properties: {log, pod, stream}}`
 *     of categories `kube-audit` and `kube-audit-admin`, the audit Event serialised as a string in
 *     `properties.log` — one per line, or `{"records": […]}` as Event Hubs messages and storage
 *     account blobs hold them;
 *   - Log Analytics rows exported as JSON: the resource-specific `AKSAudit` / `AKSAuditAdmin`
 *     tables (one column per Event field, dynamic columns possibly as JSON strings) and the legacy
 *     `AzureDiagnostics` table (the Event as a string in `log_s`).
 * Other categories (guard, kube-apiserver, cluster-autoscaler…) share the same exports: they are
 * not audit events and are passed over without complaint. The cluster is named by the record's
 * resource id (Azure upper-cases it in exports; names are case-insensitive, so it is lower-cased).
 */
import type { ClusterInfo } from '../../events/model.js';
import type { Origin, SourceFormat } from '../format.js';
import { jsonRecordsDecoder } from '../format.js';
import { emitAuditEvent, issueAt } from '../wrapped/audit.js';
import { isObject, parseEmbedded, typeName, type JsonObject } from '../wrapped/json.js';

const AUDIT_CATEGORIES = new Set(['kube-audit', 'kube-audit-admin']);
/** What AKSAudit puts in place of a body too large to keep. */
const SKIPPED_BODY = 'skipped-too-big-size-object';
const CLUSTER_ID = /\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)/i;

/** Cluster name and identity from an Azure resource id of a managed cluster. */
export function aksCluster(resourceId: unknown, location?: unknown): { name?: string; info?: ClusterInfo } {
  if (typeof resourceId !== 'string') return {};
  const match = CLUSTER_ID.exec(resourceId.slice(0, 1024));
  if (!match) return {};
  const info: ClusterInfo = { cloud: 'azure', resourceId: resourceId.toLowerCase() };
  if (typeof location === 'string' && location) info.region = location.toLowerCase();
  return { name: match[1]!.toLowerCase(), info };
}

/** A Log Analytics dynamic column: an object, or the same serialised as a string; a body too big to keep is absent. */
function dynamic(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === SKIPPED_BODY || value === '') return undefined;
  const t = value.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return value;
  const parsed = parseEmbedded(value, 'column');
  return 'value' in parsed ? parsed.value : value;
}

/** An AKSAudit / AKSAuditAdmin row back into the audit Event it was made from. */
function eventFromAuditRow(row: JsonObject): JsonObject {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: row.Level,
    auditID: row.AuditId,
    stage: row.Stage,
    requestURI: row.RequestUri,
    verb: row.Verb,
    user: dynamic(row.User),
    impersonatedUser: dynamic(row.ImpersonatedUser),
    sourceIPs: dynamic(row.SourceIps),
    userAgent: row.UserAgent,
    objectRef: dynamic(row.ObjectRef),
    responseStatus: dynamic(row.ResponseStatus),
    requestObject: dynamic(row.RequestObject),
    responseObject: dynamic(row.ResponseObject),
    requestReceivedTimestamp: row.RequestReceivedTime ?? row.TimeGenerated,
    stageTimestamp: row.StageReceivedTime,
    annotations: dynamic(row.Annotations),
  };
}

const aks: SourceFormat = {
  name: 'aks',
  description: 'AKS audit logs from Azure Monitor: kube-audit / kube-audit-admin diagnostic records ({"records": […]} or JSON lines) and AKSAudit / AzureDiagnostics rows exported from Log Analytics',
  kinds: ['k8s.audit'],
  documentArrayKeys: ['records', ''],
  sniff(head) {
    if (/"category"\s*:\s*"kube-audit(-admin)?"/i.test(head)) return 0.95;
    if (/"Category"\s*:\s*"kube-audit/.test(head) && head.includes('"log_s"')) return 0.95;
    if (head.includes('"AuditId"') && head.includes('"RequestUri"')) return 0.95;
    if (/managedclusters\//i.test(head) && head.includes('"records"')) return 0.7;
    return 0;
  },
  open(sink, options) {
    const record = (value: unknown, origin: Origin, path: string): void => {
      if (!isObject(value)) {
        issueAt(sink, origin, path, `expected a diagnostic record or Log Analytics row, got ${typeName(value)}`);
        return;
      }
      if (Array.isArray(value.records)) {
        value.records.forEach((r, i) => record(r, origin, `${path ? path + '.' : ''}records[${i}]`));
        return;
      }
      if ('AuditId' in value) {
        const cluster = aksCluster(value._ResourceId ?? value.ResourceId);
        emitAuditEvent(eventFromAuditRow(value), { source: 'aks', origin, path, cluster: cluster.name ?? options.cluster, clusterInfo: cluster.info }, sink);
        return;
      }
      const category = value.category ?? value.Category;
      if (typeof category !== 'string') {
        issueAt(sink, origin, path, "neither a diagnostic record (no 'category') nor an AKSAudit row (no 'AuditId')");
        return;
      }
      if (!AUDIT_CATEGORIES.has(category.toLowerCase())) return;
      const cluster = aksCluster(value.resourceId ?? value._ResourceId ?? value.ResourceId, value.location);
      let log: unknown;
      if ('log_s' in value) log = value.log_s;
      else {
        let properties = value.properties;
        if (typeof properties === 'string') {
          const parsed = parseEmbedded(properties, "'properties'");
          if ('error' in parsed) return issueAt(sink, origin, path, parsed.error);
          properties = parsed.value;
        }
        if (!isObject(properties)) return issueAt(sink, origin, path, `${category} record without a 'properties' object`);
        log = properties.log;
      }
      const field = 'log_s' in value ? "'log_s'" : "'properties.log'";
      let event: unknown = log;
      if (typeof log === 'string') {
        const parsed = parseEmbedded(log, field);
        if ('error' in parsed) return issueAt(sink, origin, path, parsed.error);
        event = parsed.value;
      } else if (!isObject(log)) {
        return issueAt(sink, origin, path, `${field} must hold the audit event, got ${typeName(log)}`);
      }
      emitAuditEvent(event, { source: 'aks', origin, path, cluster: cluster.name ?? options.cluster, clusterInfo: cluster.info }, sink);
    };
    return jsonRecordsDecoder(sink, record);
  },
};

export default aks;
