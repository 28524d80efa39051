/**
 * K8S_DeleteEvents — Kubernetes Event objects were deleted: delete or deletecollection of `events`
 * in the core group or in events.k8s.io. Deletes by one identity in one namespace within the
 * aggregation window are one alert with a count, so a burst of deletes is one alert.
 *
 * The API server's own event TTL expiry is not a request and never appears here. The namespace
 * controller deletes a namespace's events while deleting the namespace: its identities are the
 * setting `trustedDeleters` (default: `system:serviceaccount:kube-system:namespace-controller`,
 * and `system:kube-controller-manager`, the name it runs as without
 * --use-service-account-credentials), trusted only when acting in their own name.
 *
 * Refused requests fire too, saying so: nothing in normal operation deletes Events, so an attempt
 * to do it — hiding tracks — matters whether or not RBAC stopped it. A delete of an event that
 * was already gone (404) is still someone deleting events, and fires.
 */
import { auditEntities } from '../../alerts/entities.js';
import { defineDetection } from '../../engine/detection.js';
import { actingUser, byTrustedIdentity, hasOutcome, outcomeText, stringListSetting } from './lib/audit-request.js';

const GROUPS = new Set(['', 'events.k8s.io']);

export default defineDetection({
  type: 'K8S_DeleteEvents',
  kinds: ['k8s.audit'],
  audit: { verbs: ['delete', 'deletecollection'], resources: ['events'] },
  summary: '{user} deleted Kubernetes events ({what}) in {scope}; {outcome}.',
  defaults: { trustedDeleters: ['system:serviceaccount:kube-system:namespace-controller', 'system:kube-controller-manager'] },
  detect(event, ctx) {
    const ref = event.objectRef;
    if (!ref || !GROUPS.has(ref.apiGroup) || !hasOutcome(event)) return undefined;
    if (byTrustedIdentity(event, stringListSetting(ctx.settings, 'trustedDeleters'))) return undefined;
    const entities = auditEntities(event);
    const scope = ref.namespace ? `namespace ${ref.namespace}` : 'all namespaces';
    const what = event.verb === 'deletecollection' ? `every event${ref.apiGroup ? ' (events.k8s.io)' : ''}` : `event ${ref.name ?? '(unnamed)'}`;
    return {
      entities,
      facts: { user: entities.user, what, scope, outcome: outcomeText(event) },
      key: `${actingUser(event)}|${ref.namespace ?? '*'}`,
    };
  },
});
