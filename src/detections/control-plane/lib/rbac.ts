/**
 * @module detections/control-plane/lib/rbac
 * What a request (or a snapshot) did to an RBAC object — Role, ClusterRole, RoleBinding,
 * ClusterRoleBinding — with the object as it was known before, and how to read bindings'
 * subjects and roles' rules as the API server's authoriser does (wildcards, subresources).
 *
 * Refused and failed requests changed nothing: they yield nothing here.
 */
import type { AlertEntities } from '../../../alerts/alert.js';
import { actingUser, auditEntities } from '../../../alerts/entities.js';
import type { DetectionContext, Finding } from '../../../engine/detection.js';
import type { K8sAuditEvent, K8sObject, K8sObjectEvent } from '../../../events/model.js';
import { isRecord } from '../../../inventory/pod-spec.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface RbacChange {
  object: K8sObject;
  /** The object as last known before this request or snapshot (undefined on create or first sight). */
  before?: K8sObject;
  /** Who made the change; undefined for snapshots. */
  actor?: string;
  entities: AlertEntities;
}

/** The RBAC object a successful audit request or a snapshot left, of one of `kinds`. */
export function rbacChange(event: K8sAuditEvent | K8sObjectEvent, ctx: DetectionContext, kinds: readonly string[]): RbacChange | undefined {
  if (event.kind === 'k8s.object') {
    const object = event.object;
    if (event.change === 'deleted' || !kinds.includes(object.kind) || !object.metadata?.name) return undefined;
    return {
      object,
      before: ctx.inventory.get(object.kind, object.metadata.namespace, object.metadata.name),
      entities: {
        cluster: event.cluster,
        namespace: object.metadata.namespace,
        resource: { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name },
      },
    };
  }
  const object = ctx.inventory.resultOf(event);
  if (!object || !kinds.includes(object.kind) || !object.metadata.name) return undefined;
  const before = event.verb === 'create' ? undefined : ctx.inventory.get(object.kind, object.metadata.namespace, object.metadata.name);
  const entities = auditEntities(event);
  entities.resource = { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
  return { object, before, actor: actingUser(event), entities };
}

/** 'namespace/name' of a namespaced object, 'name' of a cluster-scoped one. */
export function objectName(object: K8sObject): string | undefined {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

/**
 * The finding for an RBAC change: its entities, the facts every RBAC summary uses ({kind},
 * {user}) plus the detection's own, and one alert per object (or per object and `keySuffix`).
 */
export function rbacFinding(change: RbacChange, facts: Finding['facts'], keySuffix?: string): Finding {
  const { metadata, kind } = change.object;
  const key = `${kind}/${metadata.namespace ?? ''}/${metadata.name}`;
  return {
    entities: change.entities,
    facts: { kind, ...facts, user: change.entities.user ?? 'the cluster snapshot' },
    key: keySuffix === undefined ? key : `${key}/${keySuffix}`,
  };
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

/** A binding's well-formed subjects. */
export function subjectsOf(binding: K8sObject | undefined): Subject[] {
  if (!binding || !Array.isArray(binding.subjects)) return [];
  const out: Subject[] = [];
  for (const s of binding.subjects as unknown[]) {
    if (!isRecord(s) || typeof s.kind !== 'string' || typeof s.name !== 'string') continue;
    out.push({ kind: s.kind, name: s.name, namespace: typeof s.namespace === 'string' && s.namespace ? s.namespace : undefined });
  }
  return out;
}

export function subjectText(s: Subject): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace ?? ''}/${s.name}` : `${s.kind} ${s.name}`;
}

export function roleRefOf(binding: K8sObject): { kind: string; name: string } | undefined {
  const ref = binding.roleRef;
  if (!isRecord(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') return undefined;
  return { kind: ref.kind, name: ref.name };
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A role's well-formed rules. */
export function rulesOf(role: K8sObject | undefined): PolicyRule[] {
  if (!role || !Array.isArray(role.rules)) return [];
  return (role.rules as unknown[]).filter(isRecord).map((r) => ({
    apiGroups: strings(r.apiGroups),
    resources: strings(r.resources),
    verbs: strings(r.verbs),
    resourceNames: strings(r.resourceNames),
    nonResourceURLs: strings(r.nonResourceURLs),
  }));
}

/**
 * Does `rule` allow `verb` on `resource` ('pods', 'pods/exec') of API group `group`, as the RBAC
 * authoriser matches: `*` for any verb, group or resource, `pods/*` for every subresource of
 * pods, `*\/scale` for one subresource of every resource.
 */
export function ruleAllows(rule: PolicyRule, verb: string, group: string, resource: string): boolean {
  if (!rule.verbs.includes('*') && !rule.verbs.includes(verb)) return false;
  if (!rule.apiGroups.includes('*') && !rule.apiGroups.includes(group)) return false;
  const slash = resource.indexOf('/');
  return rule.resources.some((r) => {
    if (r === '*' || r === resource) return true;
    if (slash < 0) return false;
    if (r.endsWith('/*') && r.slice(0, -2) === resource.slice(0, slash)) return true;
    return r.startsWith('*/') && r.slice(2) === resource.slice(slash + 1);
  });
}
