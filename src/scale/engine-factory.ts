/**
 * @module scale/engine-factory
 * The engine of one partition: detections, catalogue and indicators are loaded once per analyser
 * and shared; learned state and the aggregator are the partition's own, so they can move.
 */
import type { Alert } from '../alerts/alert.js';
import { ExceptionSet, type ExceptionSpec } from '../alerts/exceptions.js';
import { loadCatalog } from '../catalog/catalog.js';
import { loadDetections } from '../detections/registry.js';
import type { DetectionSettings } from '../engine/detection.js';
import { Engine, type EngineOptions } from '../engine/engine.js';
import type { MemoryState } from '../engine/state/store.js';
import { Indicators, type IndicatorExtensions } from '../indicators/indicators.js';

export interface EngineConfig {
  settings?: Readonly<Record<string, DetectionSettings>>;
  exceptions?: readonly ExceptionSpec[];
  indicators?: IndicatorExtensions;
  /** Suppression rules (vigil.yaml and the shared store): the alert is kept, dismissed. */
  suppress?: EngineOptions['suppress'];
}

export type EngineFactory = (state: MemoryState, onAlert: (alert: Alert) => void) => Engine;

export async function partitionEngineFactory(config: EngineConfig = {}): Promise<EngineFactory> {
  const detections = await loadDetections();
  const catalog = loadCatalog();
  const indicators = new Indicators(undefined, config.indicators);
  const exceptions = new ExceptionSet(config.exceptions ?? []);
  return (state, onAlert) =>
    new Engine({ detections, catalog, state, indicators, settings: config.settings, exceptions, suppress: config.suppress, aggregation: { onRaise: onAlert, onClose: onAlert } });
}
