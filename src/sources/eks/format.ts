/**
 * @module sources/eks/format
 * EKS audit logs as CloudWatch Logs hands them out (reference/k8s-audit.md §8.2). Each CloudWatch
 * log event's `message` is one bare audit Event. Accepted shapes:
 *   - `aws logs filter-log-events` / `get-log-events` output: `{"events": [{logStreamName?,
 *     timestamp, message, …}]}`, and single log-event objects one per line;
 *   - subscription payloads `{messageType, owner, logGroup, logStream, logEvents: […]}`, plain, or
 *     gzip-then-base64 as Kinesis and Firehose deliver them: one base64 payload per line,
 *     `aws kinesis get-records` output (`Records[].Data`), Lambda events (`awslogs.data`,
 *     `Records[].kinesis.data`, Firehose's `records[].data`), and Firehose's S3 objects where the
 *     payloads follow each other with no separator;
 *   - S3 export files (CreateExportTask): one `<ISO time> <message>` per line.
 * `CONTROL_MESSAGE` health checks are ignored, and so are streams other than `kube-apiserver-audit-*`
 * (the log group also holds the authenticator's and the controllers' logs). Events over
 * CloudWatch's size limit arrive cut off with a `[Truncated...]` marker: reported and skipped.
 * The cluster is named by the log group `/aws/eks/<name>/cluster`.
 */
import type { ClusterInfo } from '../../events/model.js';
import type { DecoderSink, Origin, SourceFormat } from '../format.js';
import { emitAuditEvent, issueAt } from '../wrapped/audit.js';
import { decodeBase64Payload, isObject, looksBase64, parseEmbedded, splitConcatenated, typeName, type JsonObject } from '../wrapped/json.js';

const TRUNCATED = '[Truncated...]';
const AUDIT_STREAM = 'kube-apiserver-audit';
const LOG_GROUP = /^\/aws\/eks\/([^/]+)\/cluster$/;
/** `2025-03-14T09:21:07.412Z {…}`: a line of a CloudWatch export to S3. */
const EXPORT_LINE = /^\d{4}-\d{2}-\d{2}T[0-9:.]{1,20}Z? /;
/** base64 inside base64 inside JSON is as deep as real deliveries go. */
const MAX_NESTING = 4;

interface Scope {
  origin: Origin;
  path: string;
  logGroup?: string;
  logStream?: string;
  account?: string;
  region?: string;
  depth: number;
}

function clusterOf(scope: Scope): { name?: string; info?: ClusterInfo } {
  const match = scope.logGroup ? LOG_GROUP.exec(scope.logGroup) : null;
  if (!match) return {};
  const name = match[1]!;
  const info: ClusterInfo = { cloud: 'aws' };
  if (scope.region) info.region = scope.region;
  if (scope.region && scope.account) info.resourceId = `arn:aws:eks:${scope.region}:${scope.account}:cluster/${name}`;
  return { name, info };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function join(path: string, next: string): string {
  return path ? `${path}.${next}` : next;
}

const eks: SourceFormat = {
  name: 'eks',
  description: 'EKS audit logs from CloudWatch Logs: filter-log-events/get-log-events output, subscription payloads (plain or gzip+base64, via Kinesis or Firehose), S3 export files',
  kinds: ['k8s.audit'],
  documentArrayKeys: ['events', 'logEvents', 'Records', 'records'],
  sniff(head) {
    if (head.includes('"messageType"') && head.includes('"logEvents"')) return 0.95;
    if (head.includes('kube-apiserver-audit') || /"logGroup"\s*:\s*"\/aws\/eks\//.test(head)) return 0.9;
    if (/^\s*H4sI[A-Za-z0-9+/]{16}/.test(head) || head.includes('"awslogs"')) return 0.85;
    if (/"(Data|data)"\s*:\s*"H4sI/.test(head)) return 0.85;
    if (/"message"\s*:\s*"\{\\"kind\\":\\"Event\\"/.test(head)) return 0.85;
    if (/(^|\n)\d{4}-\d{2}-\d{2}T[0-9:.]{1,20}Z? \{"kind":"Event"/.test(head)) return 0.95;
    if (/"ingestionTime"\s*:/.test(head) && head.includes('\\"auditID\\"')) return 0.85;
    return 0;
  },
  open(sink: DecoderSink, options) {
    const message = (text: unknown, scope: Scope): void => {
      if (scope.logStream && !scope.logStream.startsWith(AUDIT_STREAM)) return;
      if (typeof text !== 'string') return issueAt(sink, scope.origin, scope.path, `log event 'message' must be a string, got ${typeName(text)}`);
      const trimmed = text.trimEnd();
      if (trimmed.endsWith(TRUNCATED)) {
        return issueAt(sink, scope.origin, scope.path, `audit event cut off by CloudWatch Logs (${TRUNCATED}) after ${trimmed.length - TRUNCATED.length} characters; skipped`);
      }
      const parsed = parseEmbedded(trimmed, "'message'");
      if ('error' in parsed) return issueAt(sink, scope.origin, scope.path, parsed.error);
      const cluster = clusterOf(scope);
      emitAuditEvent(parsed.value, { source: 'eks', origin: scope.origin, path: scope.path, cluster: cluster.name ?? options.cluster, clusterInfo: cluster.info }, sink);
    };

    const payload = (data: unknown, scope: Scope): void => {
      if (typeof data !== 'string') return issueAt(sink, scope.origin, scope.path, `payload must be a base64 string, got ${typeName(data)}`);
      const decoded = decodeBase64Payload(data, 'payload');
      if ('error' in decoded) return issueAt(sink, scope.origin, scope.path, decoded.error);
      text(decoded.text, { ...scope, depth: scope.depth + 1 });
    };

    const value = (v: unknown, scope: Scope): void => {
      if (scope.depth > MAX_NESTING) return issueAt(sink, scope.origin, scope.path, 'payloads nested too deep');
      if (Array.isArray(v)) return v.forEach((item, i) => value(item, { ...scope, path: `${scope.path}[${i}]` }));
      if (!isObject(v)) return issueAt(sink, scope.origin, scope.path, `expected a CloudWatch log event or payload, got ${typeName(v)}`);
      const o: JsonObject = v;
      if (typeof o.messageType === 'string') {
        if (o.messageType !== 'DATA_MESSAGE') return;
        const inner: Scope = { ...scope, logGroup: str(o.logGroup), logStream: str(o.logStream), account: str(o.owner) ?? scope.account };
        if (!Array.isArray(o.logEvents)) return issueAt(sink, scope.origin, scope.path, "DATA_MESSAGE without a 'logEvents' array");
        return o.logEvents.forEach((e, i) => value(e, { ...inner, path: join(scope.path, `logEvents[${i}]`) }));
      }
      if (Array.isArray(o.events)) return o.events.forEach((e, i) => value(e, { ...scope, path: join(scope.path, `events[${i}]`) }));
      if ('message' in o) {
        return message(o.message, { ...scope, logStream: str(o.logStreamName) ?? scope.logStream, logGroup: str(o.logGroupName) ?? scope.logGroup });
      }
      if (isObject(o.awslogs)) return payload(o.awslogs.data, { ...scope, path: join(scope.path, 'awslogs.data') });
      const batch = Array.isArray(o.Records) ? o.Records : Array.isArray(o.records) ? o.records : undefined;
      if (batch) {
        const key = Array.isArray(o.Records) ? 'Records' : 'records';
        const region = str(o.region) ?? scope.region;
        return batch.forEach((r, i) => value(r, { ...scope, region, path: join(scope.path, `${key}[${i}]`) }));
      }
      if (isObject(o.kinesis)) return payload(o.kinesis.data, { ...scope, region: str(o.awsRegion) ?? scope.region, path: join(scope.path, 'kinesis.data') });
      if ('Data' in o || 'data' in o) return payload(o.Data ?? o.data, { ...scope, path: join(scope.path, 'Data' in o ? 'Data' : 'data') });
      issueAt(sink, scope.origin, scope.path, 'not a CloudWatch log event, subscription payload or delivery record');
    };

    const text = (t: string, scope: Scope): void => {
      const trimmed = t.trim();
      if (!trimmed) return;
      if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        try {
          return value(JSON.parse(trimmed), scope);
        } catch (error) {
          const pieces = splitConcatenated(trimmed);
          if (pieces.length < 2) return issueAt(sink, scope.origin, scope.path, `not valid JSON (${(error as Error).message})`);
          return pieces.forEach((piece, i) => {
            const at = { ...scope, path: join(scope.path, `document ${i + 1} (offset ${piece.offset})`) };
            if (piece.error) return issueAt(sink, at.origin, at.path, piece.error);
            try {
              value(JSON.parse(piece.text), at);
            } catch (inner) {
              issueAt(sink, at.origin, at.path, `not valid JSON (${(inner as Error).message})`);
            }
          });
        }
      }
      const exported = EXPORT_LINE.exec(trimmed);
      if (exported) return message(trimmed.slice(exported[0].length), scope);
      if (looksBase64(trimmed)) return payload(trimmed, scope);
      issueAt(sink, scope.origin, scope.path, 'neither JSON, a base64 subscription payload, nor a CloudWatch export line');
    };

    return {
      line(t, origin) {
        text(t, { origin, path: '', depth: 0 });
      },
      value(v, origin) {
        value(v, { origin, path: '', depth: 0 });
      },
      end() {},
    };
  },
};

export default eks;
