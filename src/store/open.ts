/**
 * @module store/open
 * `--store sqlite|postgres://…`: which Store implementation backs the analyser. SQLite lives in
 * --data-dir; PostgreSQL (several analysers, one store) implements the same contract.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export class StoreSpecError extends Error {
  readonly code = 'VIGIL_ERR_STORE_SPEC';
}

export async function openStore(spec: string, dataDir: string): Promise<Store> {
  if (spec === 'sqlite') {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    return new SqliteStore(join(dataDir, 'vigil.db'));
  }
  if (/^postgres(ql)?:\/\//.test(spec)) return PostgresStore.open(spec);
  throw new StoreSpecError(`--store must be 'sqlite' or a postgres:// URL, not '${spec}'`);
}
