/**
 * K8S_ServiceAccountRareOperation — a service account did something it does not usually do.
 *
 * Per service account (the acting identity: the impersonated one when impersonation is used) a
 * baseline of operations is learned from event time: (verb, group/resource/subresource, scope),
 * scope being its own namespace, another namespace, or cluster-wide (no namespace: cluster
 * resources and lists across all namespaces). For the first `learningHours` of an account's
 * history (from the earliest event time seen for it, so late-arriving older events move the start
 * back) it only learns. Afterwards an operation outside the baseline fires once and joins it.
 * Rare operations of one account within the aggregation window are one alert with a count.
 *
 * Refused requests fire too, as their own operation ("… (denied)"): a stolen token probing what it
 * may do is exactly this, and a later success of the same operation fires again.
 * Not operations: requests without an object (/version, /api and /apis discovery, /healthz,
 * /openapi) and self-reviews (selfsubjectaccessreviews, selfsubjectrulesreviews,
 * selfsubjectreviews), which every client library makes. RequestReceived stages are skipped: the
 * same request's ResponseComplete says how it ended.
 *
 * State: table `sa-rare-operation.baseline`, at most `maxAccounts` accounts (least recently
 * changed evicted first) of at most `maxOperationsPerAccount` operations (oldest learned dropped).
 */
import { auditEntities, serviceAccountOf } from '../../alerts/entities.js';
import { defineDetection } from '../../engine/detection.js';
import type { K8sAuditEvent } from '../../events/model.js';
import { actingUser, hasOutcome, numberSetting, refused } from './lib/audit-request.js';

const HOUR_MS = 3_600_000;
const SELF_REVIEWS = new Set(['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']);

export interface Baseline {
  /** Earliest event time seen for the account (ms). */
  first: number;
  /** Operations learned, oldest first. */
  ops: string[];
}

/** The operation a request is, as learned and compared; undefined for discovery noise. */
export function operationOf(event: K8sAuditEvent, accountNamespace: string): string | undefined {
  const ref = event.objectRef;
  if (!ref || !ref.resource || SELF_REVIEWS.has(ref.resource)) return undefined;
  const scope = !ref.namespace ? 'cluster-wide' : ref.namespace === accountNamespace ? 'in its namespace' : 'in another namespace';
  const resource = `${ref.apiGroup ? ref.apiGroup + '/' : ''}${ref.resource}${ref.subresource ? '/' + ref.subresource : ''}`;
  return `${event.verb} ${resource} ${scope}${refused(event) ? ' (denied)' : ''}`;
}

export default defineDetection({
  type: 'K8S_ServiceAccountRareOperation',
  kinds: ['k8s.audit'],
  summary: 'Service account {serviceAccount} did what it had not done in its history since {since}: {operation} ({target}); it had {known} known operations.',
  defaults: { learningHours: 24, maxOperationsPerAccount: 256, maxAccounts: 20_000 },
  detect(event, ctx) {
    if (!hasOutcome(event)) return undefined;
    const account = serviceAccountOf(actingUser(event));
    if (!account) return undefined;
    const op = operationOf(event, account.slice(0, account.indexOf('/')));
    if (!op) return undefined;
    const table = ctx.state.table<Baseline>('sa-rare-operation.baseline', { maxEntries: numberSetting(ctx.settings, 'maxAccounts') });
    const maxOps = numberSetting(ctx.settings, 'maxOperationsPerAccount');
    const baseline = table.get(account);
    if (!baseline) {
      table.set(account, { first: event.time, ops: [op] });
      return undefined;
    }
    const known = baseline.ops.includes(op);
    // The common case, a known operation in time order, costs a lookup and writes nothing.
    if (known && event.time >= baseline.first) return undefined;
    table.set(account, { first: Math.min(baseline.first, event.time), ops: known ? baseline.ops : [...baseline.ops, op].slice(-maxOps) });
    const learning = event.time < baseline.first + numberSetting(ctx.settings, 'learningHours') * HOUR_MS;
    if (learning || known) return undefined;
    const entities = auditEntities(event);
    const ref = event.objectRef!;
    return {
      entities,
      facts: {
        serviceAccount: account,
        since: new Date(baseline.first).toISOString(),
        operation: op,
        target: `${ref.namespace ? ref.namespace + '/' : ''}${ref.name ?? '(all)'}`,
        known: baseline.ops.length,
      },
      key: `sa-rare|${account}`,
    };
  },
});
