/**
 * Analysers sharing an in-process bus and a real PostgreSQL store: partitions spread over the
 * members and move when one leaves; a crash (no final checkpoint, leases left to expire) loses and
 * duplicates nothing — including a stage of a request counted before the checkpoint and delivered
 * again after it. The same with real processes and NATS: test/scale/kill.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Alert } from '../alerts/alert.js';
import { MemoryBus } from '../bus/memory-bus.js';
import type { VigilEvent } from '../events/model.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { attackStream, oracle } from '../../test/support/attack-stream.js';
import { freshDatabase, postgresMissing, type TestDatabase } from '../../test/support/services.js';
import { Analyser, ownerOf } from './analyser.js';
import { partitionEngineFactory, type EngineFactory } from './engine-factory.js';

test('rendezvous hashing spreads partitions and moves only those of a member that leaves', () => {
  const members = ['a', 'b', 'c'];
  const owners = Array.from({ length: 64 }, (_, p) => ownerOf(p, members)!);
  for (const m of members) assert.ok(owners.filter((o) => o === m).length >= 10, `${m} owns a fair share`);
  const after = Array.from({ length: 64 }, (_, p) => ownerOf(p, ['a', 'c'])!);
  owners.forEach((o, p) => o !== 'b' && assert.equal(after[p], o, `partition ${p} stays where it was`));
});

/** Closes what a test opened, last first, even when it fails. */
class Cleanup {
  private readonly steps: (() => Promise<unknown>)[] = [];
  defer(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
  }
}

const missing = await postgresMissing();

describe('analysers on an in-process bus', { skip: missing }, () => {
  let db: TestDatabase;
  let makeEngine: EngineFactory;
  before(async () => {
    db = await freshDatabase();
    makeEngine = await partitionEngineFactory();
  });
  after(() => db?.drop());

  async function storedAlerts(store: PostgresStore): Promise<Map<string, Alert>> {
    const { rows } = await store.pool.query<{ body: string }>('SELECT body FROM alerts');
    return new Map(rows.map((r) => JSON.parse(r.body) as Alert).map((a) => [a.id, a]));
  }

  async function settle(store: PostgresStore, expected: Map<string, Alert>): Promise<Map<string, Alert>> {
    const key = (m: Map<string, Alert>) => JSON.stringify([...m.values()].map((a) => [a.id, a.count, a.lastSeen]).sort());
    const want = key(expected);
    let got = await storedAlerts(store);
    for (let i = 0; i < 100 && key(got) !== want; i++) {
      await sleep(100);
      got = await storedAlerts(store);
    }
    return got;
  }

  function assertSame(got: Map<string, Alert>, expected: Map<string, Alert>) {
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), 'every expected alert, no other');
    for (const [id, a] of expected) assert.equal(got.get(id)!.count, a.count, `${a.type} ${id} count`);
  }

  test('three analysers split the partitions, a crashed one\'s resume elsewhere, every alert exactly once', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const admin = await PostgresStore.open(db.url);
    await admin.pool.query('TRUNCATE alerts, partition_checkpoints, partition_state');
    await admin.close();
    const bus = new MemoryBus(8, { ttlMs: 1500 });
    const events = attackStream(6);
    const expected = oracle(events, 8, makeEngine);
    assert.ok(expected.size >= 30, `the stream raises alerts (${expected.size})`);
    const analysers: Analyser[] = [];
    for (const id of ['a', 'b', 'c']) {
      const store = await PostgresStore.open(db.url);
      cleanup.defer(() => store.close());
      const analyser = new Analyser({ id, bus, store, makeEngine, commitEvery: 50, commitMs: 100 });
      await analyser.start();
      analysers.push(analyser);
    }
    const owned = () => analysers.reduce((n, a) => n + a.workers.size, 0);
    // Hand-overs settle within a few rounds (a lease not renewed in time is retaken too).
    for (let i = 0; i < 50 && (owned() !== 8 || analysers.some((a) => !a.workers.size)); i++) await sleep(100);
    assert.equal(owned(), 8, 'every partition owned once');
    for (const a of analysers) assert.ok(a.workers.size >= 1, 'each analyser holds partitions');
    const half = Math.floor(events.length / 2);
    await bus.publish(events.slice(0, half));
    await sleep(300);
    // A crash: b's timers stop, nothing more is written or released.
    const crashed = analysers[1]!;
    await crashed.crash();
    await bus.publish(events.slice(half));
    const store = await PostgresStore.open(db.url);
    cleanup.defer(() => store.close());
    assertSame(await settle(store, expected), expected);
    for (let i = 0; i < 50 && analysers[0]!.workers.size + analysers[2]!.workers.size !== 8; i++) await sleep(100);
    assert.equal(analysers[0]!.workers.size + analysers[2]!.workers.size, 8, 'the survivors hold every partition');
    for (const a of [analysers[0]!, analysers[2]!]) await a.stop();
  });

  test('a stage counted before a checkpoint and delivered again after a restart is not counted twice', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const admin = await PostgresStore.open(db.url);
    await admin.pool.query('TRUNCATE alerts, partition_checkpoints, partition_state');
    await admin.close();
    const bus = new MemoryBus(1, { ttlMs: 400 });
    const events = attackStream(1);
    // The same requests' other stage (same auditID): the API server logs RequestReceived too.
    const stages = events.map((e) => ({ ...e, stage: 'RequestReceived' }) as VigilEvent);
    const expected = oracle([...events, ...stages], 1, makeEngine);
    const store = await PostgresStore.open(db.url);
    cleanup.defer(() => store.close());
    // The copies come after the whole stream, and its learning contexts span days: lateness must
    // cover that, else they are rightly treated as late and open new windows (partition-worker.ts).
    const lateMs = 365 * 86_400_000;
    const first = new Analyser({ id: 'a', bus, store, makeEngine, commitEvery: 1_000_000, commitMs: 60_000, lateMs });
    await first.start();
    await bus.publish(events);
    await sleep(200);
    await first.stop();
    const second = new Analyser({ id: 'b', bus, store, makeEngine, commitEvery: 10, commitMs: 100, lateMs });
    await second.start();
    await bus.publish(stages);
    // Wait for the second analyser to work through everything (the stream grows with the fixtures).
    const got = await settle(store, expected);
    await second.stop();
    assertSame(got, expected);
  });
});
