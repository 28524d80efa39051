/**
 * @module scan/scan
 * `vigil scan` as a function: read inputs → decode → engine → alerts, with the counts the summary
 * shows. The CLI, the fixture harness and the benchmark all run this same pipeline.
 */
import type { Alert } from '../alerts/alert.js';
import { ExceptionSet, type ExceptionSpec } from '../alerts/exceptions.js';
import { loadCatalog, type Catalog } from '../catalog/catalog.js';
import type { AnyDetection, DetectionSettings } from '../engine/detection.js';
import { Engine } from '../engine/engine.js';
import { SqliteStateFile } from '../engine/state/sqlite-file.js';
import { MemoryState } from '../engine/state/store.js';
import type { VigilEvent } from '../events/model.js';
import { Indicators } from '../indicators/indicators.js';
import { loadDetections } from '../detections/registry.js';
import { listInputs, readInput } from '../sources/input/read.js';
import type { DecodeIssue, DecoderSink, SourceFormat } from '../sources/format.js';
import { originText } from '../sources/format.js';
import { FORMATS } from '../sources/registry.js';

export interface ScanOptions {
  paths: readonly string[];
  /** 'auto' (default) or a format name. */
  format?: string;
  /** SQLite file for learned state, read before and written after. */
  statePath?: string;
  settings?: Readonly<Record<string, DetectionSettings>>;
  exceptions?: readonly ExceptionSpec[];
  indicators?: Indicators;
  detections?: readonly AnyDetection[];
  /** User rules (rules/ruleset.ts): their detections run beside the others, their catalogue entries join it. */
  rules?: { detections: readonly AnyDetection[]; catalog: Catalog };
  catalog?: Catalog;
  /** Events already decoded (inline rule examples), replayed before the paths. */
  events?: readonly VigilEvent[];
  /** Called for each finding an exception silences (dry runs report them). */
  onSilence?: (spec: ExceptionSpec, type: string, event: VigilEvent) => void;
  formats?: readonly SourceFormat[];
  cluster?: string;
  maxLineBytes?: number;
  /** Called once the inputs are listed, with their total size (for a progress bar). */
  onStart?: (totalBytes: number) => void;
  /** Bytes read (compressed), as they are read. */
  onBytes?: (bytes: number) => void;
  /** Every decoded event, before detection (used by tests and `--dry-run` tooling). */
  onEvent?: (event: VigilEvent) => void;
  /** Sources read before the files, such as the live cluster's objects (`--live`). */
  readers?: readonly { name: string; read(sink: DecoderSink): Promise<void> }[];
}

export interface ScanStats {
  files: number;
  /** Total input size, for progress (0 when reading stdin). */
  totalBytes: number;
  eventsRead: number;
  byKind: Record<string, number>;
  rejected: number;
  /** The first reasons, with file and line. */
  firstRejections: string[];
  formats: Record<string, string>;
  alertsByType: Record<string, number>;
  alertsBySeverity: Record<string, number>;
  detectionErrors: number;
  firstDetectionErrors: string[];
  stateEvictions: number;
  /** Findings silenced by exceptions, by alert type. */
  suppressed: Record<string, number>;
  /** Exceptions past their expiry, with how many findings they no longer silenced. */
  expiredExceptions: { type: string; reason: string; expires: string; hits: number }[];
  durationMs: number;
}

export interface ScanResult {
  alerts: Alert[];
  stats: ScanStats;
  /** Inputs that could not be read at all (missing, unreadable, unknown format). */
  fileErrors: { path: string; reason: string }[];
}

const MAX_REASONS = 10;

export async function scan(options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const fileErrors: ScanResult['fileErrors'] = [];
  const inputs = listInputs(options.paths, (path, reason) => fileErrors.push({ path, reason }));
  const state = new MemoryState();
  const stateFile = options.statePath ? new SqliteStateFile(options.statePath) : undefined;
  stateFile?.loadInto(state);
  const alerts: Alert[] = [];
  const engine = new Engine({
    detections: [...(options.detections ?? (await loadDetections())), ...(options.rules?.detections ?? [])],
    catalog: options.rules?.catalog ?? options.catalog ?? loadCatalog(),
    state,
    indicators: options.indicators ?? new Indicators(),
    settings: options.settings,
    exceptions: new ExceptionSet(options.exceptions ?? [], Date.now, options.onSilence),
    aggregation: { onClose: (alert) => alerts.push(alert) },
  });
  const stats: ScanStats = {
    files: inputs.length,
    totalBytes: inputs.reduce((n, i) => n + i.size, 0),
    eventsRead: 0,
    byKind: {},
    rejected: 0,
    firstRejections: [],
    formats: {},
    alertsByType: {},
    alertsBySeverity: {},
    detectionErrors: 0,
    firstDetectionErrors: [],
    stateEvictions: 0,
    suppressed: {},
    expiredExceptions: [],
    durationMs: 0,
  };
  const sink = {
    event(event: VigilEvent) {
      stats.eventsRead++;
      options.onEvent?.(event);
      engine.process(event);
    },
    issue(issue: DecodeIssue) {
      stats.rejected++;
      if (stats.firstRejections.length < MAX_REASONS) stats.firstRejections.push(`${originText(issue.origin)}: ${issue.reason}`);
    },
  };
  options.onStart?.(stats.totalBytes);
  for (const event of options.events ?? []) sink.event(event);
  for (const reader of options.readers ?? []) {
    try {
      await reader.read(sink);
      stats.formats[reader.name] = reader.name;
    } catch (error) {
      fileErrors.push({ path: reader.name, reason: (error as Error).message });
    }
  }
  for (const input of inputs) {
    try {
      await readInput(input, {
        format: options.format ?? 'auto',
        formats: options.formats ?? FORMATS,
        sink,
        decoderOptions: { cluster: options.cluster },
        maxLineBytes: options.maxLineBytes,
        onBytes: options.onBytes,
        onFormat: (file, format) => (stats.formats[file] = format),
      });
    } catch (error) {
      fileErrors.push({ path: input.path === '-' ? 'stdin' : input.path, reason: (error as Error).message });
    }
  }
  engine.flush();
  if (stateFile) {
    stateFile.save(state);
    stateFile.close();
  }
  alerts.sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.type.localeCompare(b.type));
  for (const alert of alerts) {
    stats.alertsByType[alert.type] = (stats.alertsByType[alert.type] ?? 0) + 1;
    stats.alertsBySeverity[alert.severity] = (stats.alertsBySeverity[alert.severity] ?? 0) + 1;
  }
  stats.byKind = engine.stats.byKind;
  stats.detectionErrors = engine.stats.detectionErrors;
  stats.firstDetectionErrors = engine.stats.firstDetectionErrors;
  stats.stateEvictions = state.evictions();
  stats.suppressed = engine.exceptions.suppressed;
  stats.expiredExceptions = engine.exceptions.expired().map((spec) => ({
    type: spec.type,
    reason: spec.reason,
    expires: spec.expires!.toISOString(),
    hits: engine.exceptions.expiredHits.get(spec) ?? 0,
  }));
  stats.durationMs = performance.now() - started;
  return { alerts, stats, fileErrors };
}
