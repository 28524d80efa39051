/**
 * The SQLite store against the store contract, plus what only SQLite has: migrations.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runStoreContract } from '../../../test/contracts/store.contract.js';
import { openStore } from '../open.js';
import { SqliteStore } from './sqlite-store.js';

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
  const path = join(dir, 'vigil.db');
  const holder = { store: new SqliteStore(path) };
  return {
    get store() {
      return holder.store;
    },
    async reopen() {
      await holder.store.close();
      holder.store = new SqliteStore(path);
      return holder.store;
    },
    async cleanup() {
      await holder.store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

test('a store file from a newer Vigil is refused with a clear message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
  const path = join(dir, 'vigil.db');
  const db = new Database(path);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => new SqliteStore(path), /schema 99 is newer than this Vigil understands/);
  rmSync(dir, { recursive: true, force: true });
});

test('--store values other than sqlite and postgres:// URLs are usage errors', async () => {
  await assert.rejects(openStore('mysql', '/nonexistent'), /must be 'sqlite' or a postgres:\/\/ URL/);
});
