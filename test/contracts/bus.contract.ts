/**
 * @module test/contracts/bus.contract
 * The contract every EventBus passes (in-process and NATS JetStream): run
 * `runBusContract(name, makeBus)` from the implementation's own test file. `makeBus` opens a bus
 * on fresh names each call, with the given partition count and lease TTL.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { partitionOf, type BusMessage, type BusSubscription, type EventBus } from '../../src/bus/bus.js';
import type { VigilEvent } from '../../src/events/model.js';

export interface BusUnderTest {
  bus: EventBus;
  /** A second client on the same log and leases (another process). */
  peer(): Promise<EventBus>;
  cleanup(): Promise<void>;
}

export type MakeBus = (options: { partitions: number; ttlMs: number }) => Promise<BusUnderTest>;

function event(n: number, cluster: string): VigilEvent {
  return { kind: 'process.exec', id: `e${n}`, time: Date.UTC(2026, 10, 20) + n, source: 'tetragon', cluster, node: 'n1' } as unknown as VigilEvent;
}

/** Reads `count` messages from a subscription (failing after `ms`). */
async function take(sub: BusSubscription, count: number, ms = 5000): Promise<BusMessage[]> {
  const out: BusMessage[] = [];
  if (count === 0) return out;
  const timer = setTimeout(() => void sub.stop(), ms);
  for await (const m of sub) {
    out.push(m);
    if (out.length === count) break;
  }
  clearTimeout(timer);
  return out;
}

async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

export function runBusContract(name: string, makeBus: MakeBus): void {
  describe(`Bus contract: ${name}`, () => {
    const opened: BusUnderTest[] = [];
    const fresh = async (partitions = 4, ttlMs = 1500) => {
      const t = await makeBus({ partitions, ttlMs });
      opened.push(t);
      return t;
    };
    after(async () => {
      for (const t of opened) await t.cleanup();
    });

    test('a partition yields exactly its clusters\' events, in publication order, with increasing positions', async () => {
      const { bus } = await fresh();
      const clusters = ['prod', 'staging', 'lab', 'edge-eu', 'edge.us'];
      const events = Array.from({ length: 60 }, (_, i) => event(i, clusters[i % clusters.length]!));
      await bus.publish(events.slice(0, 30));
      await bus.publish(events.slice(30));
      let total = 0;
      for (let p = 0; p < bus.partitions; p++) {
        const expected = events.filter((e) => partitionOf(e.cluster, bus.partitions) === p).map((e) => e.id);
        const sub = await bus.subscribe(p, 0);
        const got = await take(sub, expected.length);
        await sub.stop();
        assert.deepEqual(got.map((m) => m.event.id), expected, `partition ${p}`);
        for (let i = 1; i < got.length; i++) assert.ok(got[i]!.seq > got[i - 1]!.seq);
        total += got.length;
      }
      assert.equal(total, events.length, 'every event is in exactly one partition');
    });

    test('a subscription resumes after a given position, and sees later publications', async () => {
      const { bus } = await fresh(1);
      await bus.publish([event(1, 'a'), event(2, 'a'), event(3, 'a')]);
      const first = await bus.subscribe(0, 0);
      const read = await take(first, 3);
      read[2]!.ack();
      await first.stop();
      const resumed = await bus.subscribe(0, read[1]!.seq);
      const pending = take(resumed, 2);
      await bus.publish([event(4, 'a')]);
      assert.deepEqual((await pending).map((m) => m.event.id), ['e3', 'e4']);
      await resumed.stop();
    });

    test('an event published again (a retried request) is stored once; events keep their fields', async () => {
      const { bus } = await fresh(1);
      const e = { ...event(1, 'a'), process: { binary: '/bin/sh', arguments: '-c id' } } as unknown as VigilEvent;
      await bus.publish([e]);
      await bus.publish([e, event(2, 'a')]);
      const sub = await bus.subscribe(0, 0);
      const got = await take(sub, 2);
      await sub.stop();
      assert.deepEqual(got.map((m) => m.event.id), ['e1', 'e2']);
      assert.deepEqual(got[0]!.event, e);
    });

    test('a lease has one holder; a renewal after losing it fails; epochs grow', async () => {
      const t = await fresh();
      const other = await t.peer();
      const a = await t.bus.coordination.acquire('p000', 'analyser-a');
      assert.ok(a);
      assert.equal(await other.coordination.acquire('p000', 'analyser-b'), undefined);
      const renewed = await t.bus.coordination.renew(a);
      assert.ok(renewed);
      assert.equal(await t.bus.coordination.renew(a), undefined, 'a stale revision cannot renew');
      assert.deepEqual(Object.fromEntries(await other.coordination.holders()), { p000: 'analyser-a' });
      await t.bus.coordination.release(renewed);
      const b = await other.coordination.acquire('p000', 'analyser-b');
      assert.ok(b && b.epoch > a.epoch);
      assert.equal(await t.bus.coordination.renew(renewed), undefined);
    });

    test('a lease not renewed expires, and another may take it', async () => {
      const t = await fresh(4, 1000);
      const other = await t.peer();
      const a = await t.bus.coordination.acquire('p001', 'analyser-a');
      assert.ok(a);
      let b: Awaited<ReturnType<typeof other.coordination.acquire>>;
      assert.ok(await eventually(async () => (b = await other.coordination.acquire('p001', 'analyser-b')) !== undefined, 8000));
      assert.ok(b!.epoch > a.epoch);
      assert.equal(await t.bus.coordination.renew(a), undefined);
    });

    test('members are listed while they beat, and go when they leave or stop beating', async () => {
      const t = await fresh(4, 1000);
      const other = await t.peer();
      await t.bus.coordination.heartbeat('analyser-a');
      await other.coordination.heartbeat('analyser-b');
      assert.deepEqual(await t.bus.coordination.members(), ['analyser-a', 'analyser-b']);
      await other.coordination.leave('analyser-b');
      assert.deepEqual(await t.bus.coordination.members(), ['analyser-a']);
      assert.ok(await eventually(async () => (await t.bus.coordination.members()).length === 0, 8000));
    });
  });
}
