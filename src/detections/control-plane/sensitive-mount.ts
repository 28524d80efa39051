/**
 * K8S_SensitiveMount — a container mounts a sensitive node path through a hostPath volume: in a
 * Pod or any workload's pod template, as a regular, init or ephemeral container, by create, update
 * or patch; or in a snapshot of the cluster. The paths are data (data/indicators/
 * sensitive-host-paths.yaml): a listed path, anything below a `subtree` entry, and any ancestor of a
 * listed path (mounting /var exposes /var/lib/kubelet), after normalising `//`, `.`, `..`, trailing
 * slashes, `/var/run` → `/run` and the mount's subPath. Only a volume a container actually mounts
 * counts; a declared but unmounted hostPath volume gives the containers nothing.
 * A refused request created nothing and does not fire. An update that keeps a container's
 * sensitive mounts as they were does not fire again; one that adds a new sensitive path does.
 */
import type { IndicatorList } from '../../indicators/indicators.js';
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import { isRecord, podSpecOf, type ContainerSpec, type PodSpec } from '../../inventory/pod-spec.js';
import { containerFinding, previousContainer, WORKLOAD_AUDIT_INDEX, workloadChange } from './lib/workloads.js';

interface PathEntry {
  path: string;
  subtree: boolean;
  benign: boolean;
  /** A benign carve-out that holds only for read-only mounts. */
  readOnlyOnly: boolean;
  reason: string;
}

export interface SensitiveMount {
  /** The node path the container sees, normalised. */
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
  reason: string;
}

/**
 * An absolute node path in canonical form: no empty or `.` segments, `..` resolved (never above
 * the root), no trailing slash, `/var/run` read as `/run`. Undefined for a relative path (Windows
 * hostPaths such as `C:\…` are not judged here).
 */
export function normaliseHostPath(path: string): string | undefined {
  if (!path.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  if (parts[0] === 'var' && parts[1] === 'run') parts.splice(0, 2, 'run');
  return '/' + parts.join('/');
}

/** Is `path` equal to `base` or below it, on a segment boundary? */
function within(path: string, base: string): boolean {
  return path === base || base === '/' || path.startsWith(base + '/');
}

function compilePathEntries(list: IndicatorList): PathEntry[] {
  const out: PathEntry[] = [];
  for (const entry of list.entries) {
    const path = normaliseHostPath(entry.value);
    if (!path) continue;
    out.push({
      path,
      subtree: entry.match === 'subtree',
      benign: entry.benign === true,
      readOnlyOnly: entry.readOnly === true,
      reason: typeof entry.reason === 'string' ? entry.reason : '',
    });
  }
  return out;
}

function pathEntries(ctx: DetectionContext): PathEntry[] {
  return ctx.indicators.compiled('sensitive-host-paths', compilePathEntries);
}

/** Why mounting `path` is sensitive, or undefined when it is not. */
export function sensitivity(path: string, readOnly: boolean, entries: readonly PathEntry[]): string | undefined {
  const covers = (e: PathEntry) => (e.subtree ? within(path, e.path) : path === e.path);
  if (entries.some((e) => e.benign && covers(e) && (!e.readOnlyOnly || readOnly))) return undefined;
  for (const e of entries) {
    if (e.benign) continue;
    if (covers(e)) return e.reason || e.path;
    // An ancestor of a sensitive path exposes it too.
    if (path !== e.path && within(e.path, path)) return `contains ${e.path}: ${e.reason || e.path}`;
  }
  return undefined;
}

/** The sensitive node paths a container mounts through the pod's hostPath volumes. */
export function sensitiveMounts(container: ContainerSpec, spec: PodSpec | undefined, entries: readonly PathEntry[]): SensitiveMount[] {
  if (!spec || !Array.isArray(spec.volumes) || !Array.isArray(container.volumeMounts)) return [];
  const hostPaths = new Map<string, string>();
  for (const volume of spec.volumes as unknown[]) {
    if (!isRecord(volume) || typeof volume.name !== 'string' || !isRecord(volume.hostPath)) continue;
    if (typeof volume.hostPath.path === 'string') hostPaths.set(volume.name, volume.hostPath.path);
  }
  const out: SensitiveMount[] = [];
  for (const mount of container.volumeMounts as unknown[]) {
    if (!isRecord(mount) || typeof mount.name !== 'string') continue;
    const volumePath = hostPaths.get(mount.name);
    if (volumePath === undefined) continue;
    // subPath narrows what the container sees; subPathExpr is only known on the node, so the
    // whole volume is judged.
    const subPath = typeof mount.subPath === 'string' && mount.subPath ? mount.subPath : '';
    const hostPath = normaliseHostPath(subPath ? `${volumePath}/${subPath}` : volumePath);
    if (!hostPath) continue;
    const readOnly = mount.readOnly === true;
    const reason = sensitivity(hostPath, readOnly, entries);
    if (reason) out.push({ hostPath, mountPath: typeof mount.mountPath === 'string' ? mount.mountPath : '', readOnly, reason });
  }
  return out;
}

function describe(mounts: readonly SensitiveMount[]): string {
  return mounts.map((m) => `${m.hostPath} at ${m.mountPath}${m.readOnly ? ' (read-only)' : ''}`).join(', ');
}

export default defineDetection({
  type: 'K8S_SensitiveMount',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: WORKLOAD_AUDIT_INDEX,
  summary: 'Container {container} ({role}, image {image}) of {kind} {namespace}/{name} mounts sensitive node paths {mounts} ({why}); set by {user}.',
  detect(event, ctx) {
    const change = workloadChange(event, ctx);
    if (!change) return undefined;
    const entries = pathEntries(ctx);
    const beforeSpec = podSpecOf(change.before);
    const findings = [];
    for (const container of change.containers) {
      const mounts = sensitiveMounts(container, change.spec, entries);
      if (!mounts.length) continue;
      const previous = previousContainer(change, container);
      const had = new Set(previous ? sensitiveMounts(previous, beforeSpec, entries).map((m) => m.hostPath) : []);
      const added = mounts.filter((m) => !had.has(m.hostPath));
      if (!added.length) continue;
      const finding = containerFinding(change, container, { mounts: describe(added), why: [...new Set(added.map((m) => m.reason))].join('; ') });
      findings.push({ ...finding, entities: { ...finding.entities, file: added[0]!.hostPath } });
    }
    return findings;
  },
});
