/**
 * @module alerts/aggregator
 * Findings become alerts here. Repeats of the same alert type on the same entity within a window
 * (of event time) are one alert with a count and a time range, not new alerts; and one request
 * logged at several stages (same auditID) counts once.
 */
import { createHash } from 'node:crypto';
import type { CatalogEntry, Finding } from '../engine/detection.js';
import type { VigilEvent } from '../events/model.js';
import type { Alert, AlertEntities, StatusChange } from './alert.js';
import { evidenceOf, isoTime } from './entities.js';

export interface AggregatorOptions {
  /** Window in ms from an alert's first event during which repeats join it. Default 1 h. */
  windowMs?: number;
  /** Evidence items kept per alert (the count keeps counting). Default 25. */
  maxEvidence?: number;
  /** Open alerts kept; the oldest is closed when full. Default 50,000. */
  maxOpen?: number;
  /** Called when an alert is raised for the first time. */
  onRaise?: (alert: Alert) => void;
  /** Called when an alert's window closes (or at flush), with its final count. */
  onClose?: (alert: Alert) => void;
}

export interface OpenAlert {
  alert: Alert;
  firstMs: number;
  lastMs: number;
  windowEndMs: number;
}

/**
 * What a checkpoint keeps so that an analyser resuming a partition aggregates exactly as if it had
 * not stopped: the open alerts, and the evidence already counted (else a stage of a request seen
 * before the checkpoint counts again after it). Plain JSON.
 */
export interface AggregatorSnapshot {
  open: [string, OpenAlert][];
  seen: string[];
  raised: number;
}

const MAX_FACT_CHARS = 200;
const MAX_SEEN_EVIDENCE = 200_000;

/** Fills {name} placeholders with the finding's facts (clipped; rendering escapes later). */
export function renderSummary(template: string, facts: Finding['facts']): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = facts[name];
    if (value === undefined || value === '') return '(unknown)';
    const text = String(value);
    return text.length > MAX_FACT_CHARS ? text.slice(0, MAX_FACT_CHARS) + '…' : text;
  });
}

/** Ends the specific part with a full stop when it ends with data (a command line, a path). */
function asSentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/** The default aggregation key: the most specific entity the alert is about. */
export function defaultKey(entities: AlertEntities): string {
  const r = entities.resource;
  const parts: (string | undefined)[] = [entities.cluster];
  if (entities.process) {
    parts.push(entities.node, entities.namespace, entities.pod, entities.container, entities.process.executable);
  } else if (r) {
    parts.push(r.kind, r.namespace, r.name);
  } else {
    parts.push(entities.user, entities.identity?.id, entities.remoteAddress, entities.file);
  }
  return parts.map((p) => p ?? '').join('|');
}

export class AlertAggregator {
  private readonly open = new Map<string, OpenAlert>();
  /** `type|key|eventId` of every event already counted, so several stages of a request count once. */
  private readonly seen = new Map<string, true>();
  private readonly windowMs: number;
  private readonly maxEvidence: number;
  private readonly maxOpen: number;
  raised = 0;

  constructor(private readonly options: AggregatorOptions = {}) {
    this.windowMs = options.windowMs ?? 3_600_000;
    this.maxEvidence = options.maxEvidence ?? 25;
    this.maxOpen = options.maxOpen ?? 50_000;
  }

  /**
   * Adds a finding of `entry`'s type caused by `event`. With `dismissal` (a suppression rule
   * matched), a new alert is raised already dismissed, so it is kept and counted, not lost.
   */
  add(entry: CatalogEntry, summary: string, finding: Finding, event: VigilEvent, dismissal?: StatusChange): void {
    // A detection's own key names things inside one cluster: the same key in two clusters is two
    // alerts (the default key starts with the cluster already).
    const key = `${entry.type}|${finding.key === undefined ? defaultKey(finding.entities) : `${event.cluster ?? ''}|${finding.key}`}`;
    const seenKey = `${key}|${event.id}`;
    if (this.seen.has(seenKey)) return;
    this.seen.set(seenKey, true);
    if (this.seen.size > MAX_SEEN_EVIDENCE) this.seen.delete(this.seen.keys().next().value as string);
    const existing = this.open.get(key);
    if (existing && event.time <= existing.windowEndMs && event.time >= existing.firstMs - this.windowMs) {
      this.repeat(existing, finding, event);
      return;
    }
    if (existing) this.close(key, existing);
    if (this.open.size >= this.maxOpen) {
      const [oldestKey, oldest] = this.open.entries().next().value as [string, OpenAlert];
      this.close(oldestKey, oldest);
    }
    const evidence = [...(finding.related ?? []), event].map(evidenceOf).slice(-this.maxEvidence);
    const alert: Alert = {
      id: createHash('sha256').update(`${key}|${event.id}`).digest('hex').slice(0, 32),
      type: entry.type,
      title: entry.title,
      description: `${asSentence(renderSummary(summary, finding.facts))} ${entry.what}`,
      severity: entry.severity,
      tactics: entry.tactics,
      techniques: entry.techniques,
      firstSeen: isoTime(Math.min(event.time, ...(finding.related ?? []).map((e) => e.time))),
      lastSeen: isoTime(event.time),
      count: 1,
      status: 'active',
      entities: prune(finding.entities),
      evidence,
      remediation: entry.remediation,
    };
    if (dismissal) {
      alert.status = dismissal.status;
      alert.statusChange = dismissal;
    }
    const open: OpenAlert = { alert, firstMs: Date.parse(alert.firstSeen), lastMs: event.time, windowEndMs: event.time + this.windowMs };
    this.open.set(key, open);
    this.raised++;
    this.options.onRaise?.(alert);
  }

  private repeat(open: OpenAlert, finding: Finding, event: VigilEvent): void {
    const { alert } = open;
    alert.count++;
    // Out-of-order events widen the range on either side.
    if (event.time < open.firstMs) {
      open.firstMs = event.time;
      alert.firstSeen = isoTime(event.time);
    }
    if (event.time > open.lastMs) {
      open.lastMs = event.time;
      alert.lastSeen = isoTime(event.time);
    }
    if (alert.evidence.length < this.maxEvidence) alert.evidence.push(evidenceOf(event));
    const sourceIPs = finding.entities.sourceIPs;
    if (sourceIPs && alert.entities.sourceIPs) {
      for (const ip of sourceIPs) if (!alert.entities.sourceIPs.includes(ip) && alert.entities.sourceIPs.length < 20) alert.entities.sourceIPs.push(ip);
    }
  }

  private close(key: string, open: OpenAlert): void {
    this.open.delete(key);
    this.options.onClose?.(open.alert);
  }

  /** Closes windows that ended before `nowMs` (event time), for live use. */
  expire(nowMs: number): void {
    for (const [key, open] of this.open) if (open.windowEndMs < nowMs) this.close(key, open);
  }

  /** The alerts still open (their counts so far), for a store that shows live counts. */
  openAlerts(): IterableIterator<Alert> {
    return [...this.open.values()].map((o) => o.alert).values();
  }

  snapshot(): AggregatorSnapshot {
    return { open: [...this.open], seen: [...this.seen.keys()], raised: this.raised };
  }

  /** Replaces this aggregator's open alerts and counted evidence with a snapshot's. */
  restore(snapshot: AggregatorSnapshot): void {
    this.open.clear();
    for (const [key, open] of snapshot.open) this.open.set(key, open);
    this.seen.clear();
    for (const key of snapshot.seen) this.seen.set(key, true);
    this.raised = snapshot.raised;
  }

  /** Closes every open alert (end of input). */
  flush(): void {
    for (const [key, open] of [...this.open]) this.close(key, open);
  }
}

/** Drops undefined and empty fields so the JSON shows only the entities that apply. */
function prune(entities: AlertEntities): AlertEntities {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entities)) {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as AlertEntities;
}
