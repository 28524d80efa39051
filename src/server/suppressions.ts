/**
 * @module server/suppressions
 * The analyser's suppression rules: those of vigil.yaml (read-only here) and those added through
 * the API (kept in the store). Matching is the exceptions' (same fields, wildcards, expiry); the
 * difference is the outcome: a suppressed alert is raised dismissed, naming its rule, and counted.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AlertEntities, StatusChange } from '../alerts/alert.js';
import { ExceptionSet, type ExceptionSpec } from '../alerts/exceptions.js';
import type { VigilEvent } from '../events/model.js';
import { SUPPRESSION_PREFIX, type Store, type StoredSuppression } from '../store/store.js';

export interface SuppressionRule extends StoredSuppression {
  source: 'config' | 'api';
}

/** A stable id for a rule of vigil.yaml, so alerts keep naming it across restarts. */
function configId(spec: ExceptionSpec): string {
  return 'config-' + createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 12);
}

export class Suppressions {
  private rules: SuppressionRule[] = [];
  private set = new ExceptionSet([]);
  private readonly idOf = new Map<ExceptionSpec, string>();

  private constructor(
    private readonly store: Store,
    private readonly configRules: readonly SuppressionRule[],
  ) {}

  static async load(store: Store, fromConfig: readonly ExceptionSpec[]): Promise<Suppressions> {
    const startedAt = new Date().toISOString();
    const configRules = fromConfig.map((spec): SuppressionRule => ({ id: configId(spec), spec, source: 'config', createdBy: 'vigil.yaml', createdAt: startedAt }));
    const suppressions = new Suppressions(store, configRules);
    await suppressions.reload();
    return suppressions;
  }

  /** Reads the store's rules again (an analyser picks up rules added through another's API). */
  async reload(): Promise<void> {
    const stored = await this.store.listSuppressions();
    this.rules = [...this.configRules, ...stored.map((s): SuppressionRule => ({ ...s, source: 'api' }))];
    this.set = new ExceptionSet(this.rules.map((r) => r.spec));
    this.idOf.clear();
    for (const r of this.rules) this.idOf.set(r.spec, r.id);
  }

  list(): readonly SuppressionRule[] {
    return this.rules;
  }

  get(id: string): SuppressionRule | undefined {
    return this.rules.find((r) => r.id === id);
  }

  /** The dismissal for a finding a rule matches (expired rules do not match). */
  match(type: string, entities: AlertEntities, event: VigilEvent): StatusChange | undefined {
    if (!this.rules.length) return undefined;
    const spec = this.set.match(type, entities, event);
    if (!spec) return undefined;
    return { status: 'dismissed', by: SUPPRESSION_PREFIX + this.idOf.get(spec)!, at: new Date().toISOString(), reason: spec.reason };
  }

  async add(spec: ExceptionSpec, createdBy: string): Promise<SuppressionRule> {
    const rule: StoredSuppression = { id: 's-' + randomUUID(), spec, createdBy, createdAt: new Date().toISOString() };
    await this.store.addSuppression(rule);
    await this.reload();
    return { ...rule, source: 'api' };
  }

  /** 'config' when the rule is vigil.yaml's (change it there), false when there is none. */
  async remove(id: string): Promise<true | false | 'config'> {
    if (this.configRules.some((r) => r.id === id)) return 'config';
    const removed = await this.store.deleteSuppression(id);
    if (removed) await this.reload();
    return removed;
  }
}
