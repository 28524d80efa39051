/**
 * K8S_HighPrivilegesRole — a Role or ClusterRole was created, or changed, so that it grants high
 * privileges: every verb on every resource, write access to every resource, or one of the grants
 * that lead to cluster-admin — escalate or bind on roles, impersonate, exec/attach into pods, the
 * kubelet API through nodes/proxy, reading Secrets cluster-wide (a ClusterRole without
 * resourceNames; reading them in one namespace is ordinary), creating or changing role bindings,
 * minting service account tokens, approving certificate signing requests, changing admission
 * webhooks. The alert names each grant and the rule it comes from.
 * Not new roles: aggregated ClusterRoles (the aggregation controller copies in rules of roles
 * judged on their own), and the built-in roles the API server reconciles at start (requests by
 * system:apiserver; in snapshots, roles labelled kubernetes.io/bootstrapping=rbac-defaults).
 * A change that keeps a role's high grants as they were does not fire again. A refused request
 * granted nothing and does not fire.
 */
import { defineDetection } from '../../engine/detection.js';
import type { K8sObject } from '../../events/model.js';
import { objectName, RBAC_GROUP, rbacChange, rbacFinding, ruleAllows, rulesOf, type PolicyRule } from './lib/rbac.js';

interface Grant {
  what: string;
  /** `cluster`: the role is a ClusterRole. */
  test(rule: PolicyRule, cluster: boolean): boolean;
}

/** Resources a namespaced Role cannot grant, whatever its rules say. */
const CLUSTER_SCOPED = new Set([
  'clusterroles',
  'clusterrolebindings',
  'nodes/proxy',
  'users',
  'groups',
  'uids',
  'userextras/scopes',
  'certificatesigningrequests/approval',
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
]);

function allowsAny(rule: PolicyRule, cluster: boolean, verbs: readonly string[], group: string, resources: readonly string[]): boolean {
  return verbs.some((verb) => resources.some((resource) => (cluster || !CLUSTER_SCOPED.has(resource)) && ruleAllows(rule, verb, group, resource)));
}

const WRITE_VERBS = ['create', 'update', 'patch', 'delete'];

const HIGH_GRANTS: readonly Grant[] = [
  { what: 'every verb on every resource', test: (r) => r.verbs.includes('*') && r.resources.includes('*') },
  { what: 'write access to every resource', test: (r) => r.resources.includes('*') && WRITE_VERBS.some((v) => r.verbs.includes(v)) },
  { what: 'escalate on roles', test: (r, c) => allowsAny(r, c, ['escalate'], RBAC_GROUP, ['roles', 'clusterroles']) },
  { what: 'bind any role', test: (r, c) => allowsAny(r, c, ['bind'], RBAC_GROUP, ['roles', 'clusterroles']) },
  {
    what: 'impersonation',
    test: (r, c) =>
      allowsAny(r, c, ['impersonate'], '', ['users', 'groups', 'serviceaccounts']) ||
      allowsAny(r, c, ['impersonate'], 'authentication.k8s.io', ['uids', 'userextras/scopes']),
  },
  // Since Kubernetes 1.30 websocket exec needs `create` too, so `get` on pods/exec (which any
  // `get *` role has) is no longer a way in. `get` on nodes/proxy still reaches the kubelet API.
  { what: 'exec or attach into pods', test: (r, c) => allowsAny(r, c, ['create'], '', ['pods/exec', 'pods/attach']) },
  { what: 'the kubelet API through nodes/proxy', test: (r, c) => allowsAny(r, c, ['get', 'create', 'update', 'patch', 'delete'], '', ['nodes/proxy']) },
  { what: 'reading Secrets cluster-wide', test: (r, c) => c && r.resourceNames.length === 0 && allowsAny(r, c, ['get', 'list', 'watch'], '', ['secrets']) },
  { what: 'creating or changing role bindings', test: (r, c) => allowsAny(r, c, ['create', 'update', 'patch'], RBAC_GROUP, ['rolebindings', 'clusterrolebindings']) },
  { what: 'minting service account tokens', test: (r, c) => allowsAny(r, c, ['create'], '', ['serviceaccounts/token']) },
  {
    what: 'approving certificate signing requests',
    test: (r, c) => allowsAny(r, c, ['update', 'patch'], 'certificates.k8s.io', ['certificatesigningrequests/approval']),
  },
  {
    what: 'changing admission webhooks',
    test: (r, c) => allowsAny(r, c, ['create', 'update', 'patch'], 'admissionregistration.k8s.io', ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']),
  },
];

function ruleText(rule: PolicyRule, index: number): string {
  const groups = rule.apiGroups.map((g) => (g === '' ? 'core' : g)).join(',');
  const names = rule.resourceNames.length ? ` named ${rule.resourceNames.join(',')}` : '';
  return `rule ${index + 1}: ${rule.verbs.join(',')} on ${groups} ${rule.resources.join(',')}${names}`;
}

/**
 * Each high grant of a role → the first rule that gives it ('rule n: verbs on groups resources').
 * Every verb on every resource implies all the others, so it is reported alone.
 */
export function highGrants(role: K8sObject | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!role) return out;
  const rules = rulesOf(role);
  const cluster = role.kind === 'ClusterRole';
  for (const grant of HIGH_GRANTS) {
    const index = rules.findIndex((r) => grant.test(r, cluster));
    if (index < 0) continue;
    out.set(grant.what, ruleText(rules[index]!, index));
    if (grant === HIGH_GRANTS[0]) break;
  }
  return out;
}

function isBuiltIn(role: K8sObject, actor: string | undefined): boolean {
  if (actor !== undefined) return actor === 'system:apiserver';
  return role.metadata.labels?.['kubernetes.io/bootstrapping'] === 'rbac-defaults';
}

export default defineDetection({
  type: 'K8S_HighPrivilegesRole',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: { verbs: ['create', 'update', 'patch'], resources: ['roles', 'clusterroles'] },
  summary: '{kind} {role} grants high privileges: {grants} ({rules}); {how} by {user}.',
  detect(event, ctx) {
    const change = rbacChange(event, ctx, ['Role', 'ClusterRole']);
    if (!change || change.object.aggregationRule || isBuiltIn(change.object, change.actor)) return undefined;
    const had = highGrants(change.before);
    const added = [...highGrants(change.object)].filter(([what]) => !had.has(what));
    if (!added.length) return undefined;
    return rbacFinding(change, {
      role: objectName(change.object),
      grants: added.map(([what]) => what).join(', '),
      rules: [...new Set(added.map(([, rule]) => rule))].join('; '),
      how: change.before ? 'grants added to an existing role' : 'role first seen',
    });
  },
});
