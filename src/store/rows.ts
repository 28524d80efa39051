/**
 * @module store/rows
 * How an alert is laid out in a SQL store's row, shared by the SQLite and PostgreSQL stores so
 * both read back the same alert: the alert as raised in a JSON body, its status and status change
 * in their own columns (operators own them), and the opaque list cursor.
 */
import type { AlertStatus } from '../alerts/alert.js';
import { InvalidCursorError, SUPPRESSION_PREFIX, type StatusChange, type StoredAlert } from './store.js';

export interface AlertRow {
  seq: number | string;
  status: AlertStatus;
  status_change: string | null;
  body: string;
}

export function encodeCursor(seq: number | string): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidCursorError();
  return Number(match[1]);
}

export function fromRow(row: AlertRow): StoredAlert {
  const alert = JSON.parse(row.body) as StoredAlert;
  alert.status = row.status;
  if (row.status_change) alert.statusChange = JSON.parse(row.status_change) as StatusChange;
  return alert;
}

/**
 * The alert as raised. Its status and status change live in their own columns (operators own
 * them); `status` stays in the body only to keep the contract's field order when read back.
 */
export function bodyOf(alert: StoredAlert): string {
  const { statusChange: _change, ...rest } = alert;
  return JSON.stringify(rest);
}

/** The suppression rule that dismissed an alert, from its status change. */
export function suppressedBy(change: StatusChange | undefined): string | null {
  return change?.by.startsWith(SUPPRESSION_PREFIX) ? change.by.slice(SUPPRESSION_PREFIX.length) : null;
}

/**
 * The columns of a new alert row, in the order both stores' inserts take them: id, type,
 * severity, namespace, status, status change, suppressed by, first seen, last seen, body.
 */
export function insertValues(alert: StoredAlert): (string | null)[] {
  const change = alert.statusChange;
  return [
    alert.id,
    alert.type,
    alert.severity,
    alert.entities.namespace ?? null,
    alert.status,
    change ? JSON.stringify(change) : null,
    suppressedBy(change),
    alert.firstSeen,
    alert.lastSeen,
    bodyOf(alert),
  ];
}
