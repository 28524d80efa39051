/**
 * K8S_KubeSystemContainer — a container appeared in kube-system that is not among those that
 * normally run there. "Normally" is two things together:
 * - what this cluster ran there while Vigil learnt: every (workload, container name, image
 *   repository) seen in kube-system during `learningHours` of event time from the first
 *   kube-system workload seen in the cluster (state table, persisted with --state);
 * - the system component images of data/indicators/kube-system-images.yaml (upstream, AKS, EKS,
 *   GKE, common CNIs), which are also learnt when seen after the learning period.
 * The workload is the top owner (a Pod of ReplicaSet coredns-5d78c9869d of Deployment coredns is
 * `coredns`; a kubelet mirror pod kube-apiserver-node1 is `kube-apiserver`), so new replicas and
 * rollouts of a known workload with a known image are not new. A pod or ReplicaSet that a
 * kube-controller-manager controller stamps out of a workload Vigil already judged, with the
 * same image, is not judged again (it would repeat the owner's alert). An update that leaves an
 * unknown container's image repository as it was does not fire again; a new tag of a known
 * repository is not new. A refused request created nothing and does not fire.
 */
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import type { K8sAuditEvent, K8sObject, K8sObjectEvent } from '../../events/model.js';
import { containersOf, podSpecOf, type ContainerSpec } from '../../inventory/pod-spec.js';
import { actingUser } from '../../alerts/entities.js';
import type { IndicatorList } from '../../indicators/indicators.js';
import { matchesRepository, MAX_IMAGE_CHARS, parseImageRef, parseRepositoryPattern, type RepositoryPattern } from '../../inventory/image-ref.js';
import { containerFinding, previousContainer, WORKLOAD_AUDIT_INDEX, workloadChange, type WorkloadChange } from './lib/workloads.js';

const NAMESPACE = 'kube-system';
const DEFAULT_LEARNING_HOURS = 24;
const MAX_BASELINE = 20_000;
const LEARNING_TABLE = 'kube-system-container.learning';
const BASELINE_TABLE = 'kube-system-container.baseline';
const HOUR_MS = 3_600_000;

/** The kube-controller-manager identities that create pods and ReplicaSets for workloads. */
const CONTROLLERS = new Set([
  'system:kube-controller-manager',
  ...['replicaset', 'deployment', 'daemon-set', 'statefulset', 'job', 'cronjob', 'replication'].map(
    (c) => `system:serviceaccount:kube-system:${c}-controller`,
  ),
]);

type Owner = { kind: string; name: string; controller?: boolean };

function controllerOf(object: K8sObject): Owner | undefined {
  const owners = object.metadata.ownerReferences;
  if (!Array.isArray(owners)) return undefined;
  const valid = owners.filter((o): o is Owner => typeof o?.kind === 'string' && typeof o?.name === 'string');
  return valid.find((o) => o.controller) ?? valid[0];
}

function stripSuffix(name: string, suffix: string): string {
  return suffix && name.endsWith(`-${suffix}`) && name.length > suffix.length + 1 ? name.slice(0, -(suffix.length + 1)) : name;
}

/** The name of the workload an object belongs to, the same for a Deployment, its ReplicaSets and their Pods. */
export function workloadName(object: K8sObject): string {
  const name = object.metadata.name ?? '';
  const owner = controllerOf(object);
  if (!owner) return name;
  switch (owner.kind) {
    case 'ReplicaSet':
      return stripSuffix(owner.name, object.metadata.labels?.['pod-template-hash'] ?? '');
    // A CronJob's Jobs are named <cronjob>-<scheduled minute>.
    case 'Job':
      return owner.name.replace(/-\d{1,12}$/, '');
    // A kubelet mirror pod is named <static pod>-<node>.
    case 'Node':
      return stripSuffix(name, owner.name);
    default:
      return owner.name;
  }
}

/**
 * Is this container a copy, made by a workload controller, of the same container in an owner
 * Vigil already knows (and therefore already judged)?
 */
function copiedFromKnownOwner(event: K8sAuditEvent | K8sObjectEvent, change: WorkloadChange, container: ContainerSpec, ctx: DetectionContext): boolean {
  if (event.kind === 'k8s.audit' && !CONTROLLERS.has(actingUser(event))) return false;
  const owner = controllerOf(change.object);
  if (!owner) return false;
  const known = ctx.inventory.get(owner.kind, NAMESPACE, owner.name);
  return containersOf(podSpecOf(known)).some((c) => c.name === container.name && c.image === container.image);
}

/** The repository without tag or digest; an unparseable reference is kept as is, cut to bound the state key. */
function repositoryOf(image: string): string {
  return parseImageRef(image)?.repository ?? image.slice(0, MAX_IMAGE_CHARS);
}

function repositoryPatterns(list: IndicatorList): RepositoryPattern[] {
  return list.entries.map((e) => parseRepositoryPattern(e.value));
}

function allowlisted(image: string, ctx: DetectionContext): boolean {
  const ref = parseImageRef(image);
  if (!ref) return false;
  return ctx.indicators.compiled('kube-system-images', repositoryPatterns).some((pattern) => matchesRepository(ref, pattern));
}

function learningHours(ctx: DetectionContext): number {
  const value = Number(ctx.settings.learningHours);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_LEARNING_HOURS;
}

export default defineDetection({
  type: 'K8S_KubeSystemContainer',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: WORKLOAD_AUDIT_INDEX,
  defaults: { learningHours: DEFAULT_LEARNING_HOURS },
  summary: 'Container {container} ({role}, image {image}) of {kind} kube-system/{name} is not among the containers that run in kube-system (workload {workload}); set by {user}.',
  detect(event, ctx) {
    const change = workloadChange(event, ctx);
    if (!change || change.object.metadata.namespace !== NAMESPACE) return undefined;
    const learning = ctx.state.table<number>(LEARNING_TABLE, { maxEntries: 1 });
    let start = learning.get('start');
    if (start === undefined || !Number.isFinite(start)) {
      start = event.time;
      learning.set('start', start);
    }
    const learnt = event.time < start + learningHours(ctx) * HOUR_MS;
    const baseline = ctx.state.table<number>(BASELINE_TABLE, { maxEntries: MAX_BASELINE });
    const workload = workloadName(change.object);
    const findings = [];
    for (const container of change.containers) {
      const repository = repositoryOf(container.image);
      const key = `${workload}|${container.name}|${repository}`;
      if (baseline.has(key)) continue;
      if (learnt || allowlisted(container.image, ctx)) {
        baseline.set(key, event.time);
        continue;
      }
      const previous = previousContainer(change, container);
      if (previous && repositoryOf(previous.image) === repository) continue;
      if (copiedFromKnownOwner(event, change, container, ctx)) continue;
      // One alert per (workload, container, repository), the baseline's key, rather than per object.
      findings.push({ ...containerFinding(change, container, { workload }), key });
    }
    return findings;
  },
});
