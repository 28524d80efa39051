/**
 * @module server/server
 * `vigil serve` as a function: starts the analyser through an ordered list of named steps and
 * tears down whatever started, in reverse, on close or on a failed start. The HTTP features are
 * encapsulated fastify plugins (security, session, ingest per format, alerts API, ops,
 * dashboard); ServeOptions.plugins adds more.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Alert } from '../alerts/alert.js';
import type { VigilConfig } from '../config/config.js';
import { LiveEngine } from '../engine/live.js';
import { RuleSet } from '../rules/ruleset.js';
import { ClusterObjectReader } from '../sources/kubernetes-api/reader.js';
import { SqliteStateFile } from '../engine/state/sqlite-file.js';
import { MemoryState } from '../engine/state/store.js';
import type { VigilEvent } from '../events/model.js';
import { createOutputs, type Output } from '../sinks/outputs/outputs.js';
import aks from '../sources/aks/format.js';
import azureActivity from '../sources/azure-activity/format.js';
import cloudtrail from '../sources/cloudtrail/format.js';
import eks from '../sources/eks/format.js';
import gke from '../sources/gke/format.js';
import k8sAudit from '../sources/k8s-audit/format.js';
import { originText, type SourceFormat } from '../sources/format.js';
import vigilFormat from '../sources/vigil/format.js';
import { openStore } from '../store/open.js';
import { SUPPRESSION_PREFIX, type Store } from '../store/store.js';
import { Auth } from './auth.js';
import { ServerMetrics } from './metrics.js';
import { IngestPipeline } from './pipeline.js';
import type { ServerContext } from './plugins/context.js';
import { alertsApiPlugin } from './plugins/alerts-api.js';
import { dashboardPlugin } from './plugins/dashboard.js';
import { ingestPlugin } from './plugins/ingest.js';
import { opsPlugin } from './plugins/ops.js';
import { securityPlugin } from './plugins/security.js';
import { sessionPlugin } from './plugins/session.js';
import { Suppressions } from './suppressions.js';

/** The ingest routes and the source format that decodes each. */
export const INGEST_ROUTES: readonly { path: string; format: SourceFormat }[] = [
  { path: '/v1/audit', format: k8sAudit },
  { path: '/v1/events', format: vigilFormat },
  // The managed clouds' deliveries of the same audit events, and their activity logs, for
  // forwarders (Event Hubs, Firehose, Pub/Sub push) that POST what they receive.
  { path: '/v1/audit/aks', format: aks },
  { path: '/v1/audit/eks', format: eks },
  { path: '/v1/audit/gke', format: gke },
  { path: '/v1/activity/azure', format: azureActivity },
  { path: '/v1/activity/aws', format: cloudtrail },
];

const ALERT_FLUSH_MS = 1000;
const STATE_SAVE_MS = 60_000;
const RETENTION_SWEEP_MS = 3600_000;
const OUTPUT_DRAIN_MS = 5000;
const CLOSE_GRACE_MS = 5000;

export class ServeError extends Error {
  readonly code = 'VIGIL_ERR_SERVE';
}

export interface ServeOptions {
  config: VigilConfig;
  log?: (message: string) => void;
  /** Replaces detection (tests: an engine that throws). */
  processEvent?: (event: VigilEvent) => void;
  /** Events through detection per turn of the event loop (tests: small, to hold the queue). */
  sliceEvents?: number;
  /** A folder of user rules, loaded at start and reloaded on change without a restart. */
  rulesDir?: string;
  /**
   * Watch the cluster's objects through the Kubernetes API (list, then watch, resuming on
   * disconnect) into the inventory and the detections that judge objects as they stand.
   */
  watchCluster?: { kubeConfig: KubeConfig; cluster?: string };
  /** Extra plugins registered after the API, with the same context (the dashboard's place). */
  plugins?: readonly FastifyPluginAsync<{ context: ServerContext }>[];
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 (the real port when --listen asked for 0). */
  url: string;
  /** The address to open the dashboard with a session: `${url}/?token=…` (url alone without auth). */
  loginUrl: string;
  app: FastifyInstance;
  store: Store;
  pipeline: IngestPipeline;
  metrics: ServerMetrics;
  /** Waits until every accepted event has been through detection and its alerts are stored. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(listen);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new ServeError(`--listen must be HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), not '${listen}'`);
  return { host: match[1] ?? match[2]!, port };
}

/** How long watched objects wait to be sent through ingest together, and how many at most. */
const OBJECT_BATCH_MS = 500;
const OBJECT_BATCH_EVENTS = 500;

/**
 * Live objects go through the same ingest as everything else (spooled, queued, detected in order
 * with the audit stream), in small batches of Vigil's own event format.
 */
async function watchClusterObjects(reader: ClusterObjectReader, pipeline: IngestPipeline, log: (message: string) => void): Promise<void> {
  let batch: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!batch.length) return;
    const body = batch.join('\n');
    batch = [];
    void pipeline.accept(vigilFormat, 'lines', body, 'kubernetes-api').then((r) => {
      if (r.outcome !== 'accepted') log(`cluster objects: batch not accepted (${r.outcome})`);
    });
  };
  await reader.start({
    event: (event) => {
      batch.push(JSON.stringify(event));
      if (batch.length >= OBJECT_BATCH_EVENTS) flush();
      else timer ??= setTimeout(flush, OBJECT_BATCH_MS);
    },
    issue: (issue) => log(`cluster objects: ${originText(issue.origin)}: ${issue.reason}`),
  });
  log(`watching the cluster's objects (${reader.cluster})`);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Start-up steps run in order; each may leave a teardown, run in reverse on close. */
class Lifecycle {
  private readonly teardowns: { name: string; run: () => Promise<void> | void }[] = [];
  constructor(private readonly log: (message: string) => void) {}

  async step<T>(name: string, run: () => Promise<T> | T, teardown?: (value: T) => Promise<void> | void): Promise<T> {
    let value: T;
    try {
      value = await run();
    } catch (error) {
      await this.close();
      if (error instanceof ServeError) throw error;
      throw new ServeError(`${name}: ${(error as Error).message}`, { cause: error });
    }
    if (teardown) this.teardowns.push({ name, run: () => teardown(value) });
    return value;
  }

  async close(): Promise<void> {
    for (const t of this.teardowns.splice(0).reverse()) {
      try {
        await t.run();
      } catch (error) {
        this.log(`stopping ${t.name}: ${(error as Error).message}`);
      }
    }
  }
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? ((m: string) => process.stderr.write(`vigil serve: ${m}\n`));
  const settings = options.config.server;
  const life = new Lifecycle(log);

  const { host, port } = await life.step('listen address', () => parseListen(settings.listen));
  await life.step('auth policy', () => {
    if (settings.noAuth && settings.token) throw new ServeError('give either a token or --no-auth, not both');
    if (settings.noAuth && !isLoopback(host)) throw new ServeError(`--no-auth is only allowed when listening on loopback, not on ${host}`);
    if (!settings.noAuth && !settings.token) throw new ServeError('a token is required: --token, VIGIL_TOKEN or server.token in vigil.yaml (or --no-auth on loopback)');
    if (Boolean(settings.tlsCert) !== Boolean(settings.tlsKey)) throw new ServeError('TLS needs both --tls-cert and --tls-key');
  });
  const tls = await life.step('TLS certificate', () =>
    settings.tlsCert && settings.tlsKey ? { cert: readFileSync(settings.tlsCert), key: readFileSync(settings.tlsKey) } : undefined,
  );
  const auth = new Auth(settings.noAuth ? undefined : settings.token, Boolean(tls));
  const metrics = new ServerMetrics();
  const store = await life.step('store', () => openStore(settings.store, settings.dataDir), (s) => s.close());
  log(`store: ${store.description}`);

  const state = new MemoryState();
  const stateFile = await life.step(
    'learned state',
    () => {
      const file = new SqliteStateFile(join(settings.dataDir, 'state.db'));
      file.loadInto(state);
      return file;
    },
    (file) => {
      file.save(state);
      file.close();
    },
  );
  const stateTimer = setInterval(() => stateFile.save(state), STATE_SAVE_MS).unref();

  const suppressions = await life.step('suppressions', () => Suppressions.load(store, options.config.suppressions));
  const outputs: Output[] = await life.step(
    'outputs',
    () =>
      createOutputs(
        options.config.outputs,
        {
          sent: (output) => metrics.outputSent.inc({ output }),
          failed: (output, reason) => {
            metrics.outputFailed.inc({ output });
            log(`output ${output}: gave up on an alert: ${reason}`);
          },
          dropped: (output, count) => {
            metrics.outputDropped.inc({ output }, count);
            log(`output ${output}: dropped ${count} alert(s): queue full or closing`);
          },
          depth: (output, depth) => metrics.outputQueueDepth.set({ output }, depth),
        },
        log,
      ),
    (list) => Promise.all(list.map((o) => o.close(OUTPUT_DRAIN_MS))).then(() => undefined),
  );

  // Alerts raised since the last save, latest version by id; saved in one transaction.
  const unsaved = new Map<string, Alert>();
  const onAlert = (alert: Alert, update: boolean) => {
    const snapshot = structuredClone(alert);
    unsaved.set(alert.id, snapshot);
    if (!update) metrics.alerts.inc({ type: alert.type, severity: alert.severity });
    if (alert.statusChange?.by.startsWith(SUPPRESSION_PREFIX)) {
      if (!update) metrics.alertsSuppressed.inc({ type: alert.type });
      return;
    }
    for (const output of outputs) output.send(snapshot);
  };
  const saveAlerts = async () => {
    if (!unsaved.size) return;
    const batch = [...unsaved.values()];
    unsaved.clear();
    await store.saveAlerts(batch);
  };
  const ruleSet = options.rulesDir
    ? await life.step(
        'user rules',
        () => {
          try {
            return RuleSet.load(options.rulesDir!);
          } catch (error) {
            throw new ServeError((error as Error).message);
          }
        },
        (rules) => rules.close(),
      )
    : undefined;
  const live = await life.step(
    'detection engine',
    async () => {
      const engine = await LiveEngine.create({
        rules: ruleSet?.current,
        settings: options.config.detections,
        exceptions: options.config.exceptions,
        indicators: options.config.indicators,
        state,
        suppress: (type, entities, event) => suppressions.match(type, entities, event),
        onAlert,
      });
      engine.start();
      return engine;
    },
    async (engine) => {
      // Final counts of open alerts out, then saved.
      engine.stop();
      await saveAlerts();
    },
  );
  ruleSet?.watch((reload) => {
    if (!reload.applied) {
      log(`rules in ${ruleSet.dir} not reloaded, the previous set stays in force:\n${reload.errors.map((e) => '  ' + e.message).join('\n')}`);
      return;
    }
    live.setRules(reload.rules);
    metrics.rulesReloads.inc();
    log(`rules reloaded from ${ruleSet.dir}: ${reload.rules.rules.length} rule(s)`);
  });
  const alertTimer = setInterval(() => void saveAlerts().catch((e: Error) => log(`saving alerts: ${e.message}`)), ALERT_FLUSH_MS).unref();

  const pipeline = new IngestPipeline({
    store,
    metrics,
    capacity: settings.queueEvents,
    process: options.processEvent ?? ((event) => live.process(event)),
    afterSlice: async () => {
      metrics.detectionErrors.set(live.engine.stats.detectionErrors);
      await saveAlerts();
    },
    log,
    sliceEvents: options.sliceEvents,
  });
  const recovered = await life.step(
    'spool recovery',
    () => pipeline.recover(new Map(INGEST_ROUTES.map((r) => [r.format.name, r.format]))),
    () => pipeline.stop(),
  );
  if (recovered) log(`replayed ${recovered} event(s) accepted before the last stop`);

  const retention = async () => {
    const cutoff = new Date(Date.now() - settings.retentionDays * 86_400_000).toISOString();
    const removed = await store.deleteAlertsBefore(cutoff);
    if (removed) log(`retention: deleted ${removed} alert(s) last seen before ${cutoff}`);
  };
  await life.step('retention', retention);
  const retentionTimer = setInterval(() => void retention().catch((e: Error) => log(`retention: ${e.message}`)), RETENTION_SWEEP_MS).unref();
  await life.step('timers', () => undefined, () => {
    clearInterval(stateTimer);
    clearInterval(alertTimer);
    clearInterval(retentionTimer);
  });

  const maxBodyBytes = settings.maxBodyMiB * 2 ** 20;
  const context: ServerContext = { auth, store, metrics, pipeline, suppressions, maxBodyBytes };
  const app = await life.step(
    'http server',
    async () => {
      const instance = Fastify({
        logger: false,
        ...(tls ? { https: tls } : {}),
        // Batches of hundreds of events take a while to upload on slow links.
        requestTimeout: 120_000,
        keepAliveTimeout: 75_000,
        return503OnClosing: true,
      });
      await instance.register(securityPlugin);
      await instance.register(sessionPlugin, { auth });
      for (const route of INGEST_ROUTES) await instance.register(ingestPlugin, { context, path: route.path, format: route.format });
      await instance.register(alertsApiPlugin, { context });
      await instance.register(opsPlugin, { context });
      await instance.register(dashboardPlugin, { context });
      for (const plugin of options.plugins ?? []) await instance.register(plugin, { context });
      await instance.listen({ host, port });
      return instance;
    },
    async (instance) => {
      // In-flight requests get a grace period; a client that stops reading must not hold the stop.
      const force = setTimeout(() => instance.server.closeAllConnections(), CLOSE_GRACE_MS);
      await instance.close();
      clearTimeout(force);
    },
  );
  pipeline.ready = true;
  if (options.watchCluster) {
    const reader = new ClusterObjectReader(options.watchCluster);
    await life.step('cluster objects', () => watchClusterObjects(reader, pipeline, log), () => reader.stop());
  }

  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  log(`listening on ${url} (${tls ? 'TLS' : 'plain HTTP'}, ${auth.enabled ? 'token required' : 'auth OFF (loopback only)'})`);
  return {
    url,
    loginUrl: auth.enabled ? `${url}/?token=${encodeURIComponent(settings.token!)}` : `${url}/`,
    app,
    store,
    pipeline,
    metrics,
    settle: () => pipeline.idle(),
    close: async () => {
      pipeline.ready = false;
      await life.close();
    },
  };
}
