/**
 * @module detections/control-plane/lib/workloads
 * What a request did to the containers of a workload, for detections about containers: Pods,
 * Deployments, DaemonSets, StatefulSets, ReplicaSets, Jobs, CronJobs (their pod templates), with
 * init and ephemeral containers, from creates, updates and patches — and the same for objects
 * read from a snapshot.
 *
 * Refused and failed requests created nothing: they yield nothing here, so container detections
 * do not fire on them (the attempt is in the audit log for anyone hunting).
 */
import type { AlertEntities } from '../../../alerts/alert.js';
import { auditEntities } from '../../../alerts/entities.js';
import type { DetectionContext, Finding } from '../../../engine/detection.js';
import type { K8sAuditEvent, K8sObject, K8sObjectEvent } from '../../../events/model.js';
import { containersOf, podSpecOf, WORKLOAD_RESOURCES, type ContainerSpec, type PodSpec } from '../../../inventory/pod-spec.js';

/** Audit index for detections about workload containers. */
export const WORKLOAD_AUDIT_INDEX = {
  verbs: ['create', 'update', 'patch'],
  resources: [...WORKLOAD_RESOURCES, 'pods/ephemeralcontainers'],
} as const;

export interface WorkloadChange {
  object: K8sObject;
  spec: PodSpec;
  containers: ContainerSpec[];
  /** The object before the request, when known (undefined for creates and first sightings). */
  before?: K8sObject;
  beforeContainers: ContainerSpec[];
  entities: AlertEntities;
}

/** The workload a successful audit request left, with its containers before and after. */
export function workloadFromAudit(event: K8sAuditEvent, ctx: DetectionContext): WorkloadChange | undefined {
  const object = ctx.inventory.resultOf(event);
  const spec = podSpecOf(object);
  if (!object || !spec) return undefined;
  const ref = event.objectRef!;
  const before = event.verb === 'create' ? undefined : ref.name ? ctx.inventory.get(object.kind, ref.namespace, ref.name) : undefined;
  const entities = auditEntities(event);
  entities.resource = { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
  if (object.kind === 'Pod') entities.pod = object.metadata.name;
  return { object, spec, containers: containersOf(spec), before, beforeContainers: containersOf(podSpecOf(before)), entities };
}

/**
 * A workload as it stands in a snapshot or watch event, with the object as the inventory knew it
 * before (a watch's update, a re-list, or a snapshot scanned again with --state): what it already
 * had is not new.
 */
export function workloadFromObject(event: K8sObjectEvent, ctx: DetectionContext): WorkloadChange | undefined {
  if (event.change === 'deleted') return undefined;
  const spec = podSpecOf(event.object);
  if (!spec) return undefined;
  const object = event.object;
  const entities: AlertEntities = {
    cluster: event.cluster,
    namespace: object.metadata.namespace,
    resource: { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name },
  };
  if (object.kind === 'Pod') entities.pod = object.metadata.name;
  const before = object.metadata.name ? ctx.inventory.get(object.kind, object.metadata.namespace, object.metadata.name) : undefined;
  return { object, spec, containers: containersOf(spec), before, beforeContainers: containersOf(podSpecOf(before)), entities };
}

/**
 * Several detections judge the containers of the same request; the change is worked out once per
 * event (a cache of a pure function of the event and the inventory, which does not change while
 * one event's detections run). Detections must treat it as read-only.
 */
const changes = new WeakMap<K8sAuditEvent | K8sObjectEvent, WorkloadChange | null>();

export function workloadChange(event: K8sAuditEvent | K8sObjectEvent, ctx: DetectionContext): WorkloadChange | undefined {
  let change = changes.get(event);
  if (change === undefined) {
    change = (event.kind === 'k8s.audit' ? workloadFromAudit(event, ctx) : workloadFromObject(event, ctx)) ?? null;
    changes.set(event, change);
  }
  return change ?? undefined;
}

/**
 * Containers for which `test` holds now but did not hold before the request (same-named container),
 * so that an update that leaves a privileged container as it was does not alert again.
 */
export function newlyMatching(change: WorkloadChange, test: (c: ContainerSpec) => boolean): ContainerSpec[] {
  return change.containers.filter((c) => {
    if (!test(c)) return false;
    const previous = previousContainer(change, c);
    return !previous || !test(previous);
  });
}

/** The same container (name and role) before the request, if it existed. */
export function previousContainer(change: WorkloadChange, container: ContainerSpec): ContainerSpec | undefined {
  return change.beforeContainers.find((b) => b.name === container.name && b.role === container.role);
}

export function containerEntities(change: WorkloadChange, container: ContainerSpec): AlertEntities {
  return { ...change.entities, container: container.name, image: container.image || undefined };
}

/**
 * The finding for one container of a change: its entities, the facts every container summary
 * uses ({container}, {role}, {image}, {kind}, {namespace}, {name}, {user}) plus the detection's
 * own, and one alert per workload container as the key.
 */
export function containerFinding(change: WorkloadChange, container: ContainerSpec, facts: Finding['facts'] = {}): Finding {
  const { kind, metadata } = change.object;
  return {
    entities: containerEntities(change, container),
    facts: {
      container: container.name,
      role: container.role,
      image: container.image,
      kind,
      namespace: metadata.namespace ?? '',
      name: metadata.name,
      ...facts,
      user: change.entities.user ?? 'the cluster snapshot',
    },
    key: `${kind}/${metadata.namespace ?? ''}/${metadata.name}/${container.name}`,
  };
}
