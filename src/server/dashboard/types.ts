/**
 * @module dashboard/types
 * The HTTP API's answers as the dashboard reads them: the alert contract of src/alerts/alert.ts
 * (fields are only ever added to it, never renamed) and the catalogue summary the dashboard
 * plugin serves. Browser code cannot import the server's modules, so the shapes are restated here.
 */
export type Severity = 'informational' | 'low' | 'medium' | 'high';
export type AlertStatus = 'active' | 'resolved' | 'dismissed';

export interface AlertProcess {
  pid: number;
  executable: string;
  commandLine: string;
  parent?: AlertProcess;
}

export interface AlertEntities {
  cluster?: string;
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
  identity?: { id: string; name?: string; type?: string; addon?: string };
}

export interface EvidenceItem {
  id: string;
  kind: string;
  source: string;
  time: string;
  origin?: string;
  summary: string;
}

export interface StatusChange {
  status: AlertStatus;
  by: string;
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
  statusChange?: StatusChange;
}

export interface AlertPage {
  alerts: Alert[];
  next: string | null;
}

/** One alert type of the catalogue (GET /assets/catalog.json). */
export interface CatalogType {
  type: string;
  title: string;
  severity: Severity;
  tactics: string[];
}

export interface CatalogSummary {
  /** Tactics in kill-chain order, those of the catalogue only. */
  tactics: string[];
  types: CatalogType[];
}
