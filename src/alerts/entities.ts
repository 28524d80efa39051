/**
 * @module alerts/entities
 * The entities and evidence an alert carries, taken from the event that caused it, the same way
 * for every detection of a kind.
 */
import type { K8sAuditEvent, NodeEvent, ProcessInfo, VigilEvent } from '../events/model.js';
import { KIND_OF_RESOURCE } from '../inventory/pod-spec.js';
import type { AlertEntities, AlertProcess, EvidenceItem } from './alert.js';

const SA_PREFIX = 'system:serviceaccount:';

/** `system:serviceaccount:ns:name` → `ns/name`, else undefined. */
export function serviceAccountOf(username: string): string | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name] = username.slice(SA_PREFIX.length).split(':');
  return namespace && name ? `${namespace}/${name}` : undefined;
}

/** The identity a request acted as: the impersonated user when there is one. */
export function actingUser(event: K8sAuditEvent): string {
  return event.impersonatedUser?.username || event.user.username;
}

export function auditEntities(event: K8sAuditEvent): AlertEntities {
  const ref = event.objectRef;
  const user = event.impersonatedUser ? `${event.impersonatedUser.username} (impersonated by ${event.user.username})` : event.user.username;
  const entities: AlertEntities = {
    cluster: event.cluster,
    clusterInfo: event.clusterInfo,
    user,
    serviceAccount: serviceAccountOf(actingUser(event)),
    sourceIPs: event.sourceIPs.length ? event.sourceIPs : undefined,
    userAgent: event.userAgent || undefined,
  };
  if (ref) {
    entities.namespace = ref.namespace;
    entities.resource = {
      kind: KIND_OF_RESOURCE[ref.resource] ?? (ref.resource + (ref.subresource ? `/${ref.subresource}` : '')),
      namespace: ref.namespace,
      name: ref.name,
    };
  }
  return entities;
}

function alertProcess(process: ProcessInfo, ancestors: readonly ProcessInfo[]): AlertProcess {
  const out: AlertProcess = { pid: process.pid, executable: process.executable, commandLine: process.commandLine };
  if (ancestors.length) out.parent = alertProcess(ancestors[0]!, ancestors.slice(1, 3));
  return out;
}

export function nodeEntities(event: NodeEvent): AlertEntities {
  const c = event.container;
  return {
    cluster: event.cluster,
    node: event.node,
    namespace: c?.namespace,
    pod: c?.pod,
    container: c?.name ?? c?.id,
    image: c?.image,
    process: alertProcess(event.process, event.ancestors),
  };
}

const MAX_SUMMARY = 300;

function clip(text: string): string {
  return text.length > MAX_SUMMARY ? text.slice(0, MAX_SUMMARY) + '…' : text;
}

/** One readable line saying what the event was. */
export function summarise(event: VigilEvent): string {
  switch (event.kind) {
    case 'k8s.audit': {
      const ref = event.objectRef;
      const target = ref
        ? `${ref.resource}${ref.subresource ? '/' + ref.subresource : ''} ${ref.namespace ? ref.namespace + '/' : ''}${ref.name ?? ''}`.trim()
        : event.requestURI;
      const outcome = event.responseCode === undefined ? event.stage : String(event.responseCode);
      return clip(`${event.verb} ${target} by ${actingUser(event)} → ${outcome}`);
    }
    case 'k8s.object':
      return clip(`${event.change} ${event.object.kind} ${event.object.metadata.namespace ? event.object.metadata.namespace + '/' : ''}${event.object.metadata.name ?? ''}`);
    case 'cloud.activity':
      return clip(`${event.operation} by ${event.identity.name ?? event.identity.id} → ${event.status ?? (event.success ? 'succeeded' : 'failed')}`);
    case 'process.exec':
      return clip(`exec ${event.process.commandLine || event.process.executable}`);
    case 'file.access':
      return clip(`${event.operation} ${event.path}${event.targetPath ? ' → ' + event.targetPath : ''} by ${event.process.executable}`);
    case 'net.connect':
      return clip(`connect ${event.remoteAddress}${event.remotePort !== undefined ? ':' + event.remotePort : ''} by ${event.process.executable}`);
    case 'process.namespace':
      return clip(`${event.operation} ${event.namespaces.join(',')} by ${event.process.executable}`);
    case 'pipeline.loss':
      return clip(`lost ${event.count} (${event.reason})`);
  }
}

export function evidenceOf(event: VigilEvent): EvidenceItem {
  return {
    id: event.id,
    kind: event.kind,
    source: event.source,
    time: isoTime(event.time),
    origin: event.origin,
    summary: summarise(event),
  };
}

/** ISO 8601 time; an impossible time (a source bug) shows as the epoch rather than throwing. */
export function isoTime(ms: number): string {
  return new Date(Number.isFinite(ms) ? ms : 0).toISOString();
}
