/**
 * @module inventory/pod-spec
 * Where the containers are in every object that carries a pod template: Pods, Deployments,
 * DaemonSets, StatefulSets, ReplicaSets, ReplicationControllers, Jobs and CronJobs. Init and
 * ephemeral containers count: attackers use them too.
 */
import type { K8sObject } from '../events/model.js';

export interface ContainerSpec {
  name: string;
  image: string;
  /** 'container', 'initContainer' or 'ephemeralContainer'. */
  role: 'container' | 'initContainer' | 'ephemeralContainer';
  securityContext?: Record<string, unknown>;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  command?: string[];
  args?: string[];
  ports?: { containerPort?: number; name?: string; protocol?: string }[];
}

export interface PodSpec {
  containers?: unknown[];
  initContainers?: unknown[];
  ephemeralContainers?: unknown[];
  volumes?: { name: string; hostPath?: { path: string; type?: string }; configMap?: { name?: string } }[];
  hostPID?: boolean;
  hostNetwork?: boolean;
  hostIPC?: boolean;
  serviceAccountName?: string;
  nodeName?: string;
  securityContext?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Kinds whose objects carry a pod spec, and how to reach it. */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Kind by plural resource name, for audit events whose body lacks `kind` (patches). */
export const KIND_OF_RESOURCE: Record<string, string> = {
  pods: 'Pod',
  deployments: 'Deployment',
  daemonsets: 'DaemonSet',
  statefulsets: 'StatefulSet',
  replicasets: 'ReplicaSet',
  replicationcontrollers: 'ReplicationController',
  jobs: 'Job',
  cronjobs: 'CronJob',
  services: 'Service',
  configmaps: 'ConfigMap',
  namespaces: 'Namespace',
  roles: 'Role',
  clusterroles: 'ClusterRole',
  rolebindings: 'RoleBinding',
  clusterrolebindings: 'ClusterRoleBinding',
  serviceaccounts: 'ServiceAccount',
  mutatingwebhookconfigurations: 'MutatingWebhookConfiguration',
  validatingwebhookconfigurations: 'ValidatingWebhookConfiguration',
};

export const WORKLOAD_RESOURCES: readonly string[] = Object.keys(KIND_OF_RESOURCE).filter((r) => TEMPLATE_PATHS[KIND_OF_RESOURCE[r]!]);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The pod spec of an object with a pod template, or undefined. */
export function podSpecOf(object: unknown): PodSpec | undefined {
  if (!isRecord(object) || typeof object.kind !== 'string') return undefined;
  const path = TEMPLATE_PATHS[object.kind];
  if (!path) return undefined;
  let node: unknown = object;
  for (const step of path) {
    if (!isRecord(node)) return undefined;
    node = node[step];
  }
  return isRecord(node) ? (node as PodSpec) : undefined;
}

function toContainer(value: unknown, role: ContainerSpec['role']): ContainerSpec | undefined {
  if (!isRecord(value)) return undefined;
  return {
    ...(value as Partial<ContainerSpec>),
    name: typeof value.name === 'string' ? value.name : '',
    image: typeof value.image === 'string' ? value.image : '',
    role,
  } as ContainerSpec;
}

/** Every container of a pod spec: regular, init and ephemeral. */
export function containersOf(spec: PodSpec | undefined): ContainerSpec[] {
  if (!spec) return [];
  const out: ContainerSpec[] = [];
  const groups: [unknown, ContainerSpec['role']][] = [
    [spec.containers, 'container'],
    [spec.initContainers, 'initContainer'],
    [spec.ephemeralContainers, 'ephemeralContainer'],
  ];
  for (const [list, role] of groups) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const container = toContainer(item, role);
      if (container) out.push(container);
    }
  }
  return out;
}

/** Labels of the pods an object makes (its template's labels; a Pod's own). */
export function podLabelsOf(object: K8sObject): Record<string, string> {
  if (object.kind === 'Pod') return object.metadata.labels ?? {};
  const spec = object.spec;
  if (!isRecord(spec)) return {};
  const template = object.kind === 'CronJob' ? (spec.jobTemplate as { spec?: { template?: unknown } })?.spec?.template : spec.template;
  const meta = isRecord(template) ? template.metadata : undefined;
  return isRecord(meta) && isRecord(meta.labels) ? (meta.labels as Record<string, string>) : {};
}

/** Does a Service's (equality-based) selector select these labels? An empty selector selects nothing. */
export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const keys = Object.keys(selector);
  if (keys.length === 0) return false;
  return keys.every((key) => labels[key] === selector[key]);
}
