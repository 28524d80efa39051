/**
 * K8S_ExposedService — a sensitive application, one that lets whoever reaches it run processes,
 * create containers or take the cluster, became reachable from the Internet through a load
 * balancer: a Service of `type: LoadBalancer` (not internal, not limited to private ranges) whose
 * port leads to such an application's port (data/indicators/sensitive-services.yaml, with
 * provenance: Weave Scope, the Argo Workflows server, Jupyter, a Docker daemon, the kubelet
 * through a hostNetwork pod, NiFi, Consul, Portainer, Jenkins, Ray, Selenium Grid, etcd).
 *
 * Targets that are the Kubernetes dashboard, Redis or Postgres (exposed-apps.yaml) are skipped:
 * they have their own alert types, so one exposure raises one alert type.
 *
 * Fires on whichever change completes the exposure (Service created or patched to LoadBalancer,
 * the application's workload created after the Service), from audit requests or snapshots.
 * Refused requests changed nothing and do not fire.
 */
import { defineDetection } from '../../engine/detection.js';
import { appEntries, exposureAuditIndex, exposureChanges, exposureFinding, matchName, matchTarget, targetsOf } from './lib/exposure.js';

export default defineDetection({
  type: 'K8S_ExposedService',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: exposureAuditIndex(),
  summary: 'Service {service} exposes {app} ({workload}, container {container}, image {image}, port {port}), which {why}, through {exposure} on ports {ports}; made so by {trigger}.',
  detect(event, ctx) {
    const sensitive = appEntries(ctx, 'sensitive-services');
    const dedicated = appEntries(ctx, 'exposed-apps');
    const changes = exposureChanges(event, ctx, {
      judge(service, exposure, view) {
        const targets = targetsOf(service, exposure, view);
        if (matchName(service, targets, dedicated)) return undefined;
        for (const target of targets) {
          if (matchTarget(target, dedicated)) continue;
          const entry = matchTarget(target, sensitive);
          if (entry) return { target, entry };
        }
        return undefined;
      },
    });
    return changes.map((change) => {
      const { target, entry } = change.verdict;
      return exposureFinding(event, change, target, { app: entry.app, why: entry.why ?? 'allows high-impact operations', port: target.port });
    });
  },
});
