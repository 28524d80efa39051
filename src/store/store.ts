/**
 * @module store/store
 * The analyser's store: what `vigil serve` keeps between requests and restarts — the ingest spool
 * (batches accepted but not yet through detection), alerts with their status history, and the
 * suppression rules added through the API. An interface with async methods so that SQLite (the
 * embedded default) and PostgreSQL (several analysers, one store) implement the same contract:
 * test/contracts/store.contract.ts.
 */
import type { Alert, AlertStatus } from '../alerts/alert.js';
import type { ExceptionSpec } from '../alerts/exceptions.js';
import type { Severity } from '../events/model.js';

/** Who changed an alert's status, when, and why (a person through the API, or a suppression). */
export interface StatusChange {
  status: AlertStatus;
  by: string;
  at: string;
  reason: string;
}

/** An alert as the API shows it: the alert contract plus its latest status change, if any. */
export type StoredAlert = Alert & { statusChange?: StatusChange };

/** One ingest request's body, kept until detection has run over it. */
export interface SpoolBatch {
  /** The source format that decodes it ('k8s-audit', 'vigil'…). */
  format: string;
  /** How the body was framed: 'json' (one document) or 'lines'. */
  framing: 'json' | 'lines';
  body: string;
  /** How many events it held when accepted. */
  events: number;
}

export interface PendingBatch extends SpoolBatch {
  id: number;
  receivedAt: string;
}

export interface AlertFilter {
  types?: string[];
  severities?: Severity[];
  namespaces?: string[];
  statuses?: AlertStatus[];
  /** ISO time: alerts seen at or after it (lastSeen). */
  since?: string;
  /** Alerts dismissed by this suppression rule. */
  suppressedBy?: string;
}

export interface AlertPage {
  alerts: StoredAlert[];
  /** Opaque cursor for the next page, or null at the end. */
  next: string | null;
}

/** A suppression rule kept in the store (added through the API). */
export interface StoredSuppression {
  id: string;
  spec: ExceptionSpec;
  createdBy: string;
  createdAt: string;
}

export interface Store {
  /** What the store is, for logs ('sqlite /path/alerts.db'). */
  readonly description: string;

  /** Keeps a batch durably before its request is answered; resolves with its spool id. */
  spool(batch: SpoolBatch): Promise<number>;
  /** Batches accepted but not yet finished by detection (restart recovery), oldest first. */
  pendingBatches(limit: number): Promise<PendingBatch[]>;
  /** Detection finished these batches: they leave the spool. */
  finishBatches(ids: readonly number[]): Promise<void>;
  /** Detection failed on this batch: it stays in the spool with the error, not replayed again. */
  failBatch(id: number, error: string): Promise<void>;

  /**
   * Inserts new alerts and updates known ones (same id: counts, times, evidence, description),
   * keeping the status an operator set. In one transaction.
   */
  saveAlerts(alerts: readonly StoredAlert[]): Promise<void>;
  getAlert(id: string): Promise<StoredAlert | undefined>;
  /** Newest first (by first insertion); `cursor` from a previous page. Throws InvalidCursorError. */
  listAlerts(filter: AlertFilter, limit: number, cursor?: string): Promise<AlertPage>;
  /**
   * Sets an alert's status if it is currently one of `from` (checked and set atomically):
   * 'missing' when there is no such alert, 'conflict' (with the alert) when its status is another.
   */
  transition(id: string, from: readonly AlertStatus[], change: StatusChange): Promise<TransitionResult>;
  /** Alerts dismissed by each suppression rule, by rule id. */
  suppressedCounts(): Promise<Record<string, number>>;

  addSuppression(suppression: StoredSuppression): Promise<void>;
  listSuppressions(): Promise<StoredSuppression[]>;
  /** False when there was no such rule. */
  deleteSuppression(id: string): Promise<boolean>;

  /** Deletes alerts last seen before `before` (ISO time); resolves with how many went. */
  deleteAlertsBefore(before: string): Promise<number>;

  close(): Promise<void>;
}

/** `statusChange.by` of an alert a suppression rule dismissed: this prefix, then the rule's id. */
export const SUPPRESSION_PREFIX = 'suppression:';

export type TransitionResult = { outcome: 'done'; alert: StoredAlert } | { outcome: 'conflict'; alert: StoredAlert } | { outcome: 'missing' };

export class InvalidCursorError extends Error {
  readonly code = 'VIGIL_ERR_INVALID_CURSOR';
  constructor() {
    super('cursor is not one this server gave out');
  }
}

/** Opens the store a `--store` value names, below `dataDir` for the embedded default. */
export type StoreFactory = (dataDir: string) => Promise<Store>;
