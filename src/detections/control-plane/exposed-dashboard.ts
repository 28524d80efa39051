/**
 * K8S_ExposedDashboard — the Kubernetes dashboard became reachable from the Internet through a
 * load balancer: a Service of `type: LoadBalancer` (not internal, not limited to private source
 * ranges) whose ports lead to a dashboard container (data/indicators/exposed-apps.yaml: the
 * kubernetesui images, the old kubernetes-dashboard-<arch> images), or a Service or selected
 * workload named as the official manifests and chart name it (kubernetes-dashboard, the v7 chart's
 * kubernetes-dashboard-kong-proxy) — a mirrored or rebuilt image still counts then.
 *
 * Fires on whichever change completes the exposure: a Service created as, or patched into, a
 * LoadBalancer; a dashboard Deployment created after the Service that selects it; or a snapshot.
 * Refused requests changed nothing and do not fire. `kubectl proxy` / port-forward to a ClusterIP
 * dashboard is the recommended access and is not exposure. See lib/exposure.ts for what "exposed"
 * means (NodePort and Ingress are out of scope).
 */
import { defineDetection } from '../../engine/detection.js';
import { appEntries, exposureAuditIndex, exposureChanges, exposureFinding, matchName, matchTarget, targetsOf, type Target } from './lib/exposure.js';

export default defineDetection({
  type: 'K8S_ExposedDashboard',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: exposureAuditIndex(),
  summary: 'Service {service} exposes the Kubernetes dashboard ({workload}, image {image}, identified by {identifiedBy}) through {exposure} on ports {ports}; made so by {trigger}.',
  detect(event, ctx) {
    const entries = appEntries(ctx, 'exposed-apps').filter((e) => e.app === 'kubernetes-dashboard');
    const changes = exposureChanges<{ target?: Target; identifiedBy: string }>(event, ctx, {
      judge(service, exposure, view) {
        const targets = targetsOf(service, exposure, view);
        for (const target of targets) {
          const entry = matchTarget(target, entries);
          if (entry) return { target, identifiedBy: `image ${entry.value}` };
        }
        const named = matchName(service, targets, entries);
        return named ? { target: named.target, identifiedBy: `name ${named.entry.value}` } : undefined;
      },
    });
    return changes.map((change) => exposureFinding(event, change, change.verdict.target, { identifiedBy: change.verdict.identifiedBy }));
  },
});
