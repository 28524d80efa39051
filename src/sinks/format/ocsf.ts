/**
 * @module sinks/format/ocsf
 * An alert as an OCSF Detection Finding (class 2004), for SIEMs that speak OCSF.
 */
import type { Alert } from '../../alerts/alert.js';

const SEVERITY_ID = { informational: 1, low: 2, medium: 3, high: 4 } as const;
const STATUS_ID = { active: 1, resolved: 4, dismissed: 3 } as const;
/** MITRE ATT&CK tactic ids for the catalogue's tactic names (Microsoft's own stages have none). */
const TACTIC_UID: Record<string, string> = {
  InitialAccess: 'TA0001',
  Execution: 'TA0002',
  Persistence: 'TA0003',
  PrivilegeEscalation: 'TA0004',
  DefenseEvasion: 'TA0005',
  CredentialAccess: 'TA0006',
  Discovery: 'TA0007',
  LateralMovement: 'TA0008',
  Collection: 'TA0009',
  Exfiltration: 'TA0010',
  CommandAndControl: 'TA0011',
  Impact: 'TA0040',
};

export const OCSF_VERSION = '1.5.0';

export function toOcsf(alert: Alert, productVersion: string): Record<string, unknown> {
  const e = alert.entities;
  const firstTechnique = alert.techniques[0];
  const evidence: Record<string, unknown> = {};
  if (e.process) evidence.process = { pid: e.process.pid, cmd_line: e.process.commandLine, file: { path: e.process.executable, name: e.process.executable.split('/').pop(), type_id: 1 } };
  if (e.container || e.pod) evidence.container = { name: e.container, image: e.image ? { name: e.image } : undefined, orchestrator: 'Kubernetes' };
  if (e.remoteAddress) evidence.dst_endpoint = { ip: e.remoteAddress };
  if (e.user) evidence.actor = { user: { name: e.user } };
  if (e.sourceIPs) evidence.src_endpoint = { ip: e.sourceIPs[e.sourceIPs.length - 1] };
  return {
    category_uid: 2,
    class_uid: 2004,
    activity_id: 1,
    type_uid: 200401,
    time: Date.parse(alert.lastSeen),
    severity_id: SEVERITY_ID[alert.severity],
    status_id: STATUS_ID[alert.status],
    is_alert: true,
    message: alert.title,
    metadata: { version: OCSF_VERSION, product: { name: 'Vigil', vendor_name: 'Vigil', version: productVersion }, uid: alert.id },
    finding_info: {
      uid: alert.id,
      title: alert.title,
      desc: alert.description,
      types: [alert.type],
      analytic: { uid: alert.type, name: alert.type, type_id: 1 },
      attacks: alert.tactics
        .filter((t) => TACTIC_UID[t])
        .map((t) => ({ tactic: { uid: TACTIC_UID[t], name: t }, ...(firstTechnique ? { technique: { uid: firstTechnique } } : {}) })),
      first_seen_time: Date.parse(alert.firstSeen),
      last_seen_time: Date.parse(alert.lastSeen),
      related_events: alert.evidence.map((ev) => ({ uid: ev.id, type: ev.kind, message: ev.summary })),
    },
    count: alert.count,
    resources: e.resource
      ? [{ type: `Kubernetes ${e.resource.kind}`, name: e.resource.name, namespace: e.resource.namespace }]
      : e.pod
        ? [{ type: 'Kubernetes Pod', name: e.pod, namespace: e.namespace }]
        : [],
    evidences: Object.keys(evidence).length ? [evidence] : [],
    remediation: { desc: alert.remediation },
    unmapped: { cluster: e.cluster, node: e.node },
  };
}
