/**
 * @module server/metrics
 * The analyser's Prometheus metrics, in a registry of its own (one per server, so tests and the
 * demo can run several in one process): ingest by source, refusals and drops, queue depth,
 * latency, alerts by type and severity, suppressions, detection errors, output delivery.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  /** Events accepted (durably spooled) by ingest source. */
  readonly eventsIn: Counter<'source'>;
  /** Events in accepted requests that did not decode (bad shape), by source. */
  readonly eventsRejected: Counter<'source'>;
  /** Events in requests refused with 429/503 (the sender keeps them and retries), by source and reason. */
  readonly eventsDropped: Counter<'source' | 'reason'>;
  readonly ingestLatency: Histogram<'source'>;
  readonly queueDepth: Gauge;
  readonly queueCapacity: Gauge;
  readonly eventsProcessed: Counter;
  readonly batchesFailed: Counter;
  readonly detectionErrors: Gauge;
  readonly alerts: Counter<'type' | 'severity'>;
  readonly alertsSuppressed: Counter<'type'>;
  readonly outputSent: Counter<'output'>;
  readonly outputFailed: Counter<'output'>;
  readonly outputDropped: Counter<'output'>;
  readonly outputQueueDepth: Gauge<'output'>;
  readonly rulesReloads: Counter;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'vigil_' });
    this.rulesReloads = new Counter({ name: 'vigil_rules_reloads_total', help: 'User rule folders reloaded while running', registers });
    this.eventsIn = new Counter({ name: 'vigil_ingest_events_total', help: 'Events accepted by ingest, by source', labelNames: ['source'], registers });
    this.eventsRejected = new Counter({ name: 'vigil_ingest_rejected_events_total', help: 'Events that could not be decoded, by source', labelNames: ['source'], registers });
    this.eventsDropped = new Counter({
      name: 'vigil_ingest_dropped_events_total',
      help: 'Events in requests refused with 429/503 (left with the sender to retry), by source and reason',
      labelNames: ['source', 'reason'],
      registers,
    });
    this.ingestLatency = new Histogram({
      name: 'vigil_ingest_batch_duration_seconds',
      help: 'Time from request received to answer, per ingest batch',
      labelNames: ['source'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'vigil_queue_events', help: 'Events accepted and waiting for detection', registers });
    this.queueCapacity = new Gauge({ name: 'vigil_queue_capacity_events', help: 'Events the detection queue holds before ingest answers 429', registers });
    this.eventsProcessed = new Counter({ name: 'vigil_detection_events_total', help: 'Events through detection', registers });
    this.batchesFailed = new Counter({ name: 'vigil_detection_failed_batches_total', help: 'Spooled batches detection failed on (kept in the spool with the error)', registers });
    this.detectionErrors = new Gauge({ name: 'vigil_detection_errors', help: 'Detections that threw on an event since start', registers });
    this.alerts = new Counter({ name: 'vigil_alerts_total', help: 'Alerts raised, by type and severity', labelNames: ['type', 'severity'], registers });
    this.alertsSuppressed = new Counter({ name: 'vigil_alerts_suppressed_total', help: 'Alerts raised dismissed by a suppression rule, by type', labelNames: ['type'], registers });
    this.outputSent = new Counter({ name: 'vigil_output_sent_total', help: 'Alerts delivered, by output', labelNames: ['output'], registers });
    this.outputFailed = new Counter({ name: 'vigil_output_failed_total', help: 'Alerts given up on after every attempt, by output', labelNames: ['output'], registers });
    this.outputDropped = new Counter({ name: 'vigil_output_dropped_total', help: 'Alerts dropped because the output queue was full, by output', labelNames: ['output'], registers });
    this.outputQueueDepth = new Gauge({ name: 'vigil_output_queue_depth', help: 'Alerts waiting for delivery, by output', labelNames: ['output'], registers });
  }
}
