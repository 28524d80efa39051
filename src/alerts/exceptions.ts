/**
 * @module alerts/exceptions
 * Tuning is data: an exception silences one alert type (or all, `*`) where every field it names
 * matches — namespace, workload, image, process path, command line, user… (wildcards `*` and `?`)
 * — with a reason, and optionally until an expiry. What an exception silences is counted by type,
 * never lost without trace; an expired exception stops applying and is reported.
 */
import { z } from 'zod';
import { ALERT_TYPE } from '../catalog/catalog.js';
import type { VigilEvent } from '../events/model.js';
import { isNodeEvent } from '../events/model.js';
import type { AlertEntities } from './alert.js';
import { globMatch } from './glob.js';

export const MATCH_FIELDS = ['cluster', 'namespace', 'workload', 'pod', 'container', 'image', 'node', 'user', 'serviceAccount', 'processPath', 'commandLine', 'parentPath', 'file', 'remoteAddress', 'resourceKind', 'resourceName', 'sourceIP'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export const exceptionSchema = z.object({
  /** Alert type, or '*' for every type. */
  type: z.string().refine((t) => t === '*' || ALERT_TYPE.test(t), "an alert type such as K8S_PrivilegedContainer or a rule id such as USER_ExecFromDevShm, or '*'"),
  reason: z.string().min(3, 'say why this is benign'),
  expires: z.coerce.date().optional(),
  match: z
    .partialRecord(z.enum(MATCH_FIELDS), z.union([z.string(), z.array(z.string()).min(1)]))
    .refine((m) => Object.keys(m).length > 0, 'an exception must match at least one field'),
});
export type ExceptionSpec = z.infer<typeof exceptionSchema>;

/** The value of a match field for an alert's entities and the event that caused it. */
function fieldValues(field: MatchField, entities: AlertEntities, event: VigilEvent): (string | undefined)[] {
  switch (field) {
    case 'processPath':
      return [entities.process?.executable];
    case 'commandLine':
      return [entities.process?.commandLine];
    case 'parentPath':
      return [entities.process?.parent?.executable];
    case 'resourceKind':
      return [entities.resource?.kind];
    case 'resourceName':
      return [entities.resource?.name];
    case 'sourceIP':
      return entities.sourceIPs ?? [];
    case 'workload':
      if (isNodeEvent(event)) return [event.container?.workload];
      return [entities.resource?.name];
    default: {
      const value = entities[field as keyof AlertEntities];
      return [typeof value === 'string' ? value : undefined];
    }
  }
}

export class ExceptionSet {
  /** Silenced findings by alert type. */
  readonly suppressed: Record<string, number> = {};
  /** Exceptions past their expiry that would have matched, by reason (reported once each). */
  readonly expiredHits = new Map<ExceptionSpec, number>();

  constructor(
    readonly specs: readonly ExceptionSpec[],
    private readonly now: () => number = Date.now,
    /** Told of every finding an exception silences (dry runs list them). */
    private readonly onSilence?: (spec: ExceptionSpec, type: string, event: VigilEvent) => void,
  ) {}

  /** The exception that silences this finding, if any. */
  match(type: string, entities: AlertEntities, event: VigilEvent): ExceptionSpec | undefined {
    for (const spec of this.specs) {
      if (spec.type !== '*' && spec.type !== type) continue;
      const all = Object.entries(spec.match).every(([field, wanted]) => {
        const patterns = Array.isArray(wanted) ? wanted : [wanted];
        return fieldValues(field as MatchField, entities, event).some((v) => v !== undefined && patterns.some((p) => globMatch(p, v)));
      });
      if (!all) continue;
      if (spec.expires && spec.expires.getTime() <= this.now()) {
        this.expiredHits.set(spec, (this.expiredHits.get(spec) ?? 0) + 1);
        continue;
      }
      this.suppressed[type] = (this.suppressed[type] ?? 0) + 1;
      this.onSilence?.(spec, type, event);
      return spec;
    }
    return undefined;
  }

  /** Exceptions already expired when loaded, for a warning at start. */
  expired(): ExceptionSpec[] {
    return this.specs.filter((s) => s.expires && s.expires.getTime() <= this.now());
  }
}
