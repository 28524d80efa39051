/**
 * @module sources/azure-activity/format
 * Azure Activity Log records as `cloud.activity` events, in the two shapes they are kept in:
 *   - the export schema of diagnostic settings (storage account blobs and Event Hubs messages,
 *     `{"records": […]}` or one record per line): `operationName` a string, `resultType`,
 *     `callerIpAddress`, `identity.claims`, `identity.authorization.evidence`;
 *   - the REST / `az monitor activity-log list` schema (a JSON array): `operationName.value`,
 *     `status.value`, `claims`, `httpRequest.clientIpAddress`, `eventDataId`.
 * Only records of category Administrative carry control-plane operations with an identity; other
 * categories (ServiceHealth, ResourceHealth, Autoscale, Recommendation, Alert, Policy, Security)
 * are passed over.
 *
 * The identity is the caller's object id (`…/claims/objectidentifier`, else the authorization
 * evidence's principalId); a managed identity is recognised by its `xms_mirid` claim (its resource
 * id), whose last segment is its name. The record id is `eventDataId` where the schema has one;
 * the export schema has none, so it is `correlationId/operation/result/time`.
 */
import type { CloudActivityEvent, CloudIdentity } from '../../events/model.js';
import type { DecoderSink, Origin, SourceFormat } from '../format.js';
import { jsonRecordsDecoder } from '../format.js';
import { issueAt, originOf } from '../wrapped/audit.js';
import { isObject, typeName, type JsonObject } from '../wrapped/json.js';

const OID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const NAME = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';
/** Claims kept on the identity (the rest is token plumbing). */
const KEPT_CLAIMS = ['xms_mirid', 'appid', 'idtyp', 'iss', 'aud', 'xms_az_rid', UPN, NAME, OID];
const FAILED = new Set(['failure', 'failed']);

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (isObject(value) && typeof value.value === 'string') return value.value || undefined;
  return undefined;
}

function identityOf(claims: JsonObject, evidence: JsonObject, caller: string | undefined): CloudIdentity | undefined {
  const kept: Record<string, string> = {};
  for (const key of KEPT_CLAIMS) if (typeof claims[key] === 'string') kept[key] = claims[key] as string;
  const id = kept[OID] ?? text(evidence.principalId) ?? caller;
  if (!id) return undefined;
  const mirid = kept.xms_mirid;
  const principalType = text(evidence.principalType);
  const type: CloudIdentity['type'] = mirid
    ? 'managed-identity'
    : kept.idtyp === 'user' || principalType === 'User' || kept[UPN]
      ? 'user'
      : kept.idtyp === 'app' || principalType === 'ServicePrincipal'
        ? 'service-principal'
        : 'other';
  const name = mirid ? mirid.slice(mirid.lastIndexOf('/') + 1) : (kept[UPN] ?? kept[NAME] ?? caller);
  return { id, name, type, claims: kept };
}

/** One Activity Log record (either schema) as an event, or the reason it is not one; undefined for other categories. */
export function activityEvent(record: JsonObject, source: string, origin: string): CloudActivityEvent | { error: string } | undefined {
  const category = text(record.category);
  if (category && category.toLowerCase() !== 'administrative') return undefined;
  const operation = text(record.operationName);
  if (!operation) return { error: "record without an 'operationName'" };
  const timeText = text(record.time) ?? text(record.eventTimestamp);
  const time = timeText ? Date.parse(timeText) : Number.NaN;
  if (Number.isNaN(time)) return { error: `${operation}: missing or invalid 'time'` };
  const identityField = isObject(record.identity) ? record.identity : {};
  const claims = isObject(identityField.claims) ? identityField.claims : isObject(record.claims) ? record.claims : {};
  const authorization = isObject(identityField.authorization) ? identityField.authorization : isObject(record.authorization) ? record.authorization : {};
  const evidence = isObject(authorization.evidence) ? authorization.evidence : {};
  const identity = identityOf(claims, evidence, text(record.caller));
  if (!identity) return { error: `${operation}: no caller identity (claims, authorization evidence or caller)` };
  const status = text(record.resultType) ?? text(record.status);
  const substatus = text(record.resultSignature) ?? text(record.subStatus);
  const correlation = text(record.correlationId) ?? '';
  const http = isObject(record.httpRequest) ? record.httpRequest : {};
  return {
    kind: 'cloud.activity',
    id: text(record.eventDataId) ?? `${correlation}/${operation}/${status ?? ''}/${timeText}`,
    time,
    source,
    origin,
    provider: 'azure',
    operation: operation.toLowerCase(),
    identity,
    callerIp: text(record.callerIpAddress) ?? text(http.clientIpAddress),
    status: substatus ? `${status ?? ''} (${substatus})` : status,
    success: !FAILED.has((status ?? '').toLowerCase()),
    resource: text(record.resourceId)?.toLowerCase(),
  };
}

const azureActivity: SourceFormat = {
  name: 'azure-activity',
  description: 'Azure Activity Log records: storage-account / Event Hubs exports ({"records": […]} or JSON lines) and az monitor activity-log list output',
  kinds: ['cloud.activity'],
  documentArrayKeys: ['records', 'value', ''],
  sniff(head) {
    if (/"category"\s*:\s*"Administrative"/.test(head) && head.includes('"operationName"')) return 0.95;
    if (head.includes('"eventDataId"') && head.includes('"operationName"')) return 0.95;
    return 0;
  },
  open(sink: DecoderSink, options) {
    const record = (value: unknown, origin: Origin, path: string): void => {
      if (!isObject(value)) return issueAt(sink, origin, path, `expected an Activity Log record, got ${typeName(value)}`);
      for (const key of ['records', 'value']) {
        const list = value[key];
        if (Array.isArray(list)) return list.forEach((r, i) => record(r, origin, `${path ? path + '.' : ''}${key}[${i}]`));
      }
      const event = activityEvent(value, 'azure-activity', originOf(origin, path));
      if (!event) return;
      if ('error' in event) return issueAt(sink, origin, path, event.error);
      if (options.cluster) event.cluster = options.cluster;
      sink.event(event);
    };
    return jsonRecordsDecoder(sink, record);
  },
};

export default azureActivity;
