/**
 * @module bench/ingest
 * Webhook ingest under load: `vigil serve` in a child process (real SQLite store in a temp dir,
 * every detection on), driven from this process by autocannon with EventLists of 400 events —
 * the API server's default webhook batch — from the busy-cluster stream. Reports events/s
 * accepted (2xx only) and per-batch latency; 429s are counted, not hidden.
 *   node dist/bench/ingest.js   (or as part of `npm run bench`)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { packageRoot } from '../src/util/paths.js';
import { writeAuditStream } from './audit-stream.js';

export interface IngestBenchResult {
  eventsPerSecond: number;
  batchesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  batches2xx: number;
  refused: number;
  errors: number;
  durationSeconds: number;
  connections: number;
}

const BATCH = 400;
/** Distinct bodies, rotated, so detection sees a varied stream rather than one batch repeated. */
const BODIES = 25;

export async function benchIngest(options: { durationSeconds?: number; connections?: number } = {}): Promise<IngestBenchResult> {
  const durationSeconds = options.durationSeconds ?? Number(process.env.VIGIL_BENCH_INGEST_SECONDS ?? 20);
  // An API server sends one webhook batch at a time; two connections stand for an HA pair.
  const connections = options.connections ?? Number(process.env.VIGIL_BENCH_INGEST_CONNECTIONS ?? 2);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
  const token = 'bench-token-' + 'x'.repeat(20);
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'vigil.js'), 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data')], {
    env: { ...process.env, VIGIL_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const streamFile = join(dir, 'stream.jsonl');
    await writeAuditStream(streamFile, BATCH * BODIES);
    const lines = readFileSync(streamFile, 'utf8').split('\n').filter(Boolean);
    const bodies = Array.from({ length: BODIES }, (_, i) => `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${lines.slice(i * BATCH, (i + 1) * BATCH).join(',')}]}`);
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (c: Buffer) => {
        err += c;
        const m = /listening on (\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`vigil serve exited (${code}): ${err}`)));
    });
    let next = 0;
    const result = await autocannon({
      url: `${url}/v1/audit`,
      connections,
      duration: durationSeconds,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: bodies[next++ % BODIES] }) }],
    });
    const ok = result['2xx'];
    return {
      eventsPerSecond: Math.round((ok * BATCH) / durationSeconds),
      batchesPerSecond: Math.round((ok / durationSeconds) * 10) / 10,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
      batches2xx: ok,
      refused: result.non2xx,
      errors: result.errors + result.timeouts,
      durationSeconds,
      connections,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatIngest(r: IngestBenchResult): string {
  return [
    `webhook ingest (POST /v1/audit, EventLists of ${BATCH}, ${r.connections} connections, ${r.durationSeconds} s)`,
    `  events/s accepted ${r.eventsPerSecond}   batches/s ${r.batchesPerSecond}`,
    `  latency per batch: p50 ${r.p50Ms} ms   p99 ${r.p99Ms} ms   max ${r.maxMs} ms`,
    `  batches 2xx ${r.batches2xx}   refused (429/503/other) ${r.refused}   errors ${r.errors}`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatIngest(await benchIngest()));
}
