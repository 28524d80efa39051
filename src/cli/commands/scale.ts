/**
 * @module cli/commands/scale
 * The two halves of `vigil serve` for deployments of several machines (docs: docs/scale.md):
 * `vigil receive --bus nats://…` takes the ingest endpoints and publishes to NATS JetStream;
 * `vigil analyse --bus nats://… --store postgres://…` runs detection on the partitions it owns and
 * writes alerts to PostgreSQL. Both stop cleanly on SIGTERM/SIGINT (an analyser hands its
 * partitions over with a final checkpoint).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { NatsBus } from '../../bus/nats-bus.js';
import { loadConfig } from '../../config/config.js';
import { Analyser } from '../../scale/analyser.js';
import { partitionEngineFactory } from '../../scale/engine-factory.js';
import { Suppressions } from '../../server/suppressions.js';
import { createReceiver } from '../../scale/receiver.js';
import { PostgresStore } from '../../store/postgres/postgres-store.js';
import { EXIT_OK, EXIT_USAGE } from '../main.js';

interface BusFlags {
  bus: string;
  stream: string;
  partitions?: string;
  leaseMs: string;
}

function busOptions(flags: BusFlags) {
  const partitions = flags.partitions === undefined ? undefined : Number(flags.partitions);
  if (partitions !== undefined && (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024)) throw new Error('--partitions must be an integer from 1 to 1024');
  const ttlMs = Number(flags.leaseMs);
  if (!Number.isInteger(ttlMs) || ttlMs < 500) throw new Error('--lease-ms must be an integer of at least 500');
  return { stream: flags.stream, ttlMs, subjectRoot: flags.stream === 'VIGIL_EVENTS' ? 'vigil.events' : `${flags.stream.toLowerCase()}.events`, partitions };
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
}

const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

export function registerScale(program: Command, setExit: (code: number) => void): void {
  const withBus = (command: Command) =>
    command
      .requiredOption('--bus <url>', 'NATS with JetStream, e.g. nats://127.0.0.1:4222')
      .option('--stream <name>', 'JetStream stream (and prefix of its KV buckets)', 'VIGIL_EVENTS')
      .option('--partitions <n>', 'partitions, fixed when the stream is created (default 16)')
      .option('--lease-ms <ms>', 'partition leases and membership expire after this long without renewal', '6000');

  withBus(program.command('receive').description('ingest endpoints publishing to NATS JetStream (the receiving half of serve)'))
    .option('--listen <host:port>', 'where to listen', '127.0.0.1:8080')
    .option('--token <token>', 'bearer token required on ingest (or env VIGIL_TOKEN)')
    .option('--cluster <name>', 'cluster name to stamp on audit events')
    .action(async (flags: BusFlags & { listen: string; token?: string; cluster?: string }) => {
      const match = /^(.*):(\d{1,5})$/.exec(flags.listen);
      const token = flags.token ?? process.env.VIGIL_TOKEN;
      if (!match) return setExit(usage('receive', '--listen must be HOST:PORT'));
      if (!token && !['127.0.0.1', '::1', 'localhost'].includes(match[1]!)) return setExit(usage('receive', 'a --token is required unless listening on loopback'));
      let bus: NatsBus;
      try {
        bus = await NatsBus.open(flags.bus, busOptions(flags));
      } catch (error) {
        return setExit(usage('receive', (error as Error).message));
      }
      const server = createReceiver({ publisher: bus, token, cluster: flags.cluster, log });
      await new Promise<void>((resolve) => server.listen(Number(match[2]), match[1], resolve));
      log(`vigil receive: listening on ${flags.listen}, publishing to ${bus.description}`);
      await untilSignal();
      await new Promise((resolve) => server.close(resolve));
      await bus.close();
      setExit(EXIT_OK);
    });

  withBus(program.command('analyse').description('detection on the partitions this analyser owns, alerts to PostgreSQL (the analysing half of serve)'))
    .requiredOption('--store <url>', 'postgres://… shared by the analysers')
    .option('--id <name>', 'this analyser\'s name among the members (default: host and a random suffix)')
    .option('--config <file>', 'vigil.yaml with detection settings and exceptions')
    .option('--commit-every <n>', 'checkpoint a partition after this many events', '5000')
    .option('--commit-ms <ms>', '…or this often', '1000')
    .action(async (flags: BusFlags & { store: string; id?: string; config?: string; commitEvery: string; commitMs: string }) => {
      if (!/^postgres(ql)?:\/\//.test(flags.store)) return setExit(usage('analyse', '--store must be a postgres:// URL: analysers share one store'));
      let bus: NatsBus;
      let store: PostgresStore;
      let config;
      try {
        config = loadConfig(flags.config);
        bus = await NatsBus.open(flags.bus, busOptions(flags));
        store = await PostgresStore.open(flags.store);
      } catch (error) {
        return setExit(usage('analyse', (error as Error).message));
      }
      const id = flags.id ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
      // The same suppression rules as the analyser API's: vigil.yaml's and the shared store's,
      // read again now and then so rules added through any `vigil serve` on the store apply.
      const suppressions = await Suppressions.load(store, config.suppressions);
      const refresh = setInterval(() => void suppressions.reload().catch((e: Error) => log(`${id}: suppressions: ${e.message}`)), SUPPRESSIONS_REFRESH_MS);
      refresh.unref();
      const analyser = new Analyser({
        id,
        bus,
        store,
        makeEngine: await partitionEngineFactory({
          settings: config.detections,
          exceptions: config.exceptions,
          indicators: config.indicators,
          suppress: (type, entities, event) => suppressions.match(type, entities, event),
        }),
        commitEvery: Number(flags.commitEvery),
        commitMs: Number(flags.commitMs),
        log: (m) => log(`${id}: ${m}`),
      });
      await analyser.start();
      log(`vigil analyse ${id}: ${bus.partitions} partitions on ${bus.description}, alerts to ${store.description}`);
      await untilSignal();
      clearInterval(refresh);
      await analyser.stop();
      await bus.close();
      await store.close();
      setExit(EXIT_OK);
    });
}

const SUPPRESSIONS_REFRESH_MS = 30_000;

function usage(command: string, message: string): number {
  process.stderr.write(`vigil ${command}: ${message}\n`);
  return EXIT_USAGE;
}
