/**
 * @module agent/shipper
 * Ships an agent's normalised events to the analyser (`POST /v1/events`, JSON lines) in batches.
 * While the analyser is unreachable, batches wait in a bounded on-disk spool and are sent, oldest
 * first, once it answers again. When the spool is full the oldest batch is dropped — never
 * silently: the drop is counted and becomes a `pipeline.loss` event, shipped like any other.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineLossEvent, VigilEvent } from '../events/model.js';

export interface ShipperOptions {
  /** The analyser's base URL, e.g. https://vigil.example:8080 */
  url: string;
  token?: string;
  spoolDir: string;
  /** Events per POST (default 500). */
  batchSize?: number;
  /** Longest an event waits in memory before its batch is sent (default 1000 ms). */
  flushMs?: number;
  /** Spool bound in bytes (default 256 MiB). */
  maxSpoolBytes?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  node?: string;
  log?: (message: string) => void;
}

export interface ShipperStats {
  sent: number;
  batchesSent: number;
  spooledBatches: number;
  /** Events dropped because the spool was full. */
  dropped: number;
  failures: number;
  spoolBytes: number;
}

export class EventShipper {
  readonly stats: ShipperStats = { sent: 0, batchesSent: 0, spooledBatches: 0, dropped: 0, failures: 0, spoolBytes: 0 };
  private batch: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = 1000;
  private sending: Promise<void> = Promise.resolve();
  private sequence = 0;
  private readonly batchSize: number;
  private readonly maxSpoolBytes: number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: ShipperOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.maxSpoolBytes = options.maxSpoolBytes ?? 256 * 1024 * 1024;
    this.log = options.log ?? ((m) => process.stderr.write(`vigil agent: ${m}\n`));
    mkdirSync(options.spoolDir, { recursive: true });
    this.stats.spoolBytes = this.spoolFiles().reduce((n, f) => n + f.size, 0);
  }

  push(event: VigilEvent): void {
    this.batch.push(JSON.stringify(event));
    if (this.batch.length >= this.batchSize) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.options.flushMs ?? 1000);
  }

  /** Sends what is batched now (queued behind any send in progress). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return this.sending;
    const body = this.batch.join('\n') + '\n';
    const count = this.batch.length;
    this.batch = [];
    this.sending = this.sending.then(() => this.deliver(body, count));
    return this.sending;
  }

  /** Flushes and, if the analyser is down, leaves the rest in the spool for the next start. */
  async stop(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.flush();
  }

  private async deliver(body: string, count: number): Promise<void> {
    // Older spooled batches go first, so the analyser sees events roughly in order.
    if (this.stats.spoolBytes > 0 && !(await this.drainSpool())) {
      this.spool(body, count);
      return;
    }
    if (await this.post(body)) {
      this.stats.sent += count;
      this.stats.batchesSent++;
    } else this.spool(body, count);
  }

  private async post(body: string): Promise<boolean> {
    try {
      const response = await fetch(new URL('/v1/events', this.options.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      if (response.ok) {
        this.backoffMs = 1000;
        return true;
      }
      this.stats.failures++;
      if (response.status === 401 || response.status === 403) this.log(`analyser refused the token (HTTP ${response.status})`);
      return false;
    } catch (error) {
      this.stats.failures++;
      if (this.stats.failures === 1 || this.stats.failures % 100 === 0) this.log(`analyser unreachable: ${(error as Error).message}`);
      return false;
    }
  }

  private spoolFiles(): { path: string; size: number; count: number }[] {
    return readdirSync(this.options.spoolDir)
      .filter((n) => n.endsWith('.jsonl'))
      .sort()
      .map((n) => {
        const path = join(this.options.spoolDir, n);
        return { path, size: statSync(path).size, count: Number(n.split('-')[2]?.split('.')[0] ?? 0) };
      });
  }

  private spool(body: string, count: number): void {
    const name = `${Date.now().toString().padStart(15, '0')}-${String(this.sequence++).padStart(8, '0')}-${count}.jsonl`;
    writeFileSync(join(this.options.spoolDir, name), body);
    this.stats.spooledBatches++;
    this.stats.spoolBytes += Buffer.byteLength(body);
    let dropped = 0;
    for (const file of this.spoolFiles()) {
      if (this.stats.spoolBytes <= this.maxSpoolBytes) break;
      rmSync(file.path, { force: true });
      this.stats.spoolBytes -= file.size;
      dropped += file.count;
    }
    if (dropped > 0) this.recordLoss(dropped);
    this.scheduleRetry();
  }

  /** Sends spooled batches oldest first; false when the analyser is still unreachable. */
  private async drainSpool(): Promise<boolean> {
    for (const file of this.spoolFiles()) {
      let body: string;
      try {
        body = readFileSync(file.path, 'utf8');
      } catch {
        continue;
      }
      if (!(await this.post(body))) return false;
      rmSync(file.path, { force: true });
      this.stats.spoolBytes -= file.size;
      this.stats.sent += file.count;
      this.stats.batchesSent++;
    }
    this.stats.spoolBytes = Math.max(0, this.stats.spoolBytes);
    return true;
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.sending = this.sending.then(async () => {
        if (!(await this.drainSpool())) this.scheduleRetry();
      });
    }, this.backoffMs);
    this.retryTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, 60_000);
  }

  private recordLoss(count: number): void {
    this.stats.dropped += count;
    const loss: PipelineLossEvent = {
      kind: 'pipeline.loss',
      id: `${this.options.node ?? 'agent'}:spool-full:${Date.now()}:${this.stats.dropped}`,
      time: Date.now(),
      source: 'vigil-agent',
      reason: 'spool-full',
      count,
      node: this.options.node,
      detail: `the analyser was unreachable and the ${Math.round(this.maxSpoolBytes / 1048576)} MiB spool filled: ${count} event(s) dropped`,
    };
    this.log(loss.detail!);
    this.push(loss);
  }
}
