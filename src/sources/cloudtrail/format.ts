/**
 * @module sources/cloudtrail/format
 * AWS CloudTrail records as `cloud.activity` events: the trail's S3 files (`{"Records": […]}`,
 * gzip), CloudTrail Lake / EventBridge / `lookup-events` style single records one per line, and
 * JSON arrays of records. The operation is `<service>:<eventName>` (`s3:ListBuckets`); the record
 * id is `eventID`.
 *
 * The identity is the role for assumed-role sessions (`sessionContext.sessionIssuer.arn`), so all
 * sessions of a role share one baseline; the session's facts are kept as claims: the session name
 * (EKS Pod Identity names sessions `eks-<cluster>-<pod>-<uuid>`), the web-identity provider (IRSA:
 * `oidc.eks.<region>.amazonaws.com/id/…`), `invokedBy`. An `AssumeRoleWithWebIdentity` record
 * names the Kubernetes service account it was made for (`system:serviceaccount:<ns>:<name>`), and
 * Pod Identity's `AssumeRole` carries it in session tags: both fill `serviceAccount`.
 */
import type { CloudActivityEvent, CloudIdentity } from '../../events/model.js';
import type { DecoderSink, Origin, SourceFormat } from '../format.js';
import { jsonRecordsDecoder } from '../format.js';
import { issueAt, originOf } from '../wrapped/audit.js';
import { isObject, typeName, type JsonObject } from '../wrapped/json.js';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

const SA_PREFIX = 'system:serviceaccount:';

function tagValue(tags: unknown, key: string): string | undefined {
  if (!Array.isArray(tags)) return undefined;
  for (const t of tags) if (isObject(t) && t.key === key) return text(t.value);
  return undefined;
}

function identityOf(record: JsonObject): CloudIdentity | undefined {
  const user = isObject(record.userIdentity) ? record.userIdentity : undefined;
  if (!user) return undefined;
  const type = text(user.type);
  const session = isObject(user.sessionContext) ? user.sessionContext : {};
  const issuer = isObject(session.sessionIssuer) ? session.sessionIssuer : {};
  const federation = isObject(session.webIdFederationData) ? session.webIdFederationData : {};
  const claims: Record<string, string> = {};
  const arn = text(user.arn);
  if (arn) claims.arn = arn;
  const provider = text(federation.federatedProvider) ?? text(user.identityProvider);
  if (provider) claims.federatedProvider = provider;
  if (text(user.invokedBy)) claims.invokedBy = text(user.invokedBy)!;
  if (type === 'AssumedRole' && arn) claims.sessionName = arn.slice(arn.lastIndexOf('/') + 1);
  const params = isObject(record.requestParameters) ? record.requestParameters : {};
  const eventName = text(record.eventName);
  if (type === 'AssumedRole' && text(issuer.arn)) {
    return { id: text(issuer.arn)!, name: text(issuer.userName), type: provider ? 'web-identity' : 'assumed-role', claims };
  }
  if (type === 'WebIdentityUser') {
    // The role this web identity asked for is the identity that will act; the SA is who asked.
    const roleArn = eventName === 'AssumeRoleWithWebIdentity' ? text(params.roleArn) : undefined;
    const userName = text(user.userName);
    return {
      id: roleArn ?? text(user.principalId) ?? userName ?? 'web-identity',
      name: roleArn ? roleArn.slice(roleArn.lastIndexOf('/') + 1) : userName,
      type: 'web-identity',
      serviceAccount: userName?.startsWith(SA_PREFIX) ? userName.slice(SA_PREFIX.length).replace(':', '/') : undefined,
      claims,
    };
  }
  if (type === 'AWSService' && eventName === 'AssumeRole' && text(params.roleArn)) {
    const roleArn = text(params.roleArn)!;
    const ns = tagValue(params.tags, 'kubernetes-namespace');
    const sa = tagValue(params.tags, 'kubernetes-service-account');
    if (text(params.roleSessionName)) claims.sessionName = text(params.roleSessionName)!;
    return { id: roleArn, name: roleArn.slice(roleArn.lastIndexOf('/') + 1), type: 'assumed-role', serviceAccount: ns && sa ? `${ns}/${sa}` : undefined, claims };
  }
  const id = arn ?? text(user.principalId) ?? text(user.invokedBy);
  if (!id) return undefined;
  return { id, name: text(user.userName) ?? id, type: type === 'IAMUser' || type === 'Root' ? 'user' : 'other', claims };
}

export function trailEvent(record: JsonObject, origin: string): CloudActivityEvent | { error: string } {
  const eventID = text(record.eventID);
  if (!eventID) return { error: "record without an 'eventID'" };
  const source = text(record.eventSource);
  const name = text(record.eventName);
  if (!source || !name) return { error: `record ${eventID} without 'eventSource' or 'eventName'` };
  const time = Date.parse(text(record.eventTime) ?? '');
  if (Number.isNaN(time)) return { error: `record ${eventID}: missing or invalid 'eventTime'` };
  const identity = identityOf(record);
  if (!identity) return { error: `record ${eventID}: no usable 'userIdentity'` };
  const errorCode = text(record.errorCode);
  const resources = Array.isArray(record.resources) ? record.resources : [];
  const firstResource = resources.find((r) => isObject(r) && text(r.ARN)) as JsonObject | undefined;
  return {
    kind: 'cloud.activity',
    id: eventID,
    time,
    source: 'cloudtrail',
    origin,
    provider: 'aws',
    operation: `${source.replace(/\.amazonaws\.com$/, '')}:${name}`,
    identity,
    callerIp: text(record.sourceIPAddress),
    status: errorCode ?? 'Success',
    success: !errorCode,
    resource: firstResource ? text(firstResource.ARN) : undefined,
    userAgent: text(record.userAgent),
  };
}

const cloudtrail: SourceFormat = {
  name: 'cloudtrail',
  description: 'AWS CloudTrail records: trail files from S3 ({"Records": […]}, gzip), single records one per line, JSON arrays',
  kinds: ['cloud.activity'],
  documentArrayKeys: ['Records', ''],
  sniff(head) {
    if (head.includes('"eventVersion"') && head.includes('"eventSource"')) return 0.95;
    if (head.includes('"userIdentity"') && head.includes('"eventName"')) return 0.9;
    return 0;
  },
  open(sink: DecoderSink, options) {
    const record = (value: unknown, origin: Origin, path: string): void => {
      if (!isObject(value)) return issueAt(sink, origin, path, `expected a CloudTrail record, got ${typeName(value)}`);
      if (Array.isArray(value.Records)) return value.Records.forEach((r, i) => record(r, origin, `${path ? path + '.' : ''}Records[${i}]`));
      // EventBridge wraps the record in `detail`.
      const inner = isObject(value.detail) && value['detail-type'] ? value.detail : value;
      const event = trailEvent(inner, originOf(origin, path));
      if ('error' in event) return issueAt(sink, origin, path, event.error);
      if (options.cluster) event.cluster = options.cluster;
      sink.event(event);
    };
    return jsonRecordsDecoder(sink, record);
  },
};

export default cloudtrail;
