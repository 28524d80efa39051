/**
 * K8S_ExposedPostgresBroadIPRange — Postgres became reachable through a load balancer from a broad
 * range of source addresses: the Service's port leads to the Postgres container's port
 * (lib/exposure.ts postgresTargets) and the load balancer admits every address (no source ranges:
 * the cloud opens it to 0.0.0.0/0) or a range wider than the threshold — by default broader than
 * /16 for IPv4 and /48 for IPv6 (settings maxIPv4Prefix, maxIPv6Prefix); 0.0.0.0/0 and ::/0 written
 * out count too. Ranges come from `spec.loadBalancerSourceRanges`, else from the
 * service.beta.kubernetes.io/load-balancer-source-ranges annotation. A range made only of private
 * addresses is no Internet client's and does not count (lib/exposure.ts); nor do internal load
 * balancers.
 *
 * Fires on whichever change makes it so: a Service created, patched to LoadBalancer or widened; the
 * Postgres workload created after the Service; a snapshot. Narrowing never fires. Refused requests
 * changed nothing and do not fire.
 */
import { defineDetection, type DetectionSettings } from '../../engine/detection.js';
import { parseCidr } from '../../indicators/ip.js';
import { exposureAuditIndex, exposureChanges, exposureFinding, isNonInternetRange, postgresTargets, targetsOf, type Exposure } from './lib/exposure.js';

const DEFAULTS = { maxIPv4Prefix: 16, maxIPv6Prefix: 48 };

function prefixSetting(settings: DetectionSettings, name: keyof typeof DEFAULTS, max: number): number {
  const value = settings[name];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max ? value : DEFAULTS[name];
}

/** Why the load balancer's source ranges are broad, or undefined when they are narrow enough. */
export function broadRanges(exposure: Exposure, settings: DetectionSettings): string | undefined {
  if (exposure.sourceRanges.length === 0) return 'no source ranges: every address (0.0.0.0/0) may connect';
  const max4 = prefixSetting(settings, 'maxIPv4Prefix', 32);
  const max6 = prefixSetting(settings, 'maxIPv6Prefix', 128);
  const broad = exposure.sourceRanges
    .map(parseCidr)
    .filter((c) => c !== undefined && !isNonInternetRange(c) && c.prefix < (c.family === 'ipv4' ? max4 : max6))
    .map((c) => c!.text);
  if (broad.length === 0) return undefined;
  return `${broad.slice(0, 5).join(', ')} in ${exposure.rangesFrom} (broader than /${max4} for IPv4, /${max6} for IPv6)`;
}

export default defineDetection({
  type: 'K8S_ExposedPostgresBroadIPRange',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: exposureAuditIndex(),
  defaults: DEFAULTS,
  summary: 'Service {service} exposes Postgres ({workload}, container {container}, image {image}) through a load balancer on ports {ports} to a broad range of addresses: {ranges}. Made so by {trigger}.',
  detect(event, ctx) {
    const changes = exposureChanges(event, ctx, {
      judge(service, exposure, view) {
        const ranges = broadRanges(exposure, ctx.settings);
        const target = ranges === undefined ? undefined : postgresTargets(ctx, targetsOf(service, exposure, view))[0];
        return target && ranges ? { target, ranges } : undefined;
      },
    });
    return changes.map((change) => exposureFinding(event, change, change.verdict.target, { ranges: change.verdict.ranges }));
  },
});
