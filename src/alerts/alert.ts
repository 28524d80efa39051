/**
 * @module alerts/alert
 * The alert as JSON: the contract of `--output jsonl`, the HTTP API and every sink
 * (../shared/DESIGN.md). Field names and meanings here are fixed; add, never rename.
 */
import type { ClusterInfo, Severity } from '../events/model.js';

export type AlertStatus = 'active' | 'resolved' | 'dismissed';

export interface AlertProcess {
  pid: number;
  executable: string;
  commandLine: string;
  parent?: AlertProcess;
}

export interface AlertEntities {
  cluster?: string;
  /** Where the cluster runs, when its log wrapper says (cloud, region, resource id or project). */
  clusterInfo?: ClusterInfo;
  namespace?: string;
  pod?: string;
  container?: string;
  image?: string;
  node?: string;
  user?: string;
  serviceAccount?: string;
  sourceIPs?: string[];
  userAgent?: string;
  process?: AlertProcess;
  file?: string;
  remoteAddress?: string;
  resource?: { kind: string; namespace?: string; name?: string };
  /** Cloud identity for K8S_AbnormalMiActivity. */
  identity?: { id: string; name?: string; type?: string; addon?: string };
}

/** One event that caused the alert, with its source id. */
export interface EvidenceItem {
  /** auditID, exec_id, "1741944067.412:48213", cloud record id. */
  id: string;
  kind: string;
  source: string;
  time: string;
  origin?: string;
  /** A one-line readable summary of what the event was. */
  summary: string;
}

/** Who set an alert's status, when and why: an operator through the API, or a suppression rule. */
export interface StatusChange {
  status: AlertStatus;
  by: string;
  /** ISO time. */
  at: string;
  reason: string;
}

export interface Alert {
  id: string;
  type: string;
  title: string;
  description: string;
  severity: Severity;
  tactics: string[];
  techniques: string[];
  firstSeen: string;
  lastSeen: string;
  count: number;
  status: AlertStatus;
  entities: AlertEntities;
  evidence: EvidenceItem[];
  remediation: string;
  /** The latest status change; absent while the alert is as raised. */
  statusChange?: StatusChange;
}
