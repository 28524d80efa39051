/**
 * @module store/postgres/postgres-store
 * The shared store: PostgreSQL (node-postgres pool) for several analysers writing one set of
 * alerts. Same contract as SQLite (test/contracts/store.contract.ts), same row layout (../rows.ts).
 * Spool writes arriving in the same turn go in one multi-row INSERT, so ids follow call order even
 * over a pool. Schema changes are numbered migrations, applied under an advisory lock because
 * several analysers start at once. The database also holds the analysers' partition checkpoints
 * (src/scale/checkpoints.ts), written in the same transaction as the alerts they produced.
 */
import pg from 'pg';
import type { AlertStatus } from '../../alerts/alert.js';
import { exceptionSchema } from '../../alerts/exceptions.js';
import { decodeCursor, encodeCursor, fromRow, insertValues, type AlertRow } from '../rows.js';
import type {
  AlertFilter,
  AlertPage,
  PendingBatch,
  SpoolBatch,
  StatusChange,
  Store,
  StoredAlert,
  StoredSuppression,
  TransitionResult,
} from '../store.js';

/** Each entry moves the schema one version up; never edit one that has shipped. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE spool (
     id BIGSERIAL PRIMARY KEY, received_at TEXT NOT NULL, format TEXT NOT NULL,
     framing TEXT NOT NULL, events INTEGER NOT NULL, body TEXT NOT NULL, error TEXT);
   CREATE TABLE alerts (
     seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
     severity TEXT NOT NULL, namespace TEXT, status TEXT NOT NULL, status_change TEXT,
     suppressed_by TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, body TEXT NOT NULL);
   CREATE INDEX alerts_last_seen ON alerts (last_seen);
   CREATE INDEX alerts_type ON alerts (type, seq);
   CREATE INDEX alerts_status ON alerts (status, seq);
   CREATE INDEX alerts_namespace ON alerts (namespace, seq);
   CREATE INDEX alerts_suppressed_by ON alerts (suppressed_by) WHERE suppressed_by IS NOT NULL;
   CREATE TABLE suppressions (id TEXT PRIMARY KEY, created_by TEXT NOT NULL, created_at TEXT NOT NULL, spec TEXT NOT NULL);`,
  // Partition checkpoints: the last bus sequence applied, the owner's fencing epoch, and the
  // aggregator; learned state rows per cluster, tagged with their partition so one load fetches it,
  // in their table's order (which entries a bounded table forgets first depends on it).
  `CREATE TABLE partition_checkpoints (
     partition INTEGER PRIMARY KEY, epoch BIGINT NOT NULL, seq BIGINT NOT NULL,
     aggregator TEXT, updated_at TEXT NOT NULL);
   CREATE TABLE partition_state (
     partition INTEGER NOT NULL, cluster TEXT NOT NULL, tbl TEXT NOT NULL, key TEXT NOT NULL,
     value TEXT NOT NULL, ord INTEGER NOT NULL, PRIMARY KEY (cluster, tbl, key));
   CREATE INDEX partition_state_partition ON partition_state (partition);`,
];

/** Any key: serialises migrations of every Vigil sharing the database. */
const MIGRATION_LOCK = 0x76696769;

interface PendingWrite {
  batch: SpoolBatch;
  resolve: (id: number) => void;
  reject: (error: Error) => void;
}

export class PostgresStore implements Store {
  readonly description: string;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  /** Spool flushes run one after another so ids follow the order of the calls. */
  private spoolChain: Promise<void> = Promise.resolve();

  private constructor(
    readonly pool: pg.Pool,
    url: string,
  ) {
    this.description = `postgres ${redact(url)}`;
  }

  /** Connects, migrates, and fails with a clear message when the database is unreachable. */
  static async open(url: string, options: { max?: number } = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: options.max ?? 5 });
    // An idle client's error (server restart) must not crash the analyser; the next query reconnects.
    pool.on('error', () => undefined);
    const store = new PostgresStore(pool, url);
    try {
      await store.migrate();
    } catch (error) {
      await pool.end();
      throw new Error(`${store.description}: ${(error as Error).message}`, { cause: error });
    }
    return store;
  }

  private async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS vigil_schema (version INTEGER NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM vigil_schema');
      const version = rows[0]?.version ?? 0;
      if (version > MIGRATIONS.length) throw new Error(`store schema ${version} is newer than this Vigil understands (${MIGRATIONS.length})`);
      for (let v = version; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]!);
      if (!rows.length) await client.query('INSERT INTO vigil_schema (version) VALUES ($1)', [MIGRATIONS.length]);
      else await client.query('UPDATE vigil_schema SET version = $1', [MIGRATIONS.length]);
    });
  }

  /** Runs `fn` in one transaction on one pooled connection; rolls back if it throws. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  spool(batch: SpoolBatch): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.spoolChain = this.spoolChain.then(() => this.flushSpool());
        });
      }
    });
  }

  /** Group commit: every spool write of this turn in one INSERT (rows get ids in VALUES order). */
  private async flushSpool(): Promise<void> {
    const writes = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    if (!writes.length) return;
    const receivedAt = new Date().toISOString();
    const params: (string | number)[] = [];
    const values = writes.map(({ batch }, i) => {
      params.push(receivedAt, batch.format, batch.framing, batch.events, batch.body);
      const at = i * 5;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5})`;
    });
    try {
      const { rows } = await this.pool.query<{ id: string }>(
        `INSERT INTO spool (received_at, format, framing, events, body) VALUES ${values.join(', ')} RETURNING id`,
        params,
      );
      const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      writes.forEach((w, i) => w.resolve(ids[i]!));
    } catch (error) {
      for (const w of writes) w.reject(error as Error);
    }
  }

  async pendingBatches(limit: number): Promise<PendingBatch[]> {
    const { rows } = await this.pool.query<{ id: string; received_at: string; format: string; framing: 'json' | 'lines'; events: number; body: string }>(
      'SELECT id, received_at, format, framing, events, body FROM spool WHERE error IS NULL ORDER BY id LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ id: Number(r.id), receivedAt: r.received_at, format: r.format, framing: r.framing, events: r.events, body: r.body }));
  }

  async finishBatches(ids: readonly number[]): Promise<void> {
    if (!ids.length) return;
    await this.pool.query('DELETE FROM spool WHERE id = ANY($1::bigint[])', [ids]);
  }

  async failBatch(id: number, error: string): Promise<void> {
    await this.pool.query('UPDATE spool SET error = $1 WHERE id = $2', [error.slice(0, 2000), id]);
  }

  async saveAlerts(alerts: readonly StoredAlert[]): Promise<void> {
    if (!alerts.length) return;
    await this.transaction((client) => this.saveAlertsWith(client, alerts));
  }

  /**
   * The upsert of saveAlerts on a caller's transaction (a partition checkpoint commits its alerts
   * with it). An existing alert keeps its status: only counts, times and the body change.
   */
  async saveAlertsWith(client: pg.PoolClient, alerts: readonly StoredAlert[]): Promise<void> {
    if (!alerts.length) return;
    // The last write of an id in one call wins, as it would one statement at a time.
    const byId = new Map<string, StoredAlert>();
    for (const alert of alerts) byId.set(alert.id, alert);
    const cols: (string | null)[][] = [[], [], [], [], [], [], [], [], [], []];
    for (const alert of byId.values()) insertValues(alert).forEach((v, i) => cols[i]!.push(v));
    // ORDER BY ord: new alerts get their seq in the order given, as with SQLite.
    await client.query(
      `INSERT INTO alerts (id, type, severity, namespace, status, status_change, suppressed_by, first_seen, last_seen, body)
       SELECT id, type, severity, namespace, status, status_change, suppressed_by, first_seen, last_seen, body
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
         WITH ORDINALITY AS t(id, type, severity, namespace, status, status_change, suppressed_by, first_seen, last_seen, body, ord)
       ORDER BY ord
       ON CONFLICT (id) DO UPDATE SET first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen, body = EXCLUDED.body`,
      cols,
    );
  }

  async getAlert(id: string): Promise<StoredAlert | undefined> {
    const { rows } = await this.pool.query<AlertRow>('SELECT seq, status, status_change, body FROM alerts WHERE id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async listAlerts(filter: AlertFilter, limit: number, cursor?: string): Promise<AlertPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const anyOf = (column: string, values: readonly string[] | undefined) => {
      if (values?.length) where.push(`${column} = ANY(${param(values)}::text[])`);
    };
    anyOf('type', filter.types);
    anyOf('severity', filter.severities);
    anyOf('namespace', filter.namespaces);
    anyOf('status', filter.statuses);
    if (filter.since) where.push(`last_seen >= ${param(filter.since)}`);
    if (filter.suppressedBy) where.push(`suppressed_by = ${param(filter.suppressedBy)}`);
    if (cursor !== undefined) where.push(`seq < ${param(decodeCursor(cursor))}`);
    const sql = `SELECT seq, status, status_change, body FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${param(limit + 1)}`;
    const { rows } = await this.pool.query<AlertRow>(sql, params);
    const page = rows.slice(0, limit);
    return { alerts: page.map(fromRow), next: rows.length > limit ? encodeCursor(page[page.length - 1]!.seq) : null };
  }

  async transition(id: string, from: readonly AlertStatus[], change: StatusChange): Promise<TransitionResult> {
    return this.transaction(async (client): Promise<TransitionResult> => {
      const { rows } = await client.query<AlertRow>('SELECT seq, status, status_change, body FROM alerts WHERE id = $1 FOR UPDATE', [id]);
      const row = rows[0];
      if (!row) return { outcome: 'missing' };
      if (!from.includes(row.status)) return { outcome: 'conflict', alert: fromRow(row) };
      const text = JSON.stringify(change);
      await client.query('UPDATE alerts SET status = $1, status_change = $2 WHERE id = $3', [change.status, text, id]);
      return { outcome: 'done', alert: fromRow({ ...row, status: change.status, status_change: text }) };
    });
  }

  async suppressedCounts(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ suppressed_by: string; n: string }>(
      'SELECT suppressed_by, COUNT(*) AS n FROM alerts WHERE suppressed_by IS NOT NULL GROUP BY suppressed_by',
    );
    return Object.fromEntries(rows.map((r) => [r.suppressed_by, Number(r.n)]));
  }

  async addSuppression(s: StoredSuppression): Promise<void> {
    await this.pool.query('INSERT INTO suppressions (id, created_by, created_at, spec) VALUES ($1, $2, $3, $4)', [
      s.id,
      s.createdBy,
      s.createdAt,
      JSON.stringify(s.spec),
    ]);
  }

  async listSuppressions(): Promise<StoredSuppression[]> {
    const { rows } = await this.pool.query<{ id: string; created_by: string; created_at: string; spec: string }>(
      'SELECT id, created_by, created_at, spec FROM suppressions ORDER BY created_at, id',
    );
    return rows.map((r) => ({ id: r.id, createdBy: r.created_by, createdAt: r.created_at, spec: exceptionSchema.parse(JSON.parse(r.spec)) }));
  }

  async deleteSuppression(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM suppressions WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async deleteAlertsBefore(before: string): Promise<number> {
    return (await this.pool.query('DELETE FROM alerts WHERE last_seen < $1', [before])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.spoolChain;
    if (this.pending.length) await this.flushSpool();
    await this.pool.end();
  }
}

/** The URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
