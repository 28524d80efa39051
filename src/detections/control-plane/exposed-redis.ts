/**
 * K8S_ExposedRedis — Redis became reachable from the Internet through a load balancer: a Service
 * of `type: LoadBalancer` (not internal, not limited to private ranges) whose port leads to a Redis
 * container's port (data/indicators/exposed-apps.yaml, app `redis`: redis, bitnami/redis,
 * redis-stack, the Valkey and KeyDB forks, or any image with "redis" in it serving 6379). A metrics
 * exporter beside Redis, or another application on 6379, is not Redis.
 *
 * The description says what authentication the pod spec shows: --requirepass/--aclfile in the
 * command, REDIS_PASSWORD (Bitnami), ALLOW_EMPTY_PASSWORD=yes, a requirepass line in a mounted
 * ConfigMap — or none. Exposure alone is the alert (the catalogue's: "without authentication this is
 * a risk"); a password does not silence it, it only lowers the stakes the analyst reads.
 *
 * Fires on whichever change completes the exposure (Service created or patched to LoadBalancer,
 * the Redis workload created or changed after the Service), from audit requests or snapshots.
 * Refused requests changed nothing and do not fire.
 */
import { defineDetection } from '../../engine/detection.js';
import type { K8sObject } from '../../events/model.js';
import { argWords, environmentOf, exposureAuditIndex, exposureChanges, exposureFinding, findApp, mountedConfigFiles, targetsOf, type ClusterView, type Target } from './lib/exposure.js';

const MAX_CONFIG_LINES = 5000;

/** Whether a redis.conf text sets a directive (first word of a line). */
function confDirective(text: string, directive: string): boolean {
  return text
    .split('\n', MAX_CONFIG_LINES)
    .some((line) => line.trimStart().toLowerCase().startsWith(directive + ' '));
}

/** What the pod spec shows of the Redis server's authentication. */
export function redisAuthentication(target: Target, service: K8sObject, view: ClusterView): string {
  const namespace = service.metadata.namespace ?? '';
  const words = argWords(target.container);
  if (words.includes('--requirepass')) return 'a password is required (--requirepass)';
  if (words.includes('--aclfile') || words.includes('--user')) return 'ACL users are configured (--aclfile/--user)';
  const env = environmentOf(target.container, namespace, view);
  for (const name of ['REDIS_PASSWORD', 'REDIS_PASSWORD_FILE']) {
    const v = env.get(name);
    if (v && (v.value === undefined || v.value !== '')) return `a password is set (${name} from ${v.from})`;
  }
  for (const file of mountedConfigFiles(target.container, target.spec, namespace, view)) {
    if (confDirective(file.content, 'requirepass')) return `a password is required (requirepass in ${file.path}, ConfigMap ${file.configMap})`;
    if (confDirective(file.content, 'aclfile') || confDirective(file.content, 'user')) return `ACL users are configured (in ${file.path}, ConfigMap ${file.configMap})`;
  }
  const empty = env.get('ALLOW_EMPTY_PASSWORD')?.value?.toLowerCase();
  if (empty === 'yes' || empty === 'true' || empty === '1') return 'no password: ALLOW_EMPTY_PASSWORD=yes';
  return 'no authentication is visible in the pod spec (Redis requires none by default)';
}

export default defineDetection({
  type: 'K8S_ExposedRedis',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: exposureAuditIndex(),
  summary: 'Service {service} exposes Redis ({workload}, container {container}, image {image}) through {exposure} on ports {ports}; authentication: {auth}. Made so by {trigger}.',
  detect(event, ctx) {
    const changes = exposureChanges(event, ctx, {
      judge(service, exposure, view) {
        const found = findApp(ctx, 'exposed-apps', 'redis', targetsOf(service, exposure, view));
        return found && { target: found.target, auth: redisAuthentication(found.target, service, view) };
      },
    });
    return changes.map((change) => exposureFinding(event, change, change.verdict.target, { auth: change.verdict.auth }));
  },
});
