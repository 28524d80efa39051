/**
 * @module enrichment/container/directory
 * Container id → pod identity. Two sources implement PodDirectory: the Kubernetes API (a watch of
 * this node's pods; kubernetes.ts) and the container runtime (crictl; crictl.ts). Lookups are
 * synchronous, from what the directory has already learnt, so that enrichment never waits.
 */
import type { ContainerContext } from '../../events/model.js';

export interface PodDirectory {
  /** Context of a running (or recently gone) container, by runtime id without its prefix. */
  lookup(containerId: string): ContainerContext | undefined;
  /** Resolves once the first listing is in. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const RUNTIME_PREFIX = /^(containerd|cri-o|docker):\/\//;

/** `containerd://<id>` → { id, runtime }; undefined for an empty or prefix-only id. */
export function splitContainerId(value: unknown): { id: string; runtime?: string } | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const prefix = RUNTIME_PREFIX.exec(value);
  const id = prefix ? value.slice(prefix[0].length) : value.replace(/^[a-z-]+:\/\//, '');
  if (!id) return undefined;
  return prefix ? { id, runtime: prefix[1] } : { id };
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value.map(obj).filter(Boolean) as Json[]) : [];
}

/**
 * The owning workload as people name it: a ReplicaSet `api-7c9f6d` owned by Deployment `api`
 * is reported as the Deployment (the pod only names the ReplicaSet; its hash suffix is dropped).
 */
function workloadOf(meta: Json): { workload?: string; workloadKind?: string } {
  const owner = list(meta.ownerReferences).find((o) => o.controller === true) ?? list(meta.ownerReferences)[0];
  if (!owner || typeof owner.name !== 'string' || typeof owner.kind !== 'string') return {};
  if (owner.kind === 'ReplicaSet' && /-[a-z0-9]{5,10}$/.test(owner.name)) return { workload: owner.name.replace(/-[a-z0-9]{5,10}$/, ''), workloadKind: 'Deployment' };
  if (owner.kind === 'Job' && /-\d{8,}$/.test(owner.name)) return { workload: owner.name.replace(/-\d{8,}$/, ''), workloadKind: 'CronJob' };
  return { workload: owner.name, workloadKind: owner.kind };
}

/** Every container of a Pod object (init, regular, ephemeral) that has a runtime id yet. */
export function podContainers(pod: unknown): ContainerContext[] {
  const p = obj(pod);
  const meta = obj(p?.metadata);
  const spec = obj(p?.spec);
  const status = obj(p?.status);
  if (!meta || !status) return [];
  const specs = new Map<string, Json>();
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of list(spec?.[key])) if (typeof c.name === 'string') specs.set(c.name, c);
  }
  const { workload, workloadKind } = workloadOf(meta);
  const out: ContainerContext[] = [];
  for (const key of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
    for (const cs of list(status[key])) {
      const split = splitContainerId(cs.containerID);
      if (!split) continue;
      const ctx: ContainerContext = { id: split.id };
      if (split.runtime) ctx.runtime = split.runtime;
      if (typeof cs.name === 'string') ctx.name = cs.name;
      const specImage = typeof cs.name === 'string' ? specs.get(cs.name)?.image : undefined;
      const image = typeof cs.image === 'string' && cs.image ? cs.image : specImage;
      if (typeof image === 'string') ctx.image = image;
      if (typeof cs.imageID === 'string' && cs.imageID) ctx.imageId = cs.imageID;
      if (typeof meta.name === 'string') ctx.pod = meta.name;
      if (typeof meta.namespace === 'string') ctx.namespace = meta.namespace;
      if (typeof meta.uid === 'string') ctx.podUid = meta.uid;
      if (workload) ctx.workload = workload;
      if (workloadKind) ctx.workloadKind = workloadKind;
      const privileged = typeof cs.name === 'string' ? obj(specs.get(cs.name)?.securityContext)?.privileged : undefined;
      if (typeof privileged === 'boolean') ctx.privileged = privileged;
      out.push(ctx);
    }
  }
  return out;
}
