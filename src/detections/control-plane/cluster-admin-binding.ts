/**
 * K8S_ClusterAdminBinding — someone was newly granted the cluster-admin ClusterRole: by a new
 * ClusterRoleBinding, or a RoleBinding to it (admin of everything in that namespace), created,
 * updated or patched, or seen in a snapshot. roleRef is immutable, so a grant through an existing
 * binding is a subject added to it: only subjects the binding did not have before alert (when the
 * binding was never seen before an update, all its subjects count as new).
 * The grant the API server makes at bootstrap — ClusterRoleBinding `cluster-admin` to Group
 * `system:masters` — exists in every cluster and never alerts; other subjects added to that same
 * binding do. A refused request granted nothing and does not fire.
 */
import { defineDetection } from '../../engine/detection.js';
import type { K8sObject } from '../../events/model.js';
import { objectName, rbacChange, rbacFinding, roleRefOf, subjectsOf, subjectText, type Subject } from './lib/rbac.js';

const CLUSTER_ADMIN = 'cluster-admin';

function bindsClusterAdmin(binding: K8sObject | undefined): boolean {
  const ref = binding && roleRefOf(binding);
  return ref?.kind === 'ClusterRole' && ref.name === CLUSTER_ADMIN;
}

function isBootstrapGrant(binding: K8sObject, subject: Subject): boolean {
  return binding.kind === 'ClusterRoleBinding' && binding.metadata.name === CLUSTER_ADMIN && subject.kind === 'Group' && subject.name === 'system:masters';
}

const key = (s: Subject) => `${s.kind}/${s.namespace ?? ''}/${s.name}`;

export default defineDetection({
  type: 'K8S_ClusterAdminBinding',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: { verbs: ['create', 'update', 'patch'], resources: ['clusterrolebindings', 'rolebindings'] },
  summary: '{kind} {binding} grants cluster-admin{scope} to {subjects} ({how}); by {user}.',
  detect(event, ctx) {
    const change = rbacChange(event, ctx, ['ClusterRoleBinding', 'RoleBinding']);
    if (!change || !bindsClusterAdmin(change.object)) return undefined;
    const had = new Set(bindsClusterAdmin(change.before) ? subjectsOf(change.before).map(key) : []);
    const added = subjectsOf(change.object).filter((s) => !had.has(key(s)) && !isBootstrapGrant(change.object, s));
    if (!added.length) return undefined;
    const { metadata, kind } = change.object;
    return rbacFinding(
      change,
      {
        binding: objectName(change.object),
        scope: kind === 'RoleBinding' ? ` in namespace ${metadata.namespace ?? '(unknown)'}` : ' cluster-wide',
        subjects: added.map(subjectText).join(', '),
        how: change.before ? 'subjects added to an existing binding' : 'binding first seen',
      },
      added.map(key).join(','),
    );
  },
});
