/**
 * @module sinks/outputs/delivery
 * A bounded delivery queue for remote outputs: one item in flight at a time (order kept), retries
 * with exponential backoff and jitter (or the receiver's Retry-After), a permanent error gives up
 * at once. When full, the oldest item is dropped and counted — loss is reported, never silent.
 */

/** A failure that retrying cannot fix (a 4xx other than 429, a payload the receiver refuses). */
export class PermanentError extends Error {}

/** A failure worth retrying; `retryAfterMs` when the receiver said how long to wait. */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** What an output reports about its deliveries (wired to the analyser's metrics). */
export interface DeliveryEvents {
  sent(output: string): void;
  failed(output: string, reason: string): void;
  dropped(output: string, count: number): void;
  depth(output: string, depth: number): void;
}

export interface DeliveryOptions<T> {
  name: string;
  capacity: number;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  deliver: (item: T) => Promise<void>;
  events: DeliveryEvents;
}

interface Entry<T> {
  item: T;
  attempts: number;
}

export class DeliveryQueue<T> {
  private readonly items: Entry<T>[] = [];
  private running = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: DeliveryOptions<T>) {}

  get depth(): number {
    return this.items.length;
  }

  push(item: T): void {
    const { name, capacity, events } = this.options;
    if (this.closed) {
      events.dropped(name, 1);
      return;
    }
    if (this.items.length >= capacity) {
      this.items.shift();
      events.dropped(name, 1);
    }
    this.items.push({ item, attempts: 0 });
    events.depth(name, this.items.length);
    if (!this.running) void this.run();
  }

  /** The wait before attempt n+1: base·2ⁿ⁻¹ with ±25 % jitter, capped; or what the receiver asked. */
  delayMs(attempts: number, retryAfterMs?: number): number {
    const { backoffMs, maxBackoffMs } = this.options;
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, maxBackoffMs);
    const base = Math.min(maxBackoffMs, backoffMs * 2 ** (attempts - 1));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  private async run(): Promise<void> {
    const { name, events, maxAttempts } = this.options;
    this.running = true;
    while (this.items.length && !this.closed) {
      const head = this.items[0]!;
      try {
        await this.options.deliver(head.item);
        this.remove(head);
        events.sent(name);
      } catch (error) {
        head.attempts++;
        const permanent = error instanceof PermanentError;
        if (permanent || head.attempts >= maxAttempts) {
          this.remove(head);
          events.failed(name, (error as Error).message);
          continue;
        }
        await this.sleep(this.delayMs(head.attempts, error instanceof RetryableError ? error.retryAfterMs : undefined));
      }
    }
    this.running = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private remove(entry: Entry<T>): void {
    // The head may already have been dropped for space while it was in flight.
    if (this.items[0] === entry) this.items.shift();
    this.options.events.depth(this.options.name, this.items.length);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.wakeTimer = setTimeout(resolve, ms);
    });
  }

  /** Waits up to `drainMs` for the queue to empty, then stops; what is left is counted as dropped. */
  async close(drainMs: number): Promise<void> {
    if (this.running) {
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    clearTimeout(this.wakeTimer);
    this.wake?.();
    if (this.items.length) this.options.events.dropped(this.options.name, this.items.length);
    this.items.length = 0;
    this.options.events.depth(this.options.name, 0);
  }
}
