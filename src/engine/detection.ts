/**
 * @module engine/detection
 * What a detection is. One detection per file under src/detections/, exporting it as `default`;
 * the engine discovers them, indexes them by event kind (and for audit events by verb and
 * resource) and hands each only the events it asked for.
 */
import type { AlertEntities } from '../alerts/alert.js';
import type { EventKind, EventOfKind, Severity, VigilEvent } from '../events/model.js';
import type { Indicators } from '../indicators/indicators.js';
import type { Inventory } from '../inventory/inventory.js';
import type { ExecScreen } from './screen.js';
import type { StateStore } from './state/store.js';

/** What a detection found in one event. The engine turns it into an alert (or a repeat of one). */
export interface Finding {
  entities: AlertEntities;
  /** Values for the detection's `summary` template ({name} placeholders). */
  facts: Record<string, string | number | undefined>;
  /**
   * Repeats of the same type with the same key within the aggregation window make one alert.
   * Default: derived from the entities (resource, or container + executable, or user).
   */
  key?: string;
  /** Earlier events that belong to the evidence too (the download before the run). */
  related?: readonly VigilEvent[];
}

export interface DetectionContext {
  /** Bounded, persistable state, already partitioned by the event's cluster. */
  state: StateStore;
  /** The cluster's objects as known from audit events, snapshots and the API. */
  inventory: Inventory;
  indicators: Indicators;
  /** Per-detection settings from configuration (learning periods, windows, thresholds). */
  settings: DetectionSettings;
}

export type DetectionSettings = Readonly<Record<string, unknown>>;

export interface AuditIndex {
  /** Only audit events with one of these verbs reach the detection (default: any). */
  verbs?: readonly string[];
  /** Only these resources ('pods', 'pods/exec', 'services'…; default: any). */
  resources?: readonly string[];
}

export interface Detection<K extends EventKind = EventKind> {
  /** The catalogue's type id, exactly: 'K8S_PrivilegedContainer', 'K8S.NODE_ReverseShell'. */
  readonly type: string;
  readonly kinds: readonly K[];
  /** Finer index for `k8s.audit`: verbs and resources (with '/subresource'). */
  readonly audit?: AuditIndex;
  /**
   * The specific sentence that opens the alert's description, with {fact} placeholders, e.g.
   * 'Container {container} of pod {namespace}/{pod} runs privileged (image {image}).'
   */
  readonly summary: string;
  /**
   * For `process.exec` events: strings one of which every process it fires on contains (see
   * engine/screen); events without any skip the detection unread.
   */
  readonly screen?: ExecScreen;
  /** Settings this detection reads from `ctx.settings`, with defaults (documented in rules list). */
  readonly defaults?: DetectionSettings;
  /**
   * Judge one event. Pure unless the detection keeps state in `ctx.state` (never in module
   * variables): that is what lets state persist across runs and move between machines.
   */
  detect(event: EventOfKind<K>, ctx: DetectionContext): Finding | readonly Finding[] | undefined;
}

/** Helper so detection files get the event type of their kinds inferred. */
export function defineDetection<K extends EventKind>(detection: Detection<K>): Detection<K> {
  return detection;
}

export interface CatalogEntry {
  type: string;
  title: string;
  evidence: 'audit' | 'config' | 'cloud' | 'runtime';
  severity: Severity;
  tactics: string[];
  techniques: string[];
  preview: boolean;
  notes: number[];
  what: string;
  remediation: string;
}

/**
 * A detection of any kinds. `detect`'s event type depends on the kinds through a conditional type,
 * which makes Detection<K> invariant in K; the engine only ever calls a detection with events of
 * its own kinds, so erasing K here is safe.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDetection = Detection<any>;
export type { VigilEvent };
