/**
 * @module bus/bus
 * The transport between receivers (webhooks, agents) and analysers when one machine is not enough:
 * an append-only log of normalised events split into a fixed number of partitions by cluster, plus
 * the leases that give each partition exactly one analyser at a time. Two implementations pass the
 * same contract (test/contracts/bus.contract.ts): in-process (one analyser, tests) and NATS
 * JetStream (streams, durable consumers, KV compare-and-set) — no home-made queue or consensus.
 */
import type { VigilEvent } from '../events/model.js';
import { DEFAULT_CLUSTER } from '../engine/engine.js';

export interface BusMessage {
  /** Position in the log: increasing within a partition (not contiguous: the log is shared). */
  seq: number;
  event: VigilEvent;
  /** Acknowledges this message and every earlier one of its subscription. */
  ack(): void;
}

export interface BusSubscription extends AsyncIterable<BusMessage> {
  /** Ends the iteration; messages not acknowledged will be read again by the next subscriber. */
  stop(): Promise<void>;
}

/** A held lease. `epoch` fences: a later holder of the same lease always has a greater one. */
export interface Lease {
  name: string;
  holder: string;
  epoch: number;
  /** Compare-and-set version for renewals. */
  revision: number;
}

/** Leases with a time to live, and live members by heartbeat (both expire after `ttlMs`). */
export interface Coordination {
  readonly ttlMs: number;
  /** Takes the lease if no one holds it; undefined when someone does. */
  acquire(name: string, holder: string): Promise<Lease | undefined>;
  /** Extends a held lease; undefined when it was lost (expired and taken, or released). */
  renew(lease: Lease): Promise<Lease | undefined>;
  /** Gives a held lease up (no-op if it was already lost). */
  release(lease: Lease): Promise<void>;
  /** Current holder of each held lease, by name. */
  holders(): Promise<Map<string, string>>;
  heartbeat(member: string): Promise<void>;
  leave(member: string): Promise<void>;
  members(): Promise<string[]>;
}

/** Publishing side: what a receiver needs (answer 2xx only after this resolves). */
export interface EventPublisher {
  /** Resolves once every event is durably in the log. A retried identical event is stored once. */
  publish(events: readonly VigilEvent[]): Promise<void>;
}

export interface EventBus extends EventPublisher {
  readonly description: string;
  readonly partitions: number;
  readonly coordination: Coordination;
  /** Reads one partition from the message after `afterSeq` (0: from the start), in log order. */
  subscribe(partition: number, afterSeq: number): Promise<BusSubscription>;
  close(): Promise<void>;
}

export const DEFAULT_PARTITIONS = 16;

/** The partition of a cluster: FNV-1a (32 bit) of its name, so every process agrees. */
export function partitionOf(cluster: string | undefined, partitions: number): number {
  const name = cluster ?? DEFAULT_CLUSTER;
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** Text as one subject token: no '.', '*', '>' or whitespace; injective (percent-encoding). */
export function subjectToken(text: string): string {
  return encodeURIComponent(text).replace(/[.*~!'()]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()) || '%00';
}

export function leaseName(partition: number): string {
  return `p${String(partition).padStart(3, '0')}`;
}
