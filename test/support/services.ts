/**
 * @module test/support/services
 * The real PostgreSQL and NATS the scale tests run against (CI starts both: .ci/run). Each test
 * run gets its own database and its own stream and bucket names, removed afterwards. Where a
 * service is unreachable the tests skip with that reason — unless VIGIL_TEST_SERVICES=required
 * (CI), where they fail.
 */
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.VIGIL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.VIGIL_TEST_NATS ?? 'nats://127.0.0.1:4222';
const REQUIRED = process.env.VIGIL_TEST_SERVICES === 'required';

/** A name no other test run uses (database, stream, bucket). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

async function reachable(check: () => Promise<void>, what: string): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (error) {
    const reason = `${what} is not reachable (${(error as Error).message}); start it as .ci/run does`;
    if (REQUIRED) throw new Error(reason, { cause: error });
    return reason;
  }
}

/** Undefined when PostgreSQL answers, else why the test skips. */
export function postgresMissing(): Promise<string | undefined> {
  return reachable(async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    await client.end();
  }, `PostgreSQL at ${PG_ADMIN_URL}`);
}

/** Undefined when NATS with JetStream answers, else why the test skips. */
export function natsMissing(): Promise<string | undefined> {
  return reachable(async () => {
    const nc = await connect({ servers: NATS_URL, timeout: 2000 });
    try {
      const { jetstreamManager } = await import('@nats-io/jetstream');
      await (await jetstreamManager(nc)).getAccountInfo();
    } finally {
      await nc.close();
    }
  }, `NATS JetStream at ${NATS_URL}`);
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates `vigil_test_<random>`; `drop` removes it (closing what is still connected). */
export async function freshDatabase(): Promise<TestDatabase> {
  const name = uniqueName('vigil_test');
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
