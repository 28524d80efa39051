/**
 * @module engine/live
 * The engine for unbounded streams (the agent, later the analyser): an alert is written when it is
 * first raised, and once more when its aggregation window closes if repeats joined it, so a flood
 * of the same behaviour is one alert line plus one update — not a line per event.
 */
import type { Alert } from '../alerts/alert.js';
import { ExceptionSet, type ExceptionSpec } from '../alerts/exceptions.js';
import { loadCatalog } from '../catalog/catalog.js';
import { loadDetections } from '../detections/registry.js';
import type { VigilEvent } from '../events/model.js';
import { Indicators, type IndicatorExtensions } from '../indicators/indicators.js';
import type { DetectionSettings } from './detection.js';
import { Engine, type EngineOptions } from './engine.js';
import { MemoryState } from './state/store.js';

export interface LiveEngineOptions {
  onAlert: (alert: Alert, update: boolean) => void;
  settings?: Readonly<Record<string, DetectionSettings>>;
  exceptions?: readonly ExceptionSpec[];
  indicators?: IndicatorExtensions;
  /** How often windows are checked for closing (ms). */
  tickMs?: number;
  /** Learned state to start from (the analyser loads it from its data dir). Default: empty. */
  state?: MemoryState;
  suppress?: EngineOptions['suppress'];
}

export class LiveEngine {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly engine: Engine,
    private readonly tickMs: number,
  ) {}

  static async create(options: LiveEngineOptions): Promise<LiveEngine> {
    const engine = new Engine({
      detections: await loadDetections(),
      catalog: loadCatalog(),
      state: options.state ?? new MemoryState(),
      suppress: options.suppress,
      indicators: new Indicators(undefined, options.indicators),
      settings: options.settings,
      exceptions: new ExceptionSet(options.exceptions ?? []),
      aggregation: {
        onRaise: (alert) => options.onAlert(alert, false),
        onClose: (alert) => {
          if (alert.count > 1) options.onAlert(alert, true);
        },
      },
    });
    return new LiveEngine(engine, options.tickMs ?? 10_000);
  }

  start(): void {
    this.timer = setInterval(() => this.engine.aggregator.expire(Date.now()), this.tickMs);
    this.timer.unref();
  }

  process(event: VigilEvent): void {
    this.engine.process(event);
  }

  /** Closes every window (final counts out) and stops the clock. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.engine.flush();
  }
}
