/**
 * @module sinks/outputs/outputs
 * The analyser's alert outputs as a typed registry (`registerOutput(type, factory)`, a name once):
 * JSON-lines file, generic webhook, Slack, Teams, syslog. Each output filters by severity, and
 * the remote ones deliver through a bounded retrying queue (./delivery.ts).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Alert } from '../../alerts/alert.js';
import { SEVERITIES } from '../../events/model.js';
import { VERSION } from '../../util/version.js';
import { toCef } from '../format/cef.js';
import { toOcsf } from '../format/ocsf.js';
import { slackPayload, teamsPayload } from './chat.js';
import { DeliveryQueue, PermanentError, RetryableError, type DeliveryEvents } from './delivery.js';
import type { OutputSpec, OutputType } from './schema.js';
import { rfc5424, tcpTransport, udpTransport } from './syslog.js';

export interface Output {
  readonly name: string;
  /** Queues an alert (never blocks, never throws). */
  send(alert: Alert): void;
  /** Delivers what is queued (up to `drainMs`), then releases sockets and files. */
  close(drainMs: number): Promise<void>;
}

export interface OutputContext {
  name: string;
  events: DeliveryEvents;
  log: (message: string) => void;
}

type Factory<T extends OutputType> = (spec: Extract<OutputSpec, { type: T }>, context: OutputContext) => Output;

type AnyFactory = (spec: OutputSpec, context: OutputContext) => Output;
const FACTORIES = new Map<OutputType, AnyFactory>();

export function registerOutput<T extends OutputType>(type: T, factory: Factory<T>): void {
  if (FACTORIES.has(type)) throw new Error(`output type '${type}' registered twice`);
  FACTORIES.set(type, factory as unknown as AnyFactory);
}

function jsonOf(alert: Alert, format: 'alert' | 'ocsf'): string {
  return JSON.stringify(format === 'ocsf' ? toOcsf(alert, VERSION) : alert);
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** POSTs JSON; 2xx delivered, 429/5xx/network retried, other answers given up on. */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    throw new RetryableError(`POST ${new URL(url).host}: ${(error as Error).message}`);
  }
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  const message = `POST ${new URL(url).host}: HTTP ${response.status}`;
  if (response.status === 429 || response.status >= 500) throw new RetryableError(message, retryAfterMs(response.headers.get('retry-after')));
  throw new PermanentError(message);
}

type QueuedSpec = Extract<OutputSpec, { queueSize: number }>;

function queued(spec: QueuedSpec, context: OutputContext, deliver: (alert: Alert) => Promise<void>, release: () => void = () => undefined): Output {
  const queue = new DeliveryQueue<Alert>({
    name: context.name,
    capacity: spec.queueSize,
    maxAttempts: spec.maxAttempts,
    backoffMs: spec.backoffMs,
    maxBackoffMs: spec.maxBackoffMs,
    deliver,
    events: context.events,
  });
  return {
    name: context.name,
    send: (alert) => queue.push(alert),
    async close(drainMs) {
      await queue.close(drainMs);
      release();
    },
  };
}

registerOutput('file', (spec, context) => {
  mkdirSync(dirname(spec.path), { recursive: true });
  const stream = createWriteStream(spec.path, { flags: 'a' });
  stream.on('error', (error) => context.log(`output ${context.name}: ${error.message}`));
  return {
    name: context.name,
    send(alert) {
      stream.write(jsonOf(alert, spec.format) + '\n', (error) => (error ? context.events.failed(context.name, error.message) : context.events.sent(context.name)));
    },
    close: () => new Promise<void>((resolve) => stream.end(resolve)),
  };
});

registerOutput('webhook', (spec, context) => queued(spec, context, (alert) => postJson(spec.url, jsonOf(alert, spec.format), spec.headers, spec.timeoutMs)));
registerOutput('slack', (spec, context) => queued(spec, context, (alert) => postJson(spec.url, JSON.stringify(slackPayload(alert)), {}, spec.timeoutMs)));
registerOutput('teams', (spec, context) => queued(spec, context, (alert) => postJson(spec.url, JSON.stringify(teamsPayload(alert)), {}, spec.timeoutMs)));

registerOutput('syslog', (spec, context) => {
  const transport = spec.protocol === 'tcp' ? tcpTransport(spec.host, spec.port, spec.timeoutMs) : udpTransport(spec.host, spec.port);
  const message = (alert: Alert) => (spec.format === 'cef' ? toCef(alert, VERSION) : jsonOf(alert, spec.format));
  return queued(spec, context, (alert) => transport.send(rfc5424(alert, message(alert), { facility: spec.facility, appName: spec.appName })), () => transport.close());
});

/** The outputs of a configuration, each behind its severity filter. */
export function createOutputs(specs: readonly OutputSpec[], events: DeliveryEvents, log: (message: string) => void): Output[] {
  return specs.map((spec, i) => {
    const name = spec.name ?? `${spec.type}#${i + 1}`;
    const factory = FACTORIES.get(spec.type);
    if (!factory) throw new Error(`no output type '${spec.type}'`);
    const output = factory(spec, { name, events, log });
    const threshold = SEVERITIES.indexOf(spec.minSeverity);
    return {
      name,
      send: (alert) => {
        if (SEVERITIES.indexOf(alert.severity) >= threshold) output.send(alert);
      },
      close: (drainMs) => output.close(drainMs),
    };
  });
}
