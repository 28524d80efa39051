/**
 * @module store/sqlite/sqlite-store
 * The embedded store: one SQLite file (WAL) in --data-dir. Spool writes arriving together are
 * committed in one transaction (group commit) with synchronous=FULL, so a batch is on disk when
 * its request is answered and the cost of the fsync is shared by the requests of the same turn.
 * Schema changes are numbered migrations tracked in `user_version`.
 */
import Database from 'better-sqlite3';
import type { AlertStatus } from '../../alerts/alert.js';
import { exceptionSchema } from '../../alerts/exceptions.js';
import { bodyOf, decodeCursor, encodeCursor, fromRow, insertValues, type AlertRow } from '../rows.js';
import {
  type AlertFilter,
  type AlertPage,
  type PendingBatch,
  type SpoolBatch,
  type StatusChange,
  type Store,
  type StoredAlert,
  type StoredSuppression,
  type TransitionResult,
} from '../store.js';

/** Each entry moves the schema one version up; never edit one that has shipped. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE spool (
     id INTEGER PRIMARY KEY AUTOINCREMENT, received_at TEXT NOT NULL, format TEXT NOT NULL,
     framing TEXT NOT NULL, events INTEGER NOT NULL, body TEXT NOT NULL, error TEXT);
   CREATE TABLE alerts (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
     severity TEXT NOT NULL, namespace TEXT, status TEXT NOT NULL, status_change TEXT,
     suppressed_by TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, body TEXT NOT NULL);
   CREATE INDEX alerts_last_seen ON alerts (last_seen);
   CREATE INDEX alerts_type ON alerts (type, seq);
   CREATE INDEX alerts_status ON alerts (status, seq);
   CREATE INDEX alerts_namespace ON alerts (namespace, seq);
   CREATE INDEX alerts_suppressed_by ON alerts (suppressed_by) WHERE suppressed_by IS NOT NULL;
   CREATE TABLE suppressions (id TEXT PRIMARY KEY, created_by TEXT NOT NULL, created_at TEXT NOT NULL, spec TEXT NOT NULL);`,
];

interface PendingWrite {
  batch: SpoolBatch;
  resolve: (id: number) => void;
  reject: (error: Error) => void;
}

export class SqliteStore implements Store {
  readonly description: string;
  private readonly db: Database.Database;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly statements;

  constructor(readonly path: string) {
    this.description = `sqlite ${path}`;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a committed spool batch survives a power cut, which is what the 2xx promises.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const db = this.db;
    this.statements = {
      spool: db.prepare('INSERT INTO spool (received_at, format, framing, events, body) VALUES (?, ?, ?, ?, ?)'),
      pending: db.prepare('SELECT id, received_at, format, framing, events, body FROM spool WHERE error IS NULL ORDER BY id LIMIT ?'),
      finish: db.prepare('DELETE FROM spool WHERE id = ?'),
      fail: db.prepare('UPDATE spool SET error = ? WHERE id = ?'),
      current: db.prepare('SELECT seq, status, status_change, body FROM alerts WHERE id = ?'),
      insert: db.prepare(
        'INSERT INTO alerts (id, type, severity, namespace, status, status_change, suppressed_by, first_seen, last_seen, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      update: db.prepare('UPDATE alerts SET first_seen = ?, last_seen = ?, body = ? WHERE id = ?'),
      setStatus: db.prepare('UPDATE alerts SET status = ?, status_change = ? WHERE id = ?'),
      counts: db.prepare('SELECT suppressed_by, COUNT(*) AS n FROM alerts WHERE suppressed_by IS NOT NULL GROUP BY suppressed_by'),
      addSuppression: db.prepare('INSERT INTO suppressions (id, created_by, created_at, spec) VALUES (?, ?, ?, ?)'),
      listSuppressions: db.prepare('SELECT id, created_by, created_at, spec FROM suppressions ORDER BY created_at, id'),
      deleteSuppression: db.prepare('DELETE FROM suppressions WHERE id = ?'),
      deleteBefore: db.prepare('DELETE FROM alerts WHERE last_seen < ?'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`${this.path}: store schema ${version} is newer than this Vigil understands (${MIGRATIONS.length})`);
    }
    this.db.transaction(() => {
      for (let v = version; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]!);
      this.db.pragma(`user_version = ${MIGRATIONS.length}`);
    })();
  }

  spool(batch: SpoolBatch): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushSpool());
      }
    });
  }

  /** Group commit: every spool write of this turn of the event loop in one transaction. */
  private flushSpool(): void {
    const writes = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    const receivedAt = new Date().toISOString();
    let ids: number[];
    try {
      ids = this.db.transaction(() =>
        writes.map(({ batch }) => Number(this.statements.spool.run(receivedAt, batch.format, batch.framing, batch.events, batch.body).lastInsertRowid)),
      )();
    } catch (error) {
      for (const w of writes) w.reject(error as Error);
      return;
    }
    writes.forEach((w, i) => w.resolve(ids[i]!));
  }

  async pendingBatches(limit: number): Promise<PendingBatch[]> {
    const rows = this.statements.pending.all(limit) as { id: number; received_at: string; format: string; framing: 'json' | 'lines'; events: number; body: string }[];
    return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, format: r.format, framing: r.framing, events: r.events, body: r.body }));
  }

  async finishBatches(ids: readonly number[]): Promise<void> {
    if (!ids.length) return;
    this.db.transaction(() => {
      for (const id of ids) this.statements.finish.run(id);
    })();
  }

  async failBatch(id: number, error: string): Promise<void> {
    this.statements.fail.run(error.slice(0, 2000), id);
  }

  async saveAlerts(alerts: readonly StoredAlert[]): Promise<void> {
    if (!alerts.length) return;
    const s = this.statements;
    this.db.transaction(() => {
      for (const alert of alerts) {
        if (s.current.get(alert.id)) s.update.run(alert.firstSeen, alert.lastSeen, bodyOf(alert), alert.id);
        else s.insert.run(...insertValues(alert));
      }
    })();
  }

  async getAlert(id: string): Promise<StoredAlert | undefined> {
    const row = this.statements.current.get(id) as AlertRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  async listAlerts(filter: AlertFilter, limit: number, cursor?: string): Promise<AlertPage> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const anyOf = (column: string, values: readonly string[] | undefined) => {
      if (!values?.length) return;
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    anyOf('type', filter.types);
    anyOf('severity', filter.severities);
    anyOf('namespace', filter.namespaces);
    anyOf('status', filter.statuses);
    if (filter.since) {
      where.push('last_seen >= ?');
      params.push(filter.since);
    }
    if (filter.suppressedBy) {
      where.push('suppressed_by = ?');
      params.push(filter.suppressedBy);
    }
    if (cursor !== undefined) {
      where.push('seq < ?');
      params.push(decodeCursor(cursor));
    }
    const sql = `SELECT seq, status, status_change, body FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit + 1) as AlertRow[];
    const page = rows.slice(0, limit);
    return { alerts: page.map(fromRow), next: rows.length > limit ? encodeCursor(page[page.length - 1]!.seq) : null };
  }

  async transition(id: string, from: readonly AlertStatus[], change: StatusChange): Promise<TransitionResult> {
    return this.db.transaction((): TransitionResult => {
      const row = this.statements.current.get(id) as AlertRow | undefined;
      if (!row) return { outcome: 'missing' };
      if (!from.includes(row.status)) return { outcome: 'conflict', alert: fromRow(row) };
      this.statements.setStatus.run(change.status, JSON.stringify(change), id);
      return { outcome: 'done', alert: fromRow({ ...row, status: change.status, status_change: JSON.stringify(change) }) };
    })();
  }

  async suppressedCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const row of this.statements.counts.all() as { suppressed_by: string; n: number }[]) out[row.suppressed_by] = row.n;
    return out;
  }

  async addSuppression(s: StoredSuppression): Promise<void> {
    this.statements.addSuppression.run(s.id, s.createdBy, s.createdAt, JSON.stringify(s.spec));
  }

  async listSuppressions(): Promise<StoredSuppression[]> {
    const rows = this.statements.listSuppressions.all() as { id: string; created_by: string; created_at: string; spec: string }[];
    return rows.map((r) => ({ id: r.id, createdBy: r.created_by, createdAt: r.created_at, spec: exceptionSchema.parse(JSON.parse(r.spec)) }));
  }

  async deleteSuppression(id: string): Promise<boolean> {
    return this.statements.deleteSuppression.run(id).changes > 0;
  }

  async deleteAlertsBefore(before: string): Promise<number> {
    return this.statements.deleteBefore.run(before).changes;
  }

  async close(): Promise<void> {
    if (this.pending.length) this.flushSpool();
    this.db.close();
  }
}
