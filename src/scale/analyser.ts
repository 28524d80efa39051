/**
 * @module scale/analyser
 * `vigil analyse`: one of several analysers sharing a bus and a PostgreSQL store. Partitions are
 * spread by rendezvous hashing over the live members (each member heartbeats in the bus's
 * membership bucket): every analyser computes the same owner for each partition from the same
 * member list, a join or a leave moves only the partitions that hash to that member, and no
 * election is needed. Ownership itself is the partition's lease (KV compare-and-set, TTL): an
 * analyser takes a partition it should own once the lease is free, renews it every third of the
 * TTL, hands over (final checkpoint, release) a partition that now hashes elsewhere, and drops at
 * once a partition whose renewal fails. A killed analyser's leases expire after the TTL and its
 * partitions resume elsewhere from their checkpoints.
 */
import type { Alert } from '../alerts/alert.js';
import { leaseName, type EventBus } from '../bus/bus.js';
import type { Engine } from '../engine/engine.js';
import type { MemoryState } from '../engine/state/store.js';
import { PostgresCheckpoints } from './checkpoints.js';
import { PartitionWorker } from './partition-worker.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';

export interface AnalyserOptions {
  id: string;
  bus: EventBus;
  store: PostgresStore;
  makeEngine: (state: MemoryState, onAlert: (alert: Alert) => void) => Engine;
  /** Checkpoint after this many events of a partition (default 5000)… */
  commitEvery?: number;
  /** …or this often (ms, default 1000). */
  commitMs?: number;
  /** How far out of order (event time) an event may come and still join its window (default 1 h). */
  lateMs?: number;
  log?: (message: string) => void;
}

/** Rendezvous (highest random weight) hashing: the member that owns `partition`. */
export function ownerOf(partition: number, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const member of members) {
    let h = 0x811c9dc5;
    const text = `${member}|${partition}`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    // A final mix so that members differing in their last character spread well.
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    if (h > bestScore || (h === bestScore && best !== undefined && member < best)) {
      best = member;
      bestScore = h;
    }
  }
  return best;
}

export class Analyser {
  readonly workers = new Map<number, PartitionWorker>();
  private readonly checkpoints: PostgresCheckpoints;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Events applied by workers since let go. */
  private retired = 0;
  private readonly log: (message: string) => void;

  constructor(private readonly options: AnalyserOptions) {
    this.checkpoints = new PostgresCheckpoints(options.store);
    this.log = options.log ?? (() => undefined);
  }

  async start(): Promise<void> {
    await this.tick();
    const every = Math.max(100, Math.floor(this.options.bus.coordination.ttlMs / 3));
    this.timer = setInterval(() => void this.tick().catch((error: unknown) => this.log(`coordination: ${(error as Error).message}`)), every);
  }

  /** One round: heartbeat, renew, hand over, take (rounds never overlap). */
  tick(): Promise<void> {
    const round = this.ticking.catch(() => undefined).then(() => this.round());
    this.ticking = round.catch(() => undefined);
    return round;
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    const { bus, id } = this.options;
    const coordination = bus.coordination;
    await coordination.heartbeat(id);
    const members = await coordination.members();
    if (!members.includes(id)) members.push(id);
    for (const [partition, worker] of [...this.workers]) {
      const renewed = await coordination.renew(worker.lease);
      if (!renewed) {
        this.log(`lost partition ${partition}: dropping it without a checkpoint`);
        this.workers.delete(partition);
        this.retired += worker.stats.events;
        await worker.abort();
        continue;
      }
      worker.lease = renewed;
      if (ownerOf(partition, members) !== id) {
        this.log(`handing partition ${partition} over to ${ownerOf(partition, members)}`);
        this.workers.delete(partition);
        this.retired += worker.stats.events;
        await worker.stop();
        await coordination.release(worker.lease);
      }
    }
    for (let partition = 0; partition < bus.partitions; partition++) {
      if (this.stopped || this.workers.has(partition) || ownerOf(partition, members) !== id) continue;
      const lease = await coordination.acquire(leaseName(partition), id);
      if (!lease) continue;
      const worker = await PartitionWorker.start({
        partition,
        lease,
        bus,
        checkpoints: this.checkpoints,
        makeEngine: this.options.makeEngine,
        commitEvery: this.options.commitEvery ?? 5000,
        commitMs: this.options.commitMs ?? 1000,
        lateMs: this.options.lateMs,
        onFailed: (error) => {
          this.log(`partition ${partition} stopped: ${error.message}`);
          const failed = this.workers.get(partition);
          if (!failed) return;
          this.workers.delete(partition);
          this.retired += failed.stats.events;
          void coordination.release(failed.lease).catch(() => undefined);
        },
      });
      if (!worker) {
        await coordination.release(lease);
        continue;
      }
      this.workers.set(partition, worker);
      this.log(`took partition ${partition} (epoch ${lease.epoch})`);
    }
  }

  /** Events applied by this analyser (all partitions it held). */
  get events(): number {
    let n = this.retired;
    for (const w of this.workers.values()) n += w.stats.events;
    return n;
  }

  /** As if the process died: everything stops, nothing more is written, leases are left to expire. */
  async crash(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    for (const worker of this.workers.values()) await worker.abort();
    this.workers.clear();
  }

  /** Hands every partition over (final checkpoints) and leaves the membership. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    for (const [partition, worker] of [...this.workers]) {
      this.workers.delete(partition);
      await worker.stop();
      await this.options.bus.coordination.release(worker.lease).catch(() => undefined);
    }
    await this.options.bus.coordination.leave(this.options.id).catch(() => undefined);
  }
}
