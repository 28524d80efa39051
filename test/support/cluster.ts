/**
 * @module test/support/cluster
 * A Vigil deployment of real processes on this machine, for the kill test and the benchmark: one
 * `vigil receive` and N `vigil analyse` over a fresh NATS stream and PostgreSQL database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { packageRoot } from '../../src/util/paths.js';
import type { AttackRecord } from './attack-stream.js';
import { freshDatabase, NATS_URL, uniqueName, type TestDatabase } from './services.js';

export interface Deployment {
  db: TestDatabase;
  stream: string;
  receiverUrl: string;
  analysers: Map<string, ChildProcess>;
  /** Everything each process wrote to stderr. */
  logs: Map<string, string>;
  startAnalyser(id: string): ChildProcess;
  post(batch: readonly AttackRecord[]): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function deploy(options: { partitions: number; leaseMs: number; commitEvery: number; commitMs: number }): Promise<Deployment> {
  const db = await freshDatabase();
  const stream = uniqueName('VIGIL_TEST').toUpperCase();
  const port = await freePort();
  const bin = join(packageRoot(), 'bin', 'vigil.js');
  const busFlags = ['--bus', NATS_URL, '--stream', stream, '--partitions', String(options.partitions), '--lease-ms', String(options.leaseMs)];
  const logs = new Map<string, string>();
  const processes: ChildProcess[] = [];
  const run = (name: string, args: string[]) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    logs.set(name, '');
    child.stderr!.on('data', (d: Buffer) => logs.set(name, logs.get(name)! + d.toString()));
    processes.push(child);
    return child;
  };
  run('receiver', ['receive', ...busFlags, '--listen', `127.0.0.1:${port}`]);
  const receiverUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${receiverUrl}/healthz`).then((r) => r.ok, () => false)) break;
    if (i > 100) throw new Error(`vigil receive did not start: ${logs.get('receiver')}`);
    await sleep(100);
  }
  const analysers = new Map<string, ChildProcess>();
  return {
    db,
    stream,
    receiverUrl,
    analysers,
    logs,
    startAnalyser(id) {
      const child = run(id, [
        'analyse',
        ...busFlags,
        '--store',
        db.url,
        '--id',
        id,
        '--commit-every',
        String(options.commitEvery),
        '--commit-ms',
        String(options.commitMs),
      ]);
      analysers.set(id, child);
      return child;
    },
    async post(batch) {
      const path = batch[0]!.format === 'k8s-audit' ? '/v1/audit' : '/v1/events';
      const response = await fetch(`${receiverUrl}${path}?cluster=${encodeURIComponent(batch[0]!.cluster)}`, {
        method: 'POST',
        body: batch.map((r) => r.line).join('\n'),
      });
      if (response.status !== 202) throw new Error(`receiver answered ${response.status}: ${await response.text()}`);
    },
    async stop() {
      await Promise.all(
        processes.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
            }),
        ),
      );
      const bus = await NatsBus.open(NATS_URL, { stream });
      await bus.destroy();
      await bus.close();
      await db.drop();
    },
  };
}
