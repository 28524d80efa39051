/**
 * @module bus/nats-bus
 * The bus on NATS JetStream. Events go to one stream, on subjects
 * `<root>.<partition>.<cluster>.<kind>` (root `vigil.events` by default), published with a message
 * id (digest of the event) so that a retried publication is stored once (the stream's duplicate
 * window). A partition is read through its durable pull consumer, filtered to the partition's
 * subjects and acknowledged cumulatively (AckAll). Leases and members are KV buckets whose entries
 * expire after the TTL; taking and renewing a lease is KV compare-and-set (create / update with the
 * last revision), and the revision at taking is the fencing epoch.
 *
 * The partition is computed by the publisher (bus.partitionOf) because the stream-side
 * `partition()` subject transform needs NATS 2.10 and these machines run 2.9. The partition count
 * is kept in a config bucket: the first process sets it, the others must agree.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { VigilEvent } from '../events/model.js';
import { DEFAULT_PARTITIONS, leaseName, partitionOf, subjectToken, type BusMessage, type BusSubscription, type Coordination, type EventBus, type Lease } from './bus.js';
import { eventDigest } from './memory-bus.js';

export interface NatsBusOptions {
  /** Stream name; its buckets are `<stream>_config`, `<stream>_leases`, `<stream>_members`. */
  stream?: string;
  subjectRoot?: string;
  partitions?: number;
  /** Lease and membership time to live. Default 6 s. */
  ttlMs?: number;
  /** How long the stream keeps events (a checkpoint older than this cannot resume). Default 7 days. */
  maxAgeMs?: number;
  /** Publications awaiting their acknowledgement at once. */
  publishConcurrency?: number;
}

export class BusConfigError extends Error {
  readonly code = 'VIGIL_ERR_BUS_CONFIG';
}

/** True for the KV error of a compare-and-set that lost. */
function lostRace(error: unknown): boolean {
  return /wrong last sequence|key exists/i.test((error as Error).message);
}

class KvCoordination implements Coordination {
  constructor(
    private readonly leases: KV,
    private readonly live: KV,
    readonly ttlMs: number,
  ) {}

  async acquire(name: string, holder: string): Promise<Lease | undefined> {
    try {
      const revision = await this.leases.create(name, holder);
      return { name, holder, epoch: revision, revision };
    } catch (error) {
      if (lostRace(error)) return undefined;
      throw error;
    }
  }

  async renew(lease: Lease): Promise<Lease | undefined> {
    try {
      return { ...lease, revision: await this.leases.update(lease.name, lease.holder, lease.revision) };
    } catch (error) {
      if (lostRace(error)) return undefined;
      throw error;
    }
  }

  async release(lease: Lease): Promise<void> {
    await this.leases.delete(lease.name, { previousSeq: lease.revision }).catch((error: unknown) => {
      if (!lostRace(error)) throw error;
    });
  }

  async holders(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for await (const name of await this.leases.keys()) {
      const entry = await this.leases.get(name);
      if (entry?.operation === 'PUT') out.set(name, entry.string());
    }
    return out;
  }

  async heartbeat(member: string): Promise<void> {
    await this.live.put(subjectToken(member), member);
  }

  async leave(member: string): Promise<void> {
    await this.live.delete(subjectToken(member));
  }

  async members(): Promise<string[]> {
    const out: string[] = [];
    for await (const key of await this.live.keys()) {
      const entry = await this.live.get(key);
      if (entry?.operation === 'PUT') out.push(entry.string());
    }
    return out.sort();
  }
}

export class NatsBus implements EventBus {
  readonly description: string;
  /** Messages whose body was not an event (skipped and acknowledged), for metrics. */
  undecodable = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly coordination: Coordination,
    readonly stream: string,
    private readonly root: string,
    readonly partitions: number,
    private readonly concurrency: number,
    url: string,
  ) {
    this.description = `nats ${url} stream ${stream}`;
  }

  static async open(url: string, options: NatsBusOptions = {}): Promise<NatsBus> {
    const stream = options.stream ?? 'VIGIL_EVENTS';
    const root = options.subjectRoot ?? 'vigil.events';
    const ttlMs = options.ttlMs ?? 6000;
    const nc = await connect({ servers: url, name: 'vigil', maxReconnectAttempts: -1 });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.info(stream).catch(async () => {
        await jsm.streams.add({
          name: stream,
          subjects: [`${root}.>`],
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          max_age: (options.maxAgeMs ?? 7 * 86_400_000) * 1_000_000,
          duplicate_window: 120 * 1_000_000_000,
        });
      });
      const kvm = new Kvm(nc);
      const config = await kvm.create(`${stream}_config`, { history: 1 });
      const wanted = options.partitions ?? DEFAULT_PARTITIONS;
      await config.create('partitions', String(wanted)).catch((error: unknown) => {
        if (!lostRace(error)) throw error;
      });
      const partitions = Number((await config.get('partitions'))?.string());
      if (options.partitions !== undefined && partitions !== options.partitions) {
        throw new BusConfigError(`stream ${stream} has ${partitions} partitions, not ${options.partitions}: partitions are fixed when the stream is created`);
      }
      const leases = await kvm.create(`${stream}_leases`, { history: 1, ttl: ttlMs });
      const live = await kvm.create(`${stream}_members`, { history: 1, ttl: ttlMs });
      return new NatsBus(nc, jetstream(nc), jsm, new KvCoordination(leases, live, ttlMs), stream, root, partitions, options.publishConcurrency ?? 256, url);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  private subject(event: VigilEvent): string {
    return `${this.root}.${leaseName(partitionOf(event.cluster, this.partitions))}.${subjectToken(event.cluster ?? 'default')}.${event.kind.replace(/\./g, '_')}`;
  }

  async publish(events: readonly VigilEvent[]): Promise<void> {
    // In flight together (each awaits the stream's acknowledgement), a bounded number at a time.
    for (let start = 0; start < events.length; start += this.concurrency) {
      await Promise.all(
        events.slice(start, start + this.concurrency).map((event) => this.js.publish(this.subject(event), JSON.stringify(event), { msgID: eventDigest(event) })),
      );
    }
  }

  /**
   * The partition's durable consumer is recreated at the position asked for: the analyser taking a
   * partition resumes from its checkpoint, and whatever a previous holder had in flight is gone.
   */
  async subscribe(partition: number, afterSeq: number): Promise<BusSubscription> {
    const durable = `${this.stream}_${leaseName(partition)}`;
    await this.jsm.consumers.delete(this.stream, durable).catch(() => undefined);
    await this.jsm.consumers.add(this.stream, {
      durable_name: durable,
      filter_subject: `${this.root}.${leaseName(partition)}.>`,
      ack_policy: AckPolicy.All,
      ack_wait: 60 * 1_000_000_000,
      max_ack_pending: 100_000,
      ...(afterSeq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 } : { deliver_policy: DeliverPolicy.All }),
    });
    const consumer = await this.js.consumers.get(this.stream, durable);
    const messages = await consumer.consume({ max_messages: 2000 });
    const skip = () => this.undecodable++;
    async function* iterate(): AsyncGenerator<BusMessage> {
      for await (const m of messages) {
        let event: VigilEvent;
        try {
          event = m.json<VigilEvent>();
        } catch {
          skip();
          m.ack();
          continue;
        }
        yield { seq: m.seq, event, ack: () => m.ack() };
      }
    }
    const iterator = iterate();
    return {
      [Symbol.asyncIterator]: () => iterator,
      stop: async () => {
        messages.stop();
      },
    };
  }

  /** Removes the stream and its buckets (tests; an operator's cleanup). */
  async destroy(): Promise<void> {
    await this.jsm.streams.delete(this.stream).catch(() => undefined);
    for (const bucket of ['config', 'leases', 'members']) await this.jsm.streams.delete(`KV_${this.stream}_${bucket}`).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}
