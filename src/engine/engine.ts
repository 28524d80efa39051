/**
 * @module engine/engine
 * Detect: enrich each event with what the cluster's inventory knows, hand it to the detections
 * that asked for its kind (and, for audit events, its verb and resource), and turn their findings
 * into alerts. Indexing means a new detection costs nothing to events it does not want.
 */
import { AlertAggregator, type AggregatorOptions } from '../alerts/aggregator.js';
import type { AlertEntities, StatusChange } from '../alerts/alert.js';
import { ExceptionSet } from '../alerts/exceptions.js';
import type { Catalog } from '../catalog/catalog.js';
import type { EventKind, K8sAuditEvent, ProcessExecEvent, VigilEvent } from '../events/model.js';
import type { Indicators } from '../indicators/indicators.js';
import { StateInventory } from '../inventory/inventory.js';
import type { AnyDetection, DetectionContext, DetectionSettings, Finding } from './detection.js';
import { ExecScreens } from './screen.js';
import type { MemoryState } from './state/store.js';

export const DEFAULT_CLUSTER = 'default';

export interface EngineOptions {
  detections: readonly AnyDetection[];
  catalog: Catalog;
  state: MemoryState;
  indicators: Indicators;
  /** Per alert type: settings overriding the detection's defaults. */
  settings?: Readonly<Record<string, DetectionSettings>>;
  aggregation?: AggregatorOptions;
  /** Findings to silence (counted in `exceptions.suppressed`). */
  exceptions?: ExceptionSet;
  /**
   * Suppression (the analyser's rules from its store and API): unlike an exception, a suppressed
   * finding still becomes an alert, raised with this status change (dismissed).
   */
  suppress?: (type: string, entities: AlertEntities, event: VigilEvent) => StatusChange | undefined;
  /**
   * Apply detections' exec screens (default true). Off, every exec reaches every exec detection:
   * the reference the screens are tested against.
   */
  screens?: boolean;
}

export interface EngineStats {
  events: number;
  byKind: Record<string, number>;
  findings: number;
  /** Detections that threw: counted, first messages kept; the event still went to the others. */
  detectionErrors: number;
  firstDetectionErrors: string[];
  /** Exec events a detection's screen kept from it (reading them would have found nothing). */
  screenedOut: number;
}

const MAX_AUDIT_BUCKETS = 10_000;

export class Engine {
  readonly aggregator: AlertAggregator;
  readonly exceptions: ExceptionSet;
  readonly stats: EngineStats = { events: 0, byKind: {}, findings: 0, detectionErrors: 0, firstDetectionErrors: [], screenedOut: 0 };
  private byKind = new Map<EventKind, AnyDetection[]>();
  private auditDetections: AnyDetection[] = [];
  private readonly auditBuckets = new Map<string, AnyDetection[]>();
  private readonly contexts = new Map<string, { inventory: StateInventory; perDetection: Map<AnyDetection, DetectionContext> }>();
  private settings = new Map<AnyDetection, DetectionSettings>();
  private detections: readonly AnyDetection[] = [];
  private catalog: Catalog;
  /** Over the exec detections' screens (undefined: none screens, or screens are off). */
  private execScreens: ExecScreens | undefined;

  constructor(private readonly options: EngineOptions) {
    this.catalog = options.catalog;
    this.setDetections(options.detections, options.catalog);
    this.aggregator = new AlertAggregator(options.aggregation);
    this.exceptions = options.exceptions ?? new ExceptionSet([]);
  }

  /**
   * Replaces the detections (user rules reloaded while running) and the catalogue that describes
   * them. Learned state, the inventory and open alerts are kept: they live in the state store and
   * the aggregator, not in the index.
   */
  setDetections(detections: readonly AnyDetection[], catalog: Catalog): void {
    const byKind = new Map<EventKind, AnyDetection[]>();
    const settings = new Map<AnyDetection, DetectionSettings>();
    for (const detection of detections) {
      if (!catalog.has(detection.type)) throw new Error(`detection for unknown alert type '${detection.type}'`);
      settings.set(detection, { ...detection.defaults, ...this.options.settings?.[detection.type] });
      for (const kind of detection.kinds) {
        if (kind === 'k8s.audit') continue;
        byKind.set(kind, [...(byKind.get(kind) ?? []), detection]);
      }
    }
    this.detections = detections;
    this.catalog = catalog;
    this.byKind = byKind;
    this.settings = settings;
    this.auditDetections = detections.filter((d) => d.kinds.includes('k8s.audit'));
    this.auditBuckets.clear();
    this.contexts.clear();
    this.execScreens = this.buildExecScreens(byKind.get('process.exec') ?? []);
  }

  /** The exec detections' screens, unless none has one or screens are off. */
  private buildExecScreens(execDetections: readonly AnyDetection[]): ExecScreens | undefined {
    if (this.options.screens === false || !execDetections.some((d) => d.screen)) return undefined;
    return new ExecScreens(
      execDetections.map((d) => d.screen),
      this.options.indicators,
    );
  }

  /** The detections an audit event with this verb and resource reaches, memoised per pair. */
  private auditBucket(event: K8sAuditEvent): AnyDetection[] {
    const ref = event.objectRef;
    const resource = ref ? (ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource) : '';
    const key = `${event.verb}|${resource}`;
    let bucket = this.auditBuckets.get(key);
    if (bucket) return bucket;
    bucket = this.auditDetections.filter(
      (d) => (!d.audit?.verbs || d.audit.verbs.includes(event.verb)) && (!d.audit?.resources || d.audit.resources.includes(resource)),
    );
    // Verbs and resources come from the input: bound the memo so crafted names cannot grow it.
    if (this.auditBuckets.size < MAX_AUDIT_BUCKETS) this.auditBuckets.set(key, bucket);
    return bucket;
  }

  private clusterContext(cluster: string) {
    let context = this.contexts.get(cluster);
    if (!context) {
      const state = this.options.state.forCluster(cluster);
      context = { inventory: new StateInventory(state), perDetection: new Map() };
      for (const detection of this.detections) {
        context.perDetection.set(detection, {
          state,
          inventory: context.inventory,
          indicators: this.options.indicators,
          settings: this.settings.get(detection)!,
        });
      }
      this.contexts.set(cluster, context);
    }
    return context;
  }

  /** The inventory of a cluster (for snapshots and live object readers). */
  inventory(cluster = DEFAULT_CLUSTER): StateInventory {
    return this.clusterContext(cluster).inventory;
  }

  process(event: VigilEvent): void {
    this.stats.events++;
    this.stats.byKind[event.kind] = (this.stats.byKind[event.kind] ?? 0) + 1;
    const context = this.clusterContext(event.cluster ?? DEFAULT_CLUSTER);
    const detections = event.kind === 'k8s.audit' ? this.auditBucket(event) : (this.byKind.get(event.kind) ?? []);
    const screens = event.kind === 'process.exec' ? this.execScreens : undefined;
    screens?.scan(event as ProcessExecEvent);
    for (let i = 0; i < detections.length; i++) {
      const detection = detections[i]!;
      if (screens && !screens.textPasses(i)) {
        const also = detection.screen?.also;
        if (!also?.(event as ProcessExecEvent, context.perDetection.get(detection)!)) {
          this.stats.screenedOut++;
          continue;
        }
      }
      let result: Finding | readonly Finding[] | undefined;
      try {
        result = detection.detect(event as never, context.perDetection.get(detection)!);
      } catch (error) {
        this.stats.detectionErrors++;
        if (this.stats.firstDetectionErrors.length < 5) {
          this.stats.firstDetectionErrors.push(`${detection.type} on ${event.origin ?? event.id}: ${(error as Error).message}`);
        }
        continue;
      }
      if (!result) continue;
      const findings = Array.isArray(result) ? (result as readonly Finding[]) : [result as Finding];
      const entry = this.catalog.get(detection.type)!;
      for (const finding of findings) {
        this.stats.findings++;
        if (this.exceptions.specs.length && this.exceptions.match(detection.type, finding.entities, event)) continue;
        this.aggregator.add(entry, detection.summary, finding, event, this.options.suppress?.(detection.type, finding.entities, event));
      }
    }
    // After detection, so detections see the object as it was before this request (and compute
    // the result with inventory.resultOf) and can tell what the request changed.
    if (event.kind === 'k8s.audit') context.inventory.applyAuditEvent(event);
    else if (event.kind === 'k8s.object') context.inventory.applyObjectEvent(event);
  }

  /** End of input: every open alert is closed and reported. */
  flush(): void {
    this.aggregator.flush();
  }
}
