/**
 * @module sources/k8s-audit/normalise
 * One `audit.k8s.io/v1` (or v1beta1) Event object → the model's `k8s.audit` event. Shared by every
 * format that carries audit events: the log and webhook backends, and the AKS, EKS and GKE wrappers.
 * Wrong field types are rejected with the field's name, never coerced silently.
 */
import type { K8sAuditEvent, K8sObjectRef, K8sUser } from '../../events/model.js';

export interface AuditContext {
  source: string;
  origin?: string;
  cluster?: string;
}

/** The normalised event, or the reason the value is not a usable audit event. */
export type NormaliseResult = K8sAuditEvent | { error: string };

type Raw = Record<string, unknown>;

function isRaw(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class FieldError extends Error {}

function str(raw: Raw, field: string, required: boolean): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null) {
    if (required) throw new FieldError(`missing field '${field}'`);
    return undefined;
  }
  if (typeof value !== 'string') throw new FieldError(`field '${field}' must be a string, got ${typeName(value)}`);
  return value;
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

function stringArray(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError(`field '${field}' must be an array, got ${typeName(value)}`);
  return value.map((item, i) => {
    if (typeof item !== 'string') throw new FieldError(`field '${field}[${i}]' must be a string, got ${typeName(item)}`);
    return item;
  });
}

function user(value: unknown, field: string, required: boolean): K8sUser | undefined {
  if (value === undefined || value === null) {
    if (required) throw new FieldError(`missing field '${field}'`);
    return undefined;
  }
  if (!isRaw(value)) throw new FieldError(`field '${field}' must be an object, got ${typeName(value)}`);
  const out: K8sUser = {
    username: str(value, 'username', false) ?? '',
    uid: str(value, 'uid', false),
    groups: stringArray(value.groups, `${field}.groups`),
  };
  if (isRaw(value.extra)) {
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(value.extra)) extra[k] = stringArray(v, `${field}.extra.${k}`);
    out.extra = extra;
  }
  return out;
}

function objectRef(value: unknown): K8sObjectRef | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRaw(value)) throw new FieldError(`field 'objectRef' must be an object, got ${typeName(value)}`);
  return {
    resource: str(value, 'resource', false) ?? '',
    subresource: str(value, 'subresource', false) || undefined,
    namespace: str(value, 'namespace', false) || undefined,
    name: str(value, 'name', false) || undefined,
    apiGroup: str(value, 'apiGroup', false) ?? '',
    apiVersion: str(value, 'apiVersion', false),
    uid: str(value, 'uid', false),
  };
}

/** Milliseconds since the epoch of an RFC 3339 time, or NaN. */
export function parseTime(text: string | undefined): number {
  return text ? Date.parse(text) : NaN;
}

export function normaliseAuditEvent(raw: unknown, context: AuditContext): NormaliseResult {
  if (!isRaw(raw)) return { error: `expected an audit Event object, got ${typeName(raw)}` };
  try {
    const auditID = str(raw, 'auditID', true)!;
    const stage = str(raw, 'stage', false) ?? 'ResponseComplete';
    const stageTimestamp = str(raw, 'stageTimestamp', false);
    const received = str(raw, 'requestReceivedTimestamp', false);
    const time = parseTime(received ?? stageTimestamp);
    if (Number.isNaN(time)) return { error: `event ${auditID}: missing or invalid requestReceivedTimestamp` };
    const status = raw.responseStatus;
    if (status !== undefined && status !== null && !isRaw(status)) {
      throw new FieldError(`field 'responseStatus' must be an object, got ${typeName(status)}`);
    }
    let responseCode: number | undefined;
    if (isRaw(status) && status.code !== undefined) {
      if (typeof status.code !== 'number') throw new FieldError(`field 'responseStatus.code' must be a number, got ${typeName(status.code)}`);
      responseCode = status.code;
    }
    const annotations: Record<string, string> = {};
    if (isRaw(raw.annotations)) {
      for (const [k, v] of Object.entries(raw.annotations)) if (typeof v === 'string') annotations[k] = v;
    }
    return {
      kind: 'k8s.audit',
      id: auditID,
      time,
      source: context.source,
      cluster: context.cluster,
      origin: context.origin,
      auditID,
      stage,
      level: str(raw, 'level', false) ?? 'Metadata',
      verb: str(raw, 'verb', true)!,
      requestURI: str(raw, 'requestURI', false) ?? '',
      user: user(raw.user, 'user', true)!,
      impersonatedUser: user(raw.impersonatedUser, 'impersonatedUser', false),
      sourceIPs: stringArray(raw.sourceIPs, 'sourceIPs'),
      userAgent: str(raw, 'userAgent', false) ?? '',
      objectRef: objectRef(raw.objectRef),
      responseCode,
      responseReason: isRaw(status) && typeof status.reason === 'string' ? status.reason : undefined,
      requestObject: raw.requestObject ?? undefined,
      responseObject: raw.responseObject ?? undefined,
      annotations,
    };
  } catch (error) {
    if (error instanceof FieldError) return { error: error.message };
    throw error;
  }
}
