/**
 * @module util/bounded-cache
 * A bounded map with an optional time-to-live, for the node-side tables (processes by exec_id or
 * pid+starttime, cgroups, container contexts, sockets seen) that take an entry per process on a
 * busy node. Two generations instead of strict LRU: when the young one is half the bound, it
 * becomes the old one and the previous old one is dropped. Every operation is O(1); a Map that
 * deletes its oldest key on each insert degrades badly in V8 (the iterator skips tombstones).
 */

interface Entry<V> {
  value: V;
  expires: number;
}

export class BoundedCache<K, V> {
  private young = new Map<K, Entry<V>>();
  private old = new Map<K, Entry<V>>();
  /** Entries dropped to keep the bound (not counting expiries and deletes). */
  evicted = 0;

  /**
   * @param maxEntries upper bound on entries held (at least 2).
   * @param ttlMs how long an entry stays valid after it was written; Infinity for no expiry.
   * @param now clock, in ms.
   */
  constructor(
    readonly maxEntries: number,
    private readonly ttlMs = Infinity,
    private readonly now: () => number = Date.now,
  ) {
    if (!(maxEntries >= 2)) throw new RangeError(`BoundedCache: maxEntries must be at least 2, got ${maxEntries}`);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: K): V | undefined {
    let entry = this.young.get(key);
    if (!entry) {
      entry = this.old.get(key);
      if (!entry) return undefined;
      // Still in use: carry it into the young generation so that it survives the next turn.
      this.old.delete(key);
      this.insert(key, entry);
    }
    if (entry.expires <= this.now()) {
      this.young.delete(key);
      return undefined;
    }
    return entry.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): void {
    this.old.delete(key);
    this.young.delete(key);
    this.insert(key, { value, expires: this.ttlMs === Infinity ? Infinity : this.now() + this.ttlMs });
  }

  delete(key: K): boolean {
    const a = this.young.delete(key);
    const b = this.old.delete(key);
    return a || b;
  }

  /** Live entries, oldest generation first (expired ones skipped). */
  *entries(): IterableIterator<[K, V]> {
    const now = this.now();
    for (const generation of [this.old, this.young]) {
      for (const [key, entry] of generation) if (entry.expires > now) yield [key, entry.value];
    }
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }

  private insert(key: K, entry: Entry<V>): void {
    this.young.set(key, entry);
    if (this.young.size >= this.maxEntries / 2) {
      this.evicted += this.old.size;
      this.old = this.young;
      this.young = new Map();
    }
  }
}
