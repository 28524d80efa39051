/**
 * @module engine/live
 * The engine for unbounded streams (the agent, later the analyser): an alert is written when it is
 * first raised, and once more when its aggregation window closes if repeats joined it, so a flood
 * of the same behaviour is one alert line plus one update — not a line per event.
 */
import type { Alert } from '../alerts/alert.js';
import { ExceptionSet, type ExceptionSpec } from '../alerts/exceptions.js';
import { loadCatalog, type Catalog } from '../catalog/catalog.js';
import { loadDetections } from '../detections/registry.js';
import type { VigilEvent } from '../events/model.js';
import { Indicators, type IndicatorExtensions } from '../indicators/indicators.js';
import type { AnyDetection, DetectionSettings } from './detection.js';
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
  /** User rules (src/rules): their detections run beside the built-in ones. */
  rules?: UserRules;
}

/** What user rules bring to an engine: their detections, and the catalogue that knows their types. */
export interface UserRules {
  detections: readonly AnyDetection[];
  catalog: Catalog;
}

export class LiveEngine {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly engine: Engine,
    private readonly builtins: readonly AnyDetection[],
    private readonly tickMs: number,
  ) {}

  static async create(options: LiveEngineOptions): Promise<LiveEngine> {
    const builtins = await loadDetections();
    const engine = new Engine({
      detections: [...builtins, ...(options.rules?.detections ?? [])],
      catalog: options.rules?.catalog ?? loadCatalog(),
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
    return new LiveEngine(engine, builtins, options.tickMs ?? 10_000);
  }

  /** Swaps in a new set of user rules; learned state and open alerts carry over. */
  setRules(rules: UserRules): void {
    this.engine.setDetections([...this.builtins, ...rules.detections], rules.catalog);
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
