/**
 * @module engine/state/sqlite-file
 * `--state FILE`: learned state saved in one SQLite file between runs. Rows are
 * (cluster, table, key, JSON value); only tables written since the last save are rewritten.
 */
import Database from 'better-sqlite3';
import type { MemoryState } from './store.js';

const SCHEMA_VERSION = 1;

export class SqliteStateFile {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${path}: state file schema ${version} is newer than this Vigil understands (${SCHEMA_VERSION})`);
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS state (
      cluster TEXT NOT NULL, tbl TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
      PRIMARY KEY (cluster, tbl, key))`);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  /** Fills `state` with everything saved. A row that no longer parses is skipped and counted. */
  loadInto(state: MemoryState): { rows: number; skipped: number } {
    let rows = 0;
    let skipped = 0;
    for (const row of this.db.prepare('SELECT cluster, tbl, key, value FROM state ORDER BY rowid').iterate() as Iterable<{
      cluster: string;
      tbl: string;
      key: string;
      value: string;
    }>) {
      try {
        state.table(row.cluster, row.tbl).set(row.key, JSON.parse(row.value));
        rows++;
      } catch {
        skipped++;
      }
    }
    for (const { table } of state.allTables()) table.dirty = false;
    return { rows, skipped };
  }

  save(state: MemoryState): void {
    const clear = this.db.prepare('DELETE FROM state WHERE cluster = ? AND tbl = ?');
    const insert = this.db.prepare('INSERT INTO state (cluster, tbl, key, value) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const { cluster, name, table } of state.allTables()) {
        if (!table.dirty) continue;
        clear.run(cluster, name);
        for (const [key, value] of table.entries()) insert.run(cluster, name, key, JSON.stringify(value));
        table.dirty = false;
      }
    })();
  }

  close(): void {
    this.db.close();
  }
}
