/**
 * @module scale/partition-worker
 * One partition, owned: its own engine (learned state and aggregator restored from the
 * checkpoint), fed from the bus after the checkpoint's position, checkpointed with the alerts it
 * raised every `commitEvery` events or `commitMs`, and acknowledged on the bus only after that
 * commit. Delivery is at least once; the effects are once: events at or before the checkpoint are
 * never re-applied, and alert ids are deterministic, so a replay after a crash rewrites the same
 * alerts with the same counts.
 *
 * Aggregation windows close by event time, not by the wall clock: once every cluster of the
 * partition has events `lateMs` past a window's end (the slowest cluster's newest event time,
 * checkpointed too), so a replay closes windows where the first run did. Only an event more than
 * `lateMs` out of order within its cluster could aggregate differently depending on when
 * checkpoints fell. A silent cluster holds windows open; the aggregator's own bound still applies.
 */
import type { Alert } from '../alerts/alert.js';
import type { BusMessage, BusSubscription, EventBus, Lease } from '../bus/bus.js';
import { DEFAULT_CLUSTER, type Engine } from '../engine/engine.js';
import type { MemoryState } from '../engine/state/store.js';
import { takeDirtyState, type AggregationCheckpoint, type PostgresCheckpoints } from './checkpoints.js';

export interface WorkerStats {
  events: number;
  commits: number;
}

export interface WorkerOptions {
  partition: number;
  lease: Lease;
  bus: EventBus;
  checkpoints: PostgresCheckpoints;
  /** A fresh engine over `state`, reporting raised and closed alerts to `onAlert`. */
  makeEngine: (state: MemoryState, onAlert: (alert: Alert) => void) => Engine;
  commitEvery: number;
  commitMs: number;
  /** How far behind the newest event a window must have ended to be closed (default 1 h). */
  lateMs?: number;
  /** The worker stopped on its own (lost the partition, store failure): its owner lets it go. */
  onFailed: (error: Error) => void;
}

/** What decides whether an open alert changed since it was last written. */
function version(alert: Alert): string {
  return `${alert.count}|${alert.firstSeen}|${alert.lastSeen}|${alert.evidence.length}`;
}

export class PartitionWorker {
  readonly stats: WorkerStats = { events: 0, commits: 0 };
  private readonly engine: Engine;
  private subscription!: BusSubscription;
  private loop!: Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  /** Commits run one after another, in the order their snapshots were taken. */
  private chain: Promise<void> = Promise.resolve();
  private raised = new Map<string, Alert>();
  private readonly written = new Map<string, string>();
  private last: BusMessage | undefined;
  private applied: number;
  private committed: number;
  /** Newest event time per cluster of the partition. */
  private readonly watermarks = new Map<string, number>();
  private uncommitted = 0;
  private failed = false;

  private constructor(
    private readonly options: WorkerOptions,
    private readonly state: MemoryState,
    seq: number,
  ) {
    this.applied = this.committed = seq;
    this.engine = options.makeEngine(state, (alert) => {
      this.raised.set(alert.id, alert);
    });
  }

  /** Claims the partition's checkpoint with the lease's epoch; undefined when fenced off. */
  static async start(options: WorkerOptions): Promise<PartitionWorker | undefined> {
    const restored = await options.checkpoints.claim(options.partition, options.lease.epoch);
    if (!restored) return undefined;
    const worker = new PartitionWorker(options, restored.state, restored.seq);
    if (restored.aggregation) {
      worker.engine.aggregator.restore(restored.aggregation.aggregator);
      for (const [cluster, time] of restored.aggregation.watermarks) worker.watermarks.set(cluster, time);
      for (const alert of worker.engine.aggregator.openAlerts()) worker.written.set(alert.id, version(alert));
    }
    worker.subscription = await options.bus.subscribe(options.partition, restored.seq);
    worker.loop = worker.run();
    worker.timer = setInterval(() => void worker.commit().catch(() => undefined), options.commitMs);
    return worker;
  }

  get partition(): number {
    return this.options.partition;
  }

  set lease(lease: Lease) {
    this.options.lease = lease;
  }

  get lease(): Lease {
    return this.options.lease;
  }

  private async run(): Promise<void> {
    try {
      for await (const message of this.subscription) {
        // Redelivered at or before what is already applied (a consumer restarted at the checkpoint).
        if (message.seq <= this.applied) continue;
        this.engine.process(message.event);
        this.applied = message.seq;
        this.last = message;
        this.stats.events++;
        const cluster = message.event.cluster ?? DEFAULT_CLUSTER;
        if (message.event.time > (this.watermarks.get(cluster) ?? -Infinity)) this.watermarks.set(cluster, message.event.time);
        if (++this.uncommitted >= this.options.commitEvery) await this.commit();
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    void this.halt();
    this.options.onFailed(error);
  }

  /**
   * Snapshot now (synchronously, so it is consistent with `applied`), write it after the previous
   * commit, then acknowledge the bus up to it.
   */
  commit(): Promise<void> {
    if (this.failed || this.applied === this.committed) return this.chain;
    const aggregator = this.engine.aggregator;
    let slowest = Infinity;
    for (const time of this.watermarks.values()) if (time < slowest) slowest = time;
    if (this.watermarks.size) aggregator.expire(slowest - (this.options.lateMs ?? 3_600_000));
    const alerts = new Map(this.raised);
    this.raised = new Map();
    const open = new Set<string>();
    for (const alert of aggregator.openAlerts()) {
      open.add(alert.id);
      const v = version(alert);
      if (this.written.get(alert.id) !== v) {
        alerts.set(alert.id, alert);
        this.written.set(alert.id, v);
      }
    }
    for (const id of alerts.keys()) if (!open.has(id)) this.written.delete(id);
    const seq = this.applied;
    const ack = this.last;
    const write = {
      seq,
      // Copies: the engine keeps changing open alerts while the write is in flight.
      alerts: JSON.parse(JSON.stringify([...alerts.values()])) as Alert[],
      state: takeDirtyState(this.state),
      aggregator: JSON.stringify({ aggregator: aggregator.snapshot(), watermarks: [...this.watermarks] } satisfies AggregationCheckpoint),
    };
    this.uncommitted = 0;
    this.chain = this.chain.then(async () => {
      if (this.failed) return;
      try {
        await this.options.checkpoints.commit(this.options.partition, this.options.lease.epoch, write);
      } catch (error) {
        this.fail(error as Error);
        throw error;
      }
      this.committed = seq;
      this.stats.commits++;
      ack?.ack();
    });
    return this.chain;
  }

  private async halt(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.subscription.stop();
  }

  /** Hands the partition over: stop reading, commit what was applied. */
  async stop(): Promise<void> {
    await this.halt();
    await this.loop;
    await this.commit().catch(() => undefined);
  }

  /** The lease is gone: stop without writing (the new holder replays from the checkpoint). */
  async abort(): Promise<void> {
    this.failed = true;
    await this.halt();
  }
}
