/**
 * @module scale/checkpoints
 * Where an analyser's partition resumes from, in PostgreSQL beside the alerts: the last bus
 * position applied, the aggregator (open alerts, counted evidence) and the learned state of the
 * partition's clusters. A checkpoint and the alerts it produced are written in ONE transaction,
 * so after a crash either both happened or neither did, and replaying the bus from the checkpoint
 * rebuilds exactly what was lost. Writes are fenced by the lease epoch: an analyser that lost its
 * lease (paused, partitioned away) cannot overwrite the new holder's checkpoint.
 */
import type { AggregatorSnapshot } from '../alerts/aggregator.js';
import { MemoryState } from '../engine/state/store.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';
import type { StoredAlert } from '../store/store.js';

/** The aggregation part of a checkpoint: the aggregator and each cluster's newest event time. */
export interface AggregationCheckpoint {
  aggregator: AggregatorSnapshot;
  watermarks: [string, number][];
}

export interface Restored {
  /** Last bus position applied (0: none). */
  seq: number;
  aggregation?: AggregationCheckpoint;
  state: MemoryState;
}

/** Learned state rows of the tables written since the last checkpoint. */
export interface StateRows {
  cluster: string;
  table: string;
  rows: [string, string][];
}

export interface CheckpointWrite {
  seq: number;
  alerts: StoredAlert[];
  state: StateRows[];
  aggregator: string;
}

export class PartitionLostError extends Error {
  readonly code = 'VIGIL_ERR_PARTITION_LOST';
}

/** The dirty tables of `state`, as rows to write; marks them clean. */
export function takeDirtyState(state: MemoryState): StateRows[] {
  const out: StateRows[] = [];
  for (const { cluster, name, table } of state.allTables()) {
    if (!table.dirty) continue;
    out.push({ cluster, table: name, rows: [...table.entries()].map(([k, v]) => [k, JSON.stringify(v)]) });
    table.dirty = false;
  }
  return out;
}

export class PostgresCheckpoints {
  constructor(private readonly store: PostgresStore) {}

  /**
   * Records `epoch` as the partition's owner and loads its checkpoint; undefined when a greater
   * epoch already owns it (this claim is stale).
   */
  async claim(partition: number, epoch: number): Promise<Restored | undefined> {
    return this.store.transaction(async (client) => {
      const claimed = await client.query<{ seq: string; aggregator: string | null }>(
        `INSERT INTO partition_checkpoints (partition, epoch, seq, aggregator, updated_at) VALUES ($1, $2, 0, NULL, $3)
         ON CONFLICT (partition) DO UPDATE SET epoch = EXCLUDED.epoch, updated_at = EXCLUDED.updated_at
         WHERE partition_checkpoints.epoch < EXCLUDED.epoch
         RETURNING seq, aggregator`,
        [partition, epoch, new Date().toISOString()],
      );
      const row = claimed.rows[0];
      if (!row) return undefined;
      const state = new MemoryState();
      const rows = await client.query<{ cluster: string; tbl: string; key: string; value: string }>(
        'SELECT cluster, tbl, key, value FROM partition_state WHERE partition = $1 ORDER BY cluster, tbl, ord',
        [partition],
      );
      for (const r of rows.rows) state.table(r.cluster, r.tbl).set(r.key, JSON.parse(r.value));
      for (const { table } of state.allTables()) table.dirty = false;
      return { seq: Number(row.seq), aggregation: row.aggregator ? (JSON.parse(row.aggregator) as AggregationCheckpoint) : undefined, state };
    });
  }

  /** Writes alerts and checkpoint together; throws PartitionLostError when fenced off. */
  async commit(partition: number, epoch: number, write: CheckpointWrite): Promise<void> {
    await this.store.transaction(async (client) => {
      const owner = await client.query<{ epoch: string }>('SELECT epoch FROM partition_checkpoints WHERE partition = $1 FOR UPDATE', [partition]);
      if (Number(owner.rows[0]?.epoch) !== epoch) throw new PartitionLostError(`partition ${partition} is owned by a later lease (epoch ${owner.rows[0]?.epoch}, ours ${epoch})`);
      await this.store.saveAlertsWith(client, write.alerts);
      for (const t of write.state) {
        await client.query('DELETE FROM partition_state WHERE cluster = $1 AND tbl = $2', [t.cluster, t.table]);
        if (!t.rows.length) continue;
        await client.query(
          `INSERT INTO partition_state (partition, cluster, tbl, key, value, ord)
           SELECT $1, $2, $3, k, v, ord FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS r(k, v, ord)`,
          [partition, t.cluster, t.table, t.rows.map((r) => r[0]), t.rows.map((r) => r[1])],
        );
      }
      await client.query('UPDATE partition_checkpoints SET seq = $2, aggregator = $3, updated_at = $4 WHERE partition = $1', [
        partition,
        write.seq,
        write.aggregator,
        new Date().toISOString(),
      ]);
    });
  }
}
