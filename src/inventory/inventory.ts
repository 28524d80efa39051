/**
 * @module inventory/inventory
 * The cluster's objects as Vigil knows them — from audit request and response bodies, from
 * snapshots (`kubectl get -o json`, manifests) and from the API's watch — kept current through
 * create, update, patch and delete, so that a detection can ask what a Service selects, which
 * image and environment a workload runs, or whether namespace `kubeflow` exists.
 *
 * The objects live in the state store (one bounded table per kind), so the inventory is
 * partitioned by cluster and persists with `--state` like any learned state.
 */
import type { K8sAuditEvent, K8sObject, K8sObjectEvent } from '../events/model.js';
import type { StateStore, StateTable } from '../engine/state/store.js';
import { applyJsonPatch, applyMergePatch } from './patch.js';
import { isRecord, KIND_OF_RESOURCE, podLabelsOf, podSpecOf, selectorMatches, type PodSpec } from './pod-spec.js';

/** Kinds kept. Others are of no use to a detection and are not stored. */
export const INVENTORY_KINDS: ReadonlySet<string> = new Set(Object.values(KIND_OF_RESOURCE));

const MAX_OBJECTS_PER_KIND = 50_000;
const MAX_CONFIG_VALUE_CHARS = 64 * 1024;

export interface Inventory {
  get(kind: string, namespace: string | undefined, name: string): K8sObject | undefined;
  /** Objects of a kind, in one namespace or all. */
  list(kind: string, namespace?: string): K8sObject[];
  /** How many objects of a kind are known (cheap: lets a caller skip lookups that cannot find one). */
  count(kind: string): number;
  /** Whether a namespace is known to exist: created, listed, or seen in any request. */
  namespaceExists(name: string): boolean;
  /** Pods and pod-template workloads in the Service's namespace whose labels its selector selects. */
  selectedBy(service: K8sObject): K8sObject[];
  /** Objects with a pod template in a namespace (Pods and workloads). */
  workloads(namespace?: string): K8sObject[];
  /** The object as a successful create/update/patch leaves it (see StateInventory.resultOf). */
  resultOf(event: K8sAuditEvent): K8sObject | undefined;
}

const WORKLOAD_KINDS = ['Pod', 'Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];

export class StateInventory implements Inventory {
  constructor(private readonly state: StateStore) {}

  private table(kind: string): StateTable<K8sObject> {
    return this.state.table<K8sObject>(`inventory.${kind}`, { maxEntries: MAX_OBJECTS_PER_KIND });
  }

  private namespacesSeen(): StateTable<number> {
    return this.state.table<number>('inventory.namespaces-seen', { maxEntries: MAX_OBJECTS_PER_KIND });
  }

  get(kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
    return this.table(kind).get(`${namespace ?? ''}/${name}`);
  }

  count(kind: string): number {
    return this.table(kind).size;
  }

  list(kind: string, namespace?: string): K8sObject[] {
    const out: K8sObject[] = [];
    for (const [key, object] of this.table(kind).entries()) {
      if (namespace === undefined || key.startsWith(`${namespace}/`)) out.push(object);
    }
    return out;
  }

  namespaceExists(name: string): boolean {
    return this.table('Namespace').has(`/${name}`) || this.namespacesSeen().has(name);
  }

  workloads(namespace?: string): K8sObject[] {
    return WORKLOAD_KINDS.flatMap((kind) => this.list(kind, namespace));
  }

  selectedBy(service: K8sObject): K8sObject[] {
    const spec = isRecord(service.spec) ? service.spec : {};
    const selector = isRecord(spec.selector) ? (spec.selector as Record<string, string>) : undefined;
    if (!selector) return [];
    return this.workloads(service.metadata.namespace).filter((w) => selectorMatches(selector, podLabelsOf(w)));
  }

  /** Remembers that a namespace exists; a write only for a new name (this runs on every event). */
  private noteNamespace(namespace: string): void {
    const seen = this.namespacesSeen();
    if (!seen.has(namespace)) seen.set(namespace, 1);
  }

  /** Store or replace an object as it now stands. */
  put(object: K8sObject): void {
    if (!INVENTORY_KINDS.has(object.kind) || !object.metadata?.name) return;
    const namespace = object.kind === 'Namespace' ? '' : (object.metadata.namespace ?? '');
    if (namespace) this.noteNamespace(namespace);
    this.table(object.kind).set(`${namespace}/${object.metadata.name}`, compact(object));
  }

  remove(kind: string, namespace: string | undefined, name: string): void {
    this.table(kind).delete(`${kind === 'Namespace' ? '' : (namespace ?? '')}/${name}`);
  }

  /** Keeps the inventory current from a snapshot or watch event. */
  applyObjectEvent(event: K8sObjectEvent): void {
    const { object } = event;
    if (event.change === 'deleted') this.remove(object.kind, object.metadata.namespace, object.metadata.name ?? '');
    else this.put(object);
  }

  /**
   * The object as it stands after a successful create, update or patch (or an ephemeral-container
   * change), without changing the inventory: the response body when the log has it (the
   * authoritative result), else the request body of a create or update, else the patch applied to
   * the object as last known. Undefined for refused or failed requests and for other verbs.
   */
  resultOf(event: K8sAuditEvent): K8sObject | undefined {
    const ref = event.objectRef;
    if (!ref || event.responseCode === undefined || event.responseCode >= 300) return undefined;
    if (event.verb !== 'create' && event.verb !== 'update' && event.verb !== 'patch') return undefined;
    const kind = KIND_OF_RESOURCE[ref.resource];
    if (!kind) return undefined;
    const sub = ref.subresource;
    // Only the pod subresource that changes the pod spec matters here; status and scale do not.
    if (sub && !(kind === 'Pod' && sub === 'ephemeralcontainers')) return undefined;
    const response = asObject(event.responseObject, kind);
    if (response) return withNamespace(response, ref.namespace);
    if (event.verb === 'patch' || sub) {
      const current = ref.name ? this.get(kind, ref.namespace, ref.name) : undefined;
      if (!current) return undefined;
      const patched = Array.isArray(event.requestObject) ? applyJsonPatch(current, event.requestObject) : applyMergePatch(current, event.requestObject);
      return isRecord(patched) && isRecord(patched.metadata) ? (patched as K8sObject) : undefined;
    }
    const request = asObject(event.requestObject, kind);
    if (!request) return undefined;
    const named = request.metadata.name ? request : { ...request, metadata: { ...request.metadata, name: ref.name } };
    return withNamespace(named, ref.namespace);
  }

  /** Keeps the inventory current from an audit event. A refused or failed request changed nothing. */
  applyAuditEvent(event: K8sAuditEvent): void {
    const ref = event.objectRef;
    if (!ref) return;
    if (ref.namespace) this.noteNamespace(ref.namespace);
    if (event.responseCode === undefined || event.responseCode >= 300) return;
    const kind = KIND_OF_RESOURCE[ref.resource];
    if (!kind || (ref.subresource && ref.subresource !== 'ephemeralcontainers')) return;
    if (event.verb === 'delete') {
      if (ref.name && !ref.subresource) this.remove(kind, ref.namespace, ref.name);
      return;
    }
    if (event.verb === 'deletecollection') {
      for (const object of this.list(kind, ref.namespace)) this.remove(kind, ref.namespace, object.metadata.name ?? '');
      return;
    }
    const result = this.resultOf(event);
    if (result) this.put(result);
  }
}

/** The body as an object of the expected kind (a Status body or a list is not). */
function asObject(body: unknown, kind: string): K8sObject | undefined {
  if (!isRecord(body) || !isRecord(body.metadata)) return undefined;
  if (body.kind !== undefined && body.kind !== kind) return undefined;
  return { ...(body as K8sObject), kind };
}

function withNamespace(object: K8sObject, namespace: string | undefined): K8sObject {
  if (object.metadata.namespace || !namespace || object.kind === 'Namespace') return object;
  return { ...object, metadata: { ...object.metadata, namespace } };
}

/** Container fields detections read (exec probes and hooks tell node detections what is expected); resources and the rest are dropped. */
const CONTAINER_FIELDS = ['name', 'image', 'command', 'args', 'env', 'envFrom', 'ports', 'securityContext', 'volumeMounts', 'stdin', 'tty', 'targetContainerName', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];
/** Pod-spec fields detections read. */
const POD_SPEC_FIELDS = ['hostPID', 'hostNetwork', 'hostIPC', 'serviceAccountName', 'nodeName', 'securityContext', 'runtimeClassName', 'automountServiceAccountToken'];

function pick(source: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (source[f] !== undefined) out[f] = source[f];
  return out;
}

/**
 * Keeps only what detections read, so that tens of thousands of stored pods cost little memory:
 * no managed fields or status, containers and volumes reduced to their security-relevant fields,
 * ConfigMap values capped.
 */
function compact(object: K8sObject): K8sObject {
  const { managedFields: _managed, ...metadata } = object.metadata;
  const out: K8sObject = { ...object, metadata };
  if ('status' in out) delete out.status;
  if (object.kind === 'ConfigMap' && isRecord(object.data)) {
    const data: Record<string, string> = {};
    for (const [key, value] of Object.entries(object.data)) {
      data[key] = typeof value === 'string' && value.length > MAX_CONFIG_VALUE_CHARS ? value.slice(0, MAX_CONFIG_VALUE_CHARS) : String(value);
    }
    out.data = data;
  }
  const spec = podSpecOf(object);
  if (spec) replacePodSpec(out, slimPodSpec(spec));
  return out;
}

function slimPodSpec(spec: PodSpec): PodSpec {
  const slim: PodSpec = pick(spec, POD_SPEC_FIELDS);
  for (const group of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const list = spec[group];
    if (Array.isArray(list)) slim[group] = list.map((c) => (isRecord(c) ? pick(c, CONTAINER_FIELDS) : c));
  }
  if (Array.isArray(spec.volumes)) slim.volumes = spec.volumes.filter((v) => isRecord(v) && (v.hostPath || v.configMap || (v as Record<string, unknown>).secret || (v as Record<string, unknown>).projected));
  return slim;
}

/** Puts a pod spec back where podSpecOf found it, copying the objects on the way (never mutating the input). */
function replacePodSpec(object: K8sObject, spec: PodSpec): void {
  if (object.kind === 'Pod') {
    object.spec = spec;
    return;
  }
  const outer = object.spec as Record<string, unknown>;
  if (object.kind === 'CronJob') {
    const jobTemplate = outer.jobTemplate as { spec: { template: Record<string, unknown> } };
    object.spec = { ...outer, jobTemplate: { ...jobTemplate, spec: { ...jobTemplate.spec, template: { ...jobTemplate.spec.template, spec } } } };
  } else {
    object.spec = { ...outer, template: { ...(outer.template as Record<string, unknown>), spec } };
  }
}
