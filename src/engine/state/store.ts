/**
 * @module engine/state/store
 * The state that stateful detections keep (baselines, sequences, bursts, the inventory): named
 * tables of JSON values, each bounded, partitioned by cluster, and saved to SQLite with
 * `--state FILE`. Detections never keep state anywhere else, so that state survives a restart and
 * a cluster's state can move to another analyser.
 */


export interface StateTable<V> {
  get(key: string): V | undefined;
  /** Inserts or replaces; when the table is full the least recently written entry is evicted. */
  set(key: string, value: V): void;
  delete(key: string): boolean;
  has(key: string): boolean;
  readonly size: number;
  entries(): IterableIterator<[string, V]>;
}

export interface TableOptions {
  /** Upper bound on entries; the oldest-written go first. Default 100,000. */
  maxEntries?: number;
}

/** A cluster's view of the state: tables by name. */
export interface StateStore {
  table<V>(name: string, options?: TableOptions): StateTable<V>;
}

export const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * A table that forgets its least recently written entries past a bound, counting what it forgot
 * and whether it changed since the last save. The bound is exact, so a table restored from a
 * checkpoint holds what it held; eviction takes an eighth of the bound at once, in one pass from
 * the oldest end, because deleting a V8 Map's first key on every insert makes each later lookup of
 * the first key walk the deleted slots.
 */
export class BoundedTable<V> implements StateTable<V> {
  private readonly map = new Map<string, V>();
  evicted = 0;
  /** Set when a write happened since the last save, so unchanged tables are not rewritten. */
  dirty = false;

  constructor(private bound: number) {}

  get maxEntries(): number {
    return this.bound;
  }

  /** A smaller bound evicts the oldest entries now. */
  set maxEntries(bound: number) {
    this.bound = bound;
    if (this.map.size > bound) this.evict(this.map.size - bound);
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    // Re-inserting moves the key to the end, so eviction takes the least recently written.
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.bound) this.evict(Math.max(1, Math.ceil(this.bound / 8)));
    this.map.set(key, value);
    this.dirty = true;
  }

  private evict(count: number): void {
    let left = count;
    for (const key of this.map.keys()) {
      if (left-- <= 0) break;
      this.map.delete(key);
      this.evicted++;
    }
  }

  delete(key: string): boolean {
    const had = this.map.delete(key);
    if (had) this.dirty = true;
    return had;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get size(): number {
    return this.map.size;
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
}

/** All clusters' tables in memory. `forCluster` gives the partitioned view a detection sees. */
export class MemoryState {
  /** cluster → table name → table */
  private readonly clusters = new Map<string, Map<string, BoundedTable<unknown>>>();
  private readonly views = new Map<string, StateStore>();

  forCluster(cluster: string): StateStore {
    let view = this.views.get(cluster);
    if (!view) {
      view = { table: <V>(name: string, options?: TableOptions) => this.table<V>(cluster, name, options) };
      this.views.set(cluster, view);
    }
    return view;
  }

  table<V>(cluster: string, name: string, options?: TableOptions): BoundedTable<V> {
    let tables = this.clusters.get(cluster);
    if (!tables) {
      tables = new Map();
      this.clusters.set(cluster, tables);
    }
    let table = tables.get(name);
    if (!table) {
      table = new BoundedTable<unknown>(options?.maxEntries ?? DEFAULT_MAX_ENTRIES);
      tables.set(name, table);
    } else if (options?.maxEntries) {
      // A table loaded from a state file gets its detection's bound on first use.
      table.maxEntries = options.maxEntries;
    }
    return table as BoundedTable<V>;
  }

  /** Every table of every cluster, for saving. */
  *allTables(): IterableIterator<{ cluster: string; name: string; table: BoundedTable<unknown> }> {
    for (const [cluster, tables] of this.clusters) {
      for (const [name, table] of tables) yield { cluster, name, table };
    }
  }

  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  /** Entries dropped by bounds since start, for the summary and metrics. */
  evictions(): number {
    let n = 0;
    for (const { table } of this.allTables()) n += table.evicted;
    return n;
  }
}
