/**
 * K8S_AbnormalMiActivity — a cloud identity that belongs to the cluster's add-ons or pods did a
 * cloud control-plane operation outside its learnt behaviour.
 *
 * Which identities: on Azure the managed identities AKS creates for add-ons and the kubelet,
 * recognised by the `xms_mirid` claim (a user-assigned identity) and its name
 * (data/indicators/aks-addon-identities.yaml: `omsagent-<cluster>`, `<cluster>-agentpool`…); on
 * AWS the roles assumed for pods, recognised by IRSA's web-identity provider, EKS Pod Identity's
 * `pods.eks.amazonaws.com` and its `eks-` session names (data/indicators/eks-pod-identities.yaml).
 * An identity a source already marked (`identity.addon`) is taken as such.
 *
 * Per identity a baseline of operations is learnt from event time: for its first `learningHours`
 * (from the earliest record seen for it; older records arriving late move the start back) it only
 * learns. Afterwards an operation outside the baseline fires once and joins it. Rare operations of
 * one identity within the aggregation window make one alert with a count.
 *
 * Azure writes a Start (or Accepted) record when a long operation begins and a Success or Failure
 * record when it ends: only the outcome is judged, so one operation is one piece of evidence.
 * Failed and refused operations count as their own operation ("… (failed)") and fire: a stolen
 * token probing what it may do fails, and that is the signal. A later success fires again.
 *
 * State: table `abnormal-mi-activity.baseline`, at most `maxIdentities` identities of at most
 * `maxOperationsPerIdentity` operations (oldest learnt dropped).
 */
import { defineDetection } from '../../engine/detection.js';
import type { CloudActivityEvent } from '../../events/model.js';
import type { Indicators } from '../../indicators/indicators.js';
import { numberSetting } from './lib/audit-request.js';

const HOUR_MS = 3_600_000;
/** Azure's records of an operation that has begun but not ended. */
const NOT_AN_OUTCOME = /^(start|accept)/i;
const USER_ASSIGNED = '/providers/microsoft.managedidentity/userassignedidentities/';

interface Baseline {
  first: number;
  ops: string[];
}

export interface Recognised {
  addon: string;
  /** Cluster name when the identity's name carries it. */
  cluster?: string;
}

function field(entry: { [k: string]: unknown }, name: string): string {
  return typeof entry[name] === 'string' ? (entry[name] as string) : '';
}

/** Whether this identity belongs to a cluster add-on or a pod, and which. */
export function recogniseIdentity(event: CloudActivityEvent, indicators: Indicators): Recognised | undefined {
  const identity = event.identity;
  if (identity.addon) return { addon: identity.addon };
  const claims = identity.claims ?? {};
  if (event.provider === 'azure') {
    const mirid = (claims.xms_mirid ?? '').toLowerCase();
    const at = mirid.indexOf(USER_ASSIGNED);
    if (at < 0) return undefined;
    const name = mirid.slice(at + USER_ASSIGNED.length);
    for (const entry of indicators.list('aks-addon-identities').entries) {
      const value = entry.value.toLowerCase();
      const match = field(entry, 'match');
      if (match === 'namePrefix' && name.startsWith(value) && name.length > value.length) return { addon: field(entry, 'addon'), cluster: name.slice(value.length) };
      if (match === 'nameSuffix' && name.endsWith(value) && name.length > value.length) return { addon: field(entry, 'addon'), cluster: name.slice(0, -value.length) };
    }
    return undefined;
  }
  if (identity.type !== 'web-identity' && identity.type !== 'assumed-role') return undefined;
  for (const entry of indicators.list('eks-pod-identities').entries) {
    const match = field(entry, 'match');
    if (match === 'federatedProvider' && (claims.federatedProvider ?? '').includes(entry.value)) return { addon: field(entry, 'addon') };
    if (match === 'invokedBy' && claims.invokedBy === entry.value) return { addon: field(entry, 'addon') };
    if (match === 'sessionPrefix' && (claims.sessionName ?? '').startsWith(entry.value)) return { addon: field(entry, 'addon') };
  }
  return undefined;
}

export default defineDetection({
  type: 'K8S_AbnormalMiActivity',
  kinds: ['cloud.activity'],
  summary: '{identity} ({addon}) did what it had not done since {since}: {operation} on {resource}; it had {known} known operations.',
  defaults: { learningHours: 168, maxOperationsPerIdentity: 512, maxIdentities: 10_000 },
  detect(event, ctx) {
    if (NOT_AN_OUTCOME.test(event.status ?? '')) return undefined;
    const recognised = recogniseIdentity(event, ctx.indicators);
    if (!recognised) return undefined;
    const op = `${event.operation}${event.success ? '' : ' (failed)'}`;
    const key = `${event.provider}|${event.identity.id}`;
    const table = ctx.state.table<Baseline>('abnormal-mi-activity.baseline', { maxEntries: numberSetting(ctx.settings, 'maxIdentities') });
    const baseline = table.get(key);
    if (!baseline) {
      table.set(key, { first: event.time, ops: [op] });
      return undefined;
    }
    const known = baseline.ops.includes(op);
    if (known && event.time >= baseline.first) return undefined;
    table.set(key, { first: Math.min(baseline.first, event.time), ops: known ? baseline.ops : [...baseline.ops, op].slice(-numberSetting(ctx.settings, 'maxOperationsPerIdentity')) });
    if (known || event.time < baseline.first + numberSetting(ctx.settings, 'learningHours') * HOUR_MS) return undefined;
    const identity = event.identity;
    return {
      entities: {
        cluster: event.cluster ?? recognised.cluster,
        user: identity.name ?? identity.id,
        serviceAccount: identity.serviceAccount,
        identity: { id: identity.id, name: identity.name, type: identity.type, addon: recognised.addon },
        sourceIPs: event.callerIp ? [event.callerIp] : undefined,
        userAgent: event.userAgent,
      },
      facts: {
        identity: identity.name ?? identity.id,
        addon: recognised.addon,
        since: new Date(baseline.first).toISOString(),
        operation: op,
        resource: event.resource ?? '(no resource)',
        known: baseline.ops.length,
      },
      key: `mi|${key}`,
    };
  },
});
