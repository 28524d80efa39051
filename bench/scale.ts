/**
 * @module bench/scale
 * End-to-end events/s of the multi-machine deployment on this machine: one `vigil receive`, N
 * `vigil analyse` (N = 1, 2, 3) as real processes, NATS JetStream and PostgreSQL. Clock starts at
 * the first POST and stops when every partition's durable consumer has nothing pending or
 * unacknowledged (acks follow the checkpoint commit, so the alerts are in PostgreSQL by then).
 * Reports the receiver's publish rate alone too, and each analyser's peak RSS.
 * Run: `npm run build && node dist/bench/scale.js` (NATS and PostgreSQL as in .ci/run).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { leaseName } from '../src/bus/bus.js';
import { attackBatches } from '../test/support/attack-stream.js';
import { deploy } from '../test/support/cluster.js';
import { NATS_URL } from '../test/support/services.js';

const PARTITIONS = 16;
const CLUSTERS = Number(process.env.VIGIL_BENCH_CLUSTERS ?? 96);
const IN_FLIGHT = 8;

export interface ScaleResult {
  analysers: number;
  events: number;
  publishPerSecond: number;
  endToEndPerSecond: number;
  /** Peak RSS of each analyser, MiB. */
  analyserPeakRssMiB: number[];
}

function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

async function runOnce(analysers: number): Promise<ScaleResult> {
  const batches = attackBatches(CLUSTERS, 400);
  const events = batches.reduce((n, b) => n + b.length, 0);
  const d = await deploy({ partitions: PARTITIONS, leaseMs: 3000, commitEvery: 5000, commitMs: 1000 });
  const nc = await connect({ servers: NATS_URL });
  const db = new pg.Client({ connectionString: d.db.url });
  try {
    const ids = Array.from({ length: analysers }, (_, i) => `bench-${i}`);
    for (const id of ids) d.startAnalyser(id);
    await db.connect();
    for (let i = 0; ; i++) {
      const claimed = await db.query('SELECT count(*)::int AS n FROM partition_checkpoints').catch(() => ({ rows: [{ n: 0 }] }));
      if (claimed.rows[0].n === PARTITIONS && ids.every((id) => d.logs.get(id)!.includes('took partition'))) break;
      if (i > 600) throw new Error(`partitions not shared: ${[...d.logs].join('\n')}`);
      await sleep(100);
    }
    // Hand-overs after the last join settle before the clock starts.
    await sleep(4000);
    const start = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < batches.length) await d.post(batches[next++]!);
      }),
    );
    const published = Number(process.hrtime.bigint() - start) / 1e9;
    const jsm = await jetstreamManager(nc);
    for (;;) {
      let pending = 0;
      for (let p = 0; p < PARTITIONS; p++) {
        const info = await jsm.consumers.info(d.stream, `${d.stream}_${leaseName(p)}`).catch(() => undefined);
        pending += info ? info.num_pending + info.num_ack_pending : 1;
      }
      if (pending === 0) break;
      await sleep(50);
    }
    const total = Number(process.hrtime.bigint() - start) / 1e9;
    return {
      analysers,
      events,
      publishPerSecond: Math.round(events / published),
      endToEndPerSecond: Math.round(events / total),
      analyserPeakRssMiB: ids.map((id) => Math.round(peakRssMiB(d.analysers.get(id)!.pid!))),
    };
  } finally {
    await db.end().catch(() => undefined);
    await nc.close();
    await d.stop();
  }
}

export async function benchScale(): Promise<ScaleResult[]> {
  const results: ScaleResult[] = [];
  for (const n of [1, 2, 3]) results.push(await runOnce(n));
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}; ${PARTITIONS} partitions, ${CLUSTERS} clusters`);
  console.log('analysers   events   publish ev/s   end-to-end ev/s   peak RSS per analyser (MiB)');
  for (const r of await benchScale()) {
    console.log(
      `${String(r.analysers).padStart(9)} ${String(r.events).padStart(8)} ${String(r.publishPerSecond).padStart(14)} ${String(r.endToEndPerSecond).padStart(17)}   ${r.analyserPeakRssMiB.join(', ')}`,
    );
  }
}
