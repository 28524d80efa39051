/**
 * K8S_CoreDnsModification — the cluster DNS configuration was changed: a create, update, patch or
 * delete of one of the DNS ConfigMaps in kube-system (setting `configMaps`):
 *   - `coredns`: the Corefile of upstream CoreDNS, kubeadm, EKS (the add-on manages it too), k3s;
 *   - `coredns-custom`: AKS's (and k3s's) extension ConfigMap, imported into the Corefile;
 *   - `kube-dns`: GKE runs kube-dns rather than CoreDNS, and its `stubDomains` and
 *     `upstreamNameservers` redirect resolution just as a Corefile `forward` does;
 *   - `rke2-coredns-rke2-coredns`: RKE2's chart-managed Corefile.
 * A deletecollection of ConfigMaps in kube-system takes them with it and fires too.
 *
 * The cluster's own add-on managers rewrite these on upgrades; their identities are the setting
 * `trustedUpdaters` (defaults: GKE/GCE's `system:addon-manager`, EKS's `eks:addon-manager`, AKS's
 * control-plane user `aksService`). They are trusted only when acting in their own name, never
 * when impersonated.
 *
 * ConfigMap bodies are usually logged at Metadata level only: such an event still fires, saying
 * the content was not logged. When the body is there, the alert says which lines changed,
 * against the ConfigMap as the inventory last knew it, plugins that redirect names (`forward`,
 * `rewrite`, `hosts`, `template`, `file`…) first.
 *
 * A refused or failed request changed nothing and does not fire.
 */
import { auditEntities } from '../../alerts/entities.js';
import { defineDetection } from '../../engine/detection.js';
import type { K8sObject } from '../../events/model.js';
import { isRecord } from '../../inventory/pod-spec.js';
import { byTrustedIdentity, stringListSetting, succeeded } from './lib/audit-request.js';

const NAMESPACE = 'kube-system';
/** Corefile plugins (and kube-dns keys) that send names elsewhere: listed first in a change. */
const REDIRECTING = new Set(['forward', 'proxy', 'rewrite', 'hosts', 'template', 'file', 'auto', 'stubdomains', 'upstreamnameservers', 'federations']);
const MAX_LINES_SHOWN = 6;
const MAX_LINE_CHARS = 120;
/** Bodies are attacker-controlled: only this much of each value is compared. */
const MAX_VALUE_CHARS = 64 * 1024;

/** `key: line` → whether the line (or its data key) redirects names. */
type ConfigLines = Map<string, boolean>;

/** Every meaningful line of every data value, as `key: line` (comments and blanks dropped). */
function configLines(object: K8sObject | undefined): ConfigLines | undefined {
  if (!object || !isRecord(object.data)) return undefined;
  const lines: ConfigLines = new Map();
  for (const [key, value] of Object.entries(object.data)) {
    if (typeof value !== 'string') continue;
    for (const raw of value.slice(0, MAX_VALUE_CHARS).split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const shown = line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) + '…' : line;
      lines.set(`${key}: ${shown}`, REDIRECTING.has(firstWord(line)) || REDIRECTING.has(key.toLowerCase()));
    }
  }
  return lines;
}

function firstWord(line: string): string {
  const end = line.search(/[\s:{]/);
  return (end < 0 ? line : line.slice(0, end)).replace(/^"|"$/g, '').toLowerCase();
}

/** The lines `after` has and `before` lacks, redirecting plugins first. */
function added(after: ConfigLines, before: ConfigLines | undefined): string[] {
  const out = [...after.keys()].filter((line) => !before?.has(line));
  return out.sort((a, b) => Number(after.get(b)) - Number(after.get(a)));
}

function listed(lines: string[]): string {
  const shown = lines.slice(0, MAX_LINES_SHOWN).map((l) => `\`${l}\``);
  return shown.join('; ') + (lines.length > MAX_LINES_SHOWN ? `; and ${lines.length - MAX_LINES_SHOWN} more` : '');
}

/** What the change did, as far as the log and the inventory tell. */
export function describeChange(verb: string, before: K8sObject | undefined, after: K8sObject | undefined): string {
  if (verb === 'delete' || verb === 'deletecollection') return 'deleted it';
  const afterLines = configLines(after);
  if (!afterLines) return 'content not logged (Metadata-level event)';
  const beforeLines = configLines(before);
  const plus = added(afterLines, beforeLines);
  const minus = beforeLines ? added(beforeLines, afterLines) : [];
  if (!beforeLines) {
    const redirecting = plus.filter((l) => afterLines.get(l));
    const prefix = verb === 'create' ? 'created it' : 'previous version unknown';
    return redirecting.length ? `${prefix}; redirecting entries: ${listed(redirecting)}` : `${prefix}; no redirecting entries`;
  }
  if (!plus.length && !minus.length) return 'no change to its data (metadata only)';
  const parts: string[] = [];
  if (plus.length) parts.push(`added ${listed(plus)}`);
  if (minus.length) parts.push(`removed ${listed(minus)}`);
  return parts.join('; ');
}

/** A merge patch's `data` when the object it patched is unknown: at least what it set. */
function patchedData(body: unknown): K8sObject | undefined {
  return isRecord(body) && isRecord(body.data) ? { kind: 'ConfigMap', metadata: {}, data: body.data } : undefined;
}

export default defineDetection({
  type: 'K8S_CoreDnsModification',
  kinds: ['k8s.audit'],
  audit: { verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'], resources: ['configmaps'] },
  summary: 'ConfigMap {namespace}/{name} (cluster DNS configuration) was changed by {user} ({verb}): {change}.',
  defaults: {
    configMaps: ['coredns', 'coredns-custom', 'kube-dns', 'rke2-coredns-rke2-coredns'],
    trustedUpdaters: ['system:addon-manager', 'eks:addon-manager', 'aksService'],
  },
  detect(event, ctx) {
    const ref = event.objectRef;
    if (!ref || ref.namespace !== NAMESPACE || ref.apiGroup !== '' || !succeeded(event)) return undefined;
    const configMaps = stringListSetting(ctx.settings, 'configMaps');
    const collection = event.verb === 'deletecollection';
    if (!collection && !(ref.name && configMaps.has(ref.name))) return undefined;
    if (byTrustedIdentity(event, stringListSetting(ctx.settings, 'trustedUpdaters'))) return undefined;
    // A deletecollection names no object: it took whichever DNS ConfigMaps existed.
    const name = collection ? [...configMaps].filter((n) => ctx.inventory.get('ConfigMap', NAMESPACE, n)).join(', ') || [...configMaps].join(' / ') : ref.name!;
    const entities = auditEntities(event);
    return {
      entities: { ...entities, resource: { kind: 'ConfigMap', namespace: NAMESPACE, name } },
      facts: {
        namespace: NAMESPACE,
        name,
        user: entities.user,
        verb: event.verb,
        change: collection
          ? 'deleted every ConfigMap of kube-system'
          : describeChange(event.verb, ctx.inventory.get('ConfigMap', NAMESPACE, name), ctx.inventory.resultOf(event) ?? patchedData(event.requestObject)),
      },
      key: `ConfigMap/${NAMESPACE}/${name}`,
    };
  },
});
