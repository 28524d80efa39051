/**
 * K8S_AdmissionController — an admission webhook configuration appeared or gained a webhook: a
 * create of a MutatingWebhookConfiguration or ValidatingWebhookConfiguration
 * (admissionregistration.k8s.io, v1 or v1beta1), or an update or patch that adds a webhook or
 * sends an existing one somewhere else (a new `clientConfig`). An update that only rotates
 * `caBundle` (cert-manager's cainjector does this all day) does not fire; nor does one whose
 * previous version is unknown, unless its JSON patch plainly adds to `webhooks`.
 *
 * The alert says what each webhook intercepts (operations on resources), where it sends them
 * (an external `url` or an in-cluster service) and flags interception of Secrets, Pods or
 * everything (`*`). Known add-ons (cert-manager, Gatekeeper, Kyverno, meshes) installing their
 * own webhooks still fire, as informational: only identities listed in the setting
 * `trustedCreators` (default none) are skipped, and only when acting in their own name.
 * Metadata-level events (no body) still fire for creates.
 *
 * A refused or failed request created nothing and does not fire.
 */
import { auditEntities } from '../../alerts/entities.js';
import { defineDetection } from '../../engine/detection.js';
import type { K8sAuditEvent, K8sObject } from '../../events/model.js';
import { isRecord, KIND_OF_RESOURCE } from '../../inventory/pod-spec.js';
import { byTrustedIdentity, stringListSetting, succeeded } from './lib/audit-request.js';

const GROUP = 'admissionregistration.k8s.io';
const RESOURCES = ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'];
const MAX_WEBHOOKS_SHOWN = 4;
const MAX_RULES_SHOWN = 4;
const MAX_TEXT = 100;

interface Webhook {
  name: string;
  destination: string;
  intercepts: string;
  flags: string[];
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '…' : text;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function destinationOf(clientConfig: unknown): string {
  if (!isRecord(clientConfig)) return 'unknown destination';
  if (typeof clientConfig.url === 'string') return `external URL ${clip(clientConfig.url)}`;
  const service = clientConfig.service;
  if (isRecord(service)) {
    const port = typeof service.port === 'number' ? `:${service.port}` : '';
    const path = typeof service.path === 'string' ? clip(service.path) : '';
    return `service ${String(service.namespace ?? '?')}/${String(service.name ?? '?')}${port}${path}`;
  }
  return 'unknown destination';
}

function webhookOf(value: unknown): Webhook | undefined {
  if (!isRecord(value) || typeof value.name !== 'string') return undefined;
  const rules = Array.isArray(value.rules) ? value.rules.filter(isRecord) : [];
  const flags = new Set<string>();
  const described = rules.map((rule) => {
    const operations = strings(rule.operations);
    const resources = strings(rule.resources);
    for (const r of resources) {
      const base = r.split('/')[0];
      if (base === '*') flags.add('intercepts everything (*)');
      else if (base === 'secrets') flags.add('intercepts Secrets');
      else if (base === 'pods') flags.add('intercepts Pods');
    }
    return `${operations.join('/') || '?'} ${resources.join(',') || '?'}`;
  });
  const intercepts = described.slice(0, MAX_RULES_SHOWN).join('; ') + (described.length > MAX_RULES_SHOWN ? '; …' : '');
  return { name: clip(value.name), destination: destinationOf(value.clientConfig), intercepts: intercepts || 'no rules', flags: [...flags] };
}

function webhooksOf(object: K8sObject | undefined): Webhook[] | undefined {
  if (!object || !Array.isArray(object.webhooks)) return undefined;
  return object.webhooks.map(webhookOf).filter((w): w is Webhook => w !== undefined);
}

/** Webhooks of `after` that are new, or now send their requests somewhere else. */
export function newWebhooks(before: Webhook[], after: Webhook[]): Webhook[] {
  const previous = new Map(before.map((w) => [w.name, w.destination]));
  return after.filter((w) => previous.get(w.name) !== w.destination);
}

/** The webhooks a JSON patch adds to `webhooks`: an addition visible without the previous version. */
function webhooksAddedByPatch(event: K8sAuditEvent): Webhook[] | undefined {
  if (!Array.isArray(event.requestObject)) return undefined;
  const added: unknown[] = [];
  for (const op of event.requestObject) {
    if (!isRecord(op) || op.op !== 'add' || typeof op.path !== 'string' || !/^\/webhooks(\/(-|\d+))?$/.test(op.path)) continue;
    if (Array.isArray(op.value)) added.push(...op.value);
    else added.push(op.value);
  }
  return added.length ? added.map(webhookOf).filter((w): w is Webhook => w !== undefined) : undefined;
}

export function describeWebhooks(webhooks: Webhook[] | undefined): string {
  if (!webhooks) return 'webhooks not logged (Metadata-level event)';
  if (!webhooks.length) return 'no webhooks';
  const shown = webhooks.slice(0, MAX_WEBHOOKS_SHOWN).map((w) => `${w.name} intercepts ${w.intercepts} and sends them to ${w.destination}${w.flags.length ? ` [${w.flags.join(', ')}]` : ''}`);
  return shown.join('; ') + (webhooks.length > MAX_WEBHOOKS_SHOWN ? `; and ${webhooks.length - MAX_WEBHOOKS_SHOWN} more` : '');
}

export default defineDetection({
  type: 'K8S_AdmissionController',
  kinds: ['k8s.audit'],
  audit: { verbs: ['create', 'update', 'patch'], resources: RESOURCES },
  summary: '{kind} {name} was {action} by {user}: {webhooks}.',
  defaults: { trustedCreators: [] },
  detect(event, ctx) {
    const ref = event.objectRef;
    if (!ref || ref.apiGroup !== GROUP || ref.subresource || !succeeded(event)) return undefined;
    if (byTrustedIdentity(event, stringListSetting(ctx.settings, 'trustedCreators'))) return undefined;
    const kind = KIND_OF_RESOURCE[ref.resource]!;
    const after = ctx.inventory.resultOf(event);
    const name = after?.metadata.name ?? ref.name ?? '';
    let webhooks = webhooksOf(after);
    let action = 'created';
    if (event.verb !== 'create') {
      const before = webhooksOf(ctx.inventory.get(kind, undefined, name));
      webhooks = before && webhooks ? newWebhooks(before, webhooks) : webhooksAddedByPatch(event);
      if (!webhooks?.length) return undefined;
      action = 'given new or redirected webhooks';
    }
    const entities = auditEntities(event);
    entities.resource = { kind, name };
    return {
      entities,
      facts: { kind, name, action, user: entities.user, webhooks: describeWebhooks(webhooks) },
      key: `${kind}/${name}`,
    };
  },
});
