/**
 * K8S_PrivilegedContainer — a container that runs privileged appeared: in a Pod or any workload's
 * pod template, as a regular, init or ephemeral container, by create, update or patch; or in a
 * snapshot of the cluster. Privileged means `securityContext.privileged: true`, or a Windows
 * HostProcess container, which has the same reach over its node.
 * A refused request created nothing and does not fire. An update that leaves an already
 * privileged container as it was does not fire again.
 */
import { defineDetection } from '../../engine/detection.js';
import type { ContainerSpec } from '../../inventory/pod-spec.js';
import { containerFinding, newlyMatching, WORKLOAD_AUDIT_INDEX, workloadChange } from './lib/workloads.js';

export function isPrivileged(container: ContainerSpec): boolean {
  const sc = container.securityContext;
  if (!sc) return false;
  const windows = sc.windowsOptions as { hostProcess?: unknown } | undefined;
  return sc.privileged === true || windows?.hostProcess === true;
}

export default defineDetection({
  type: 'K8S_PrivilegedContainer',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: WORKLOAD_AUDIT_INDEX,
  summary: 'Container {container} ({role}, image {image}) of {kind} {namespace}/{name} runs privileged; set by {user}.',
  detect(event, ctx) {
    const change = workloadChange(event, ctx);
    if (!change) return undefined;
    return newlyMatching(change, isPrivileged).map((container) => containerFinding(change, container));
  },
});
