/**
 * @module server/pipeline
 * Ingest → spool → queue → detection. A request's body is decoded with its source format (the
 * same decoders as `vigil scan`), written to the store's spool in one transaction, and only then
 * answered 2xx; detection runs afterwards from a bounded in-memory queue. A full queue refuses
 * the request (429) instead of dropping events; a batch detection fails on stays in the spool with
 * its error. Spooled batches left by a stop or crash are replayed at start.
 */
import type { VigilEvent } from '../events/model.js';
import type { DecodeIssue, SourceFormat } from '../sources/format.js';
import { originText } from '../sources/format.js';
import type { SpoolBatch, Store } from '../store/store.js';
import type { ServerMetrics } from './metrics.js';

export interface Decoded {
  events: VigilEvent[];
  rejected: number;
  /** The first few reasons, with their place in the body. */
  issues: string[];
}

const MAX_ISSUES = 5;
/** Events through detection per turn of the event loop, so requests are answered in between. */
const SLICE_EVENTS = 1000;
/** Finished batches leave the spool together at most this often (each delete is a synced commit). */
const FINISH_EVERY_MS = 250;

export class BodyError extends Error {
  readonly code = 'VIGIL_ERR_BODY';
}

/** Decodes a request body with a source format's decoder: validation identical to `vigil scan`. */
export function decodeBody(format: SourceFormat, framing: 'json' | 'lines', body: string, where: string): Decoded {
  const out: Decoded = { events: [], rejected: 0, issues: [] };
  const decoder = format.open(
    {
      event: (event) => out.events.push(event),
      issue: (issue: DecodeIssue) => {
        out.rejected++;
        if (out.issues.length < MAX_ISSUES) out.issues.push(`${originText(issue.origin)}: ${issue.reason}`);
      },
    },
    {},
  );
  if (framing === 'json' && decoder.value) {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch (error) {
      throw new BodyError(`body is not valid JSON (${(error as Error).message})`);
    }
    decoder.value(document, { file: where, line: 1 });
  } else {
    let line = 0;
    for (const text of body.split('\n')) {
      line++;
      const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (trimmed.trim()) decoder.line(trimmed, { file: where, line });
    }
  }
  decoder.end();
  return out;
}

export type AcceptResult =
  | { outcome: 'accepted'; decoded: Decoded; spoolId?: number }
  | { outcome: 'invalid'; decoded: Decoded }
  | { outcome: 'full'; events: number }
  | { outcome: 'unavailable'; reason: string };

interface QueuedBatch {
  spoolId: number;
  events: VigilEvent[];
  next: number;
}

export interface PipelineOptions {
  store: Store;
  metrics: ServerMetrics;
  /** Events the queue holds before ingest is refused. */
  capacity: number;
  /** Detection of one event (the live engine). May throw: the batch is then marked failed. */
  process: (event: VigilEvent) => void;
  /** After each slice: persist the alerts it raised (before its batches leave the spool). */
  afterSlice: () => Promise<void>;
  log: (message: string) => void;
  /** Events through detection per turn of the event loop (default 2000). */
  sliceEvents?: number;
}

export class IngestPipeline {
  private readonly queue: QueuedBatch[] = [];
  private queued = 0;
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  /** Batches through detection with their alerts saved, not yet deleted from the spool. */
  private finished: number[] = [];
  private lastFinish = 0;
  ready = false;

  constructor(private readonly options: PipelineOptions) {
    options.metrics.queueCapacity.set(options.capacity);
  }

  get depth(): number {
    return this.queued;
  }

  /** The queue is 90 % full or more: readiness fails, so balancers send elsewhere before 429s. */
  get saturated(): boolean {
    return this.queued >= this.options.capacity * 0.9;
  }

  /** Decodes, spools and queues one request's body. Never throws for bad input. */
  async accept(format: SourceFormat, framing: 'json' | 'lines', body: string, where: string): Promise<AcceptResult> {
    const source = format.name;
    const { metrics, capacity } = this.options;
    if (!this.ready || this.stopped) return { outcome: 'unavailable', reason: this.stopped ? 'shutting down' : 'starting' };
    const decoded = decodeBody(format, framing, body, where);
    if (decoded.rejected) metrics.eventsRejected.inc({ source }, decoded.rejected);
    if (!decoded.events.length) return decoded.rejected ? { outcome: 'invalid', decoded } : { outcome: 'accepted', decoded };
    const n = decoded.events.length;
    if (this.queued + n > capacity) {
      metrics.eventsDropped.inc({ source, reason: 'queue_full' }, n);
      return { outcome: 'full', events: n };
    }
    // Reserved before the spool write so concurrent requests cannot overfill the queue.
    this.queued += n;
    let spoolId: number;
    try {
      const batch: SpoolBatch = { format: source, framing, body, events: n };
      spoolId = await this.options.store.spool(batch);
    } catch (error) {
      this.queued -= n;
      metrics.eventsDropped.inc({ source, reason: 'store_error' }, n);
      this.options.log(`spool write failed: ${(error as Error).message}`);
      return { outcome: 'unavailable', reason: 'the store could not keep the batch' };
    }
    metrics.eventsIn.inc({ source }, n);
    this.enqueue(spoolId, decoded.events);
    return { outcome: 'accepted', decoded, spoolId };
  }

  private enqueue(spoolId: number, events: VigilEvent[]): void {
    this.queue.push({ spoolId, events, next: 0 });
    this.options.metrics.queueDepth.set(this.queued);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
  }

  /** Replays batches left in the spool (before the server takes requests). */
  async recover(formats: ReadonlyMap<string, SourceFormat>): Promise<number> {
    const seen = new Set<number>();
    let replayed = 0;
    for (;;) {
      const page = await this.options.store.pendingBatches(100);
      if (!page.length) break;
      for (const batch of page) {
        if (seen.has(batch.id)) throw new Error(`spool batch ${batch.id} was replayed but is still pending`);
        seen.add(batch.id);
        const format = formats.get(batch.format);
        if (!format) {
          await this.options.store.failBatch(batch.id, `no source format '${batch.format}' in this Vigil`);
          continue;
        }
        let decoded: Decoded;
        try {
          decoded = decodeBody(format, batch.framing, batch.body, `spool batch ${batch.id}`);
        } catch (error) {
          await this.options.store.failBatch(batch.id, (error as Error).message);
          continue;
        }
        this.queued += decoded.events.length;
        this.enqueue(batch.id, decoded.events);
        replayed += decoded.events.length;
      }
      await this.idle();
    }
    return replayed;
  }

  /** Detection over the queue, a slice at a time; each slice's alerts are saved before its batches leave the spool. */
  private async drain(): Promise<void> {
    const { metrics } = this.options;
    while (this.queue.length) {
      const finished: number[] = [];
      let budget = this.options.sliceEvents ?? SLICE_EVENTS;
      while (budget > 0 && this.queue.length) {
        const batch = this.queue[0]!;
        const start = batch.next;
        const end = Math.min(batch.events.length, start + budget);
        try {
          for (; batch.next < end; batch.next++) this.options.process(batch.events[batch.next]!);
        } catch (error) {
          // The rest of the batch is skipped: it stays in the spool with the error, for an operator.
          this.queued -= batch.events.length - start;
          budget -= batch.next - start;
          metrics.eventsProcessed.inc(batch.next - start);
          metrics.batchesFailed.inc();
          this.queue.shift();
          const message = (error as Error).message;
          this.options.log(`detection failed on spool batch ${batch.spoolId}: ${message}`);
          await this.options.store.failBatch(batch.spoolId, message).catch((e: Error) => this.options.log(`marking batch failed: ${e.message}`));
          continue;
        }
        budget -= end - start;
        this.queued -= end - start;
        metrics.eventsProcessed.inc(end - start);
        if (batch.next >= batch.events.length) {
          finished.push(batch.spoolId);
          this.queue.shift();
        }
      }
      try {
        await this.options.afterSlice();
        // Only after their alerts are saved: a crash in between replays them (at least once).
        this.finished.push(...finished);
        if (!this.queue.length || Date.now() - this.lastFinish >= FINISH_EVERY_MS) {
          const ids = this.finished.splice(0);
          this.lastFinish = Date.now();
          await this.options.store.finishBatches(ids);
        }
      } catch (error) {
        this.options.log(`saving detection results failed: ${(error as Error).message}`);
      }
      metrics.queueDepth.set(this.queued);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.running = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves when every queued event has been through detection and its results saved. */
  idle(): Promise<void> {
    if (!this.running && !this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new batches and waits for the queue to drain. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }
}
