/**
 * @module bus/memory-bus
 * The bus inside one process: the log is an array, leases and members are maps with expiry times.
 * For a single analyser without NATS, and the reference the NATS bus is checked against.
 */
import { createHash } from 'node:crypto';
import type { VigilEvent } from '../events/model.js';
import { BoundedCache } from '../util/bounded-cache.js';
import { DEFAULT_PARTITIONS, partitionOf, type BusMessage, type BusSubscription, type Coordination, type EventBus, type Lease } from './bus.js';

interface Entry {
  seq: number;
  partition: number;
  event: VigilEvent;
}

/** Identical events published again within this many publications are stored once. */
const DEDUPE_WINDOW = 100_000;

export function eventDigest(event: VigilEvent): string {
  return createHash('sha256').update(JSON.stringify(event)).digest('base64url');
}

class MemoryCoordination implements Coordination {
  private readonly leases = new Map<string, { holder: string; revision: number; expires: number }>();
  private readonly live = new Map<string, number>();
  private revision = 0;

  constructor(readonly ttlMs: number) {}

  private current(name: string) {
    const lease = this.leases.get(name);
    if (lease && lease.expires <= Date.now()) {
      this.leases.delete(name);
      return undefined;
    }
    return lease;
  }

  async acquire(name: string, holder: string): Promise<Lease | undefined> {
    if (this.current(name)) return undefined;
    const revision = ++this.revision;
    this.leases.set(name, { holder, revision, expires: Date.now() + this.ttlMs });
    return { name, holder, epoch: revision, revision };
  }

  async renew(lease: Lease): Promise<Lease | undefined> {
    const held = this.current(lease.name);
    if (!held || held.revision !== lease.revision) return undefined;
    held.revision = ++this.revision;
    held.expires = Date.now() + this.ttlMs;
    return { ...lease, revision: held.revision };
  }

  async release(lease: Lease): Promise<void> {
    if (this.current(lease.name)?.revision === lease.revision) this.leases.delete(lease.name);
  }

  async holders(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const name of [...this.leases.keys()]) {
      const lease = this.current(name);
      if (lease) out.set(name, lease.holder);
    }
    return out;
  }

  async heartbeat(member: string): Promise<void> {
    this.live.set(member, Date.now() + this.ttlMs);
  }

  async leave(member: string): Promise<void> {
    this.live.delete(member);
  }

  async members(): Promise<string[]> {
    const now = Date.now();
    return [...this.live].filter(([, expires]) => expires > now).map(([member]) => member).sort();
  }
}

export class MemoryBus implements EventBus {
  readonly description = 'in-process bus';
  readonly coordination: Coordination;
  private readonly log: Entry[] = [];
  private readonly published = new BoundedCache<string, true>(DEDUPE_WINDOW);
  private waiters: (() => void)[] = [];

  constructor(
    readonly partitions = DEFAULT_PARTITIONS,
    options: { ttlMs?: number } = {},
  ) {
    this.coordination = new MemoryCoordination(options.ttlMs ?? 6000);
  }

  async publish(events: readonly VigilEvent[]): Promise<void> {
    for (const event of events) {
      const digest = eventDigest(event);
      if (this.published.has(digest)) continue;
      this.published.set(digest, true);
      // Stored as JSON, as the NATS bus does: a subscriber never shares objects with a publisher.
      this.log.push({ seq: this.log.length + 1, partition: partitionOf(event.cluster, this.partitions), event: JSON.parse(JSON.stringify(event)) });
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  async subscribe(partition: number, afterSeq: number): Promise<BusSubscription> {
    let stopped = false;
    let wakeStopped: (() => void) | undefined;
    const log = this.log;
    const wait = () =>
      new Promise<void>((resolve) => {
        wakeStopped = resolve;
        this.waiters.push(resolve);
      });
    async function* iterate(): AsyncGenerator<BusMessage> {
      let next = afterSeq; // index of the first entry with seq > afterSeq
      while (!stopped) {
        for (; next < log.length && !stopped; next++) {
          const entry = log[next]!;
          if (entry.partition === partition) yield { seq: entry.seq, event: entry.event, ack: () => undefined };
        }
        if (!stopped) await wait();
      }
    }
    const iterator = iterate();
    return {
      [Symbol.asyncIterator]: () => iterator,
      stop: async () => {
        stopped = true;
        wakeStopped?.();
      },
    };
  }

  async close(): Promise<void> {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
