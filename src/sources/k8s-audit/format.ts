/**
 * @module sources/k8s-audit/format
 * Native Kubernetes audit logs: the log backend's JSON lines of Events, and the webhook backend's
 * EventList (saved one per line or as one document, or as a JSON array of Events).
 */
import type { SourceFormat } from '../format.js';
import { NOT_JSON, originText, parseJsonLine } from '../format.js';
import { normaliseAuditEvent } from './normalise.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const k8sAudit: SourceFormat = {
  name: 'k8s-audit',
  description: 'Kubernetes API-server audit log: JSON lines of audit.k8s.io Events, EventLists, JSON arrays',
  kinds: ['k8s.audit'],
  documentArrayKeys: ['items', ''],
  sniff(head) {
    if (/"apiVersion"\s*:\s*"audit\.k8s\.io\/v1(beta1)?"/.test(head)) return 0.9;
    if (head.includes('"auditID"') && head.includes('"verb"')) return 0.6;
    return 0;
  },
  open(sink, options) {
    const decode = (value: unknown, origin: { file: string; line: number }, path: string): void => {
      if (isRecord(value) && value.kind === 'EventList') {
        if (!Array.isArray(value.items)) {
          sink.issue({ origin, reason: `${path}EventList without an 'items' array` });
          return;
        }
        value.items.forEach((item, i) => decode(item, origin, `${path}items[${i}]: `));
        return;
      }
      if (Array.isArray(value)) {
        value.forEach((item, i) => decode(item, origin, `${path}[${i}]: `));
        return;
      }
      const result = normaliseAuditEvent(value, { source: 'k8s-audit', origin: originText(origin), cluster: options.cluster });
      if ('error' in result) sink.issue({ origin, reason: path + result.error });
      else sink.event(result);
    };
    return {
      line(text, origin) {
        const value = parseJsonLine(text, origin, sink);
        if (value !== NOT_JSON) decode(value, origin, '');
      },
      value(value, origin) {
        decode(value, origin, '');
      },
      end() {},
    };
  },
};

export default k8sAudit;
