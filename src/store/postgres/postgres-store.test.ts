/**
 * The PostgreSQL store against the store contract (a fresh database per run), plus what only it
 * has: migrations shared by analysers starting together, and its URL kept out of logs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runStoreContract } from '../../../test/contracts/store.contract.js';
import { freshDatabase, postgresMissing, type TestDatabase } from '../../../test/support/services.js';
import { PostgresStore, redact } from './postgres-store.js';

const missing = await postgresMissing();

if (missing) {
  test('PostgreSQL store', { skip: missing }, () => undefined);
} else {
  runStoreContract('postgres', async () => {
    const db = await freshDatabase();
    const holder = { store: await PostgresStore.open(db.url) };
    return {
      get store() {
        return holder.store;
      },
      async reopen() {
        await holder.store.close();
        holder.store = await PostgresStore.open(db.url);
        return holder.store;
      },
      async cleanup() {
        await holder.store.close().catch(() => undefined);
        await db.drop();
      },
    };
  });

  describe('PostgreSQL store only', () => {
    let db: TestDatabase;
    before(async () => {
      db = await freshDatabase();
    });
    after(() => db.drop());

    test('analysers opening a new database together migrate it once', async () => {
      const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(db.url)));
      const { rows } = await stores[0]!.pool.query('SELECT version FROM vigil_schema');
      assert.equal(rows.length, 1);
      await Promise.all(stores.map((s) => s.close()));
    });

    test('a database from a newer Vigil is refused with a clear message', async () => {
      const store = await PostgresStore.open(db.url);
      await store.pool.query('UPDATE vigil_schema SET version = 99');
      await store.close();
      await assert.rejects(PostgresStore.open(db.url), /schema 99 is newer than this Vigil understands/);
    });
  });

  test('the URL is shown without its password', () => {
    assert.equal(redact('postgres://vigil:s3cret@db:5432/vigil'), 'postgres://vigil:***@db:5432/vigil');
  });
}
