/**
 * @module detections/control-plane/lib/audit-request
 * How an audit request ended and who really made it, the same way for every control-plane
 * detection: whether this stage carries the outcome, whether it was refused, and whether the
 * identity is one a setting lists as trusted.
 */
import { actingUser } from '../../../alerts/entities.js';
import type { DetectionSettings } from '../../../engine/detection.js';
import type { K8sAuditEvent } from '../../../events/model.js';

/**
 * Whether this stage says how the request ended. RequestReceived carries no status; the same
 * request's ResponseComplete (same auditID) is the one to judge, so a pair raises one alert.
 */
export function hasOutcome(event: K8sAuditEvent): boolean {
  return event.responseCode !== undefined;
}

export function succeeded(event: K8sAuditEvent): boolean {
  return event.responseCode !== undefined && event.responseCode < 300;
}

export function refused(event: K8sAuditEvent): boolean {
  return event.responseCode === 401 || event.responseCode === 403;
}

/** 'succeeded', 'denied (403)', 'failed (404)', or 'outcome not logged'. */
export function outcomeText(event: K8sAuditEvent): string {
  const code = event.responseCode;
  if (code === undefined) return 'outcome not logged';
  if (code < 300) return 'succeeded';
  return refused(event) ? `denied (${code})` : `failed (${code})`;
}

/**
 * Whether the request was made by one of `trusted` in its own name. An impersonated trusted
 * identity is not trusted: the one impersonating it is someone else.
 */
export function byTrustedIdentity(event: K8sAuditEvent, trusted: ReadonlySet<string>): boolean {
  return !event.impersonatedUser && trusted.has(event.user.username);
}

export { actingUser };

/** A setting that must be a list of strings; anything else is a configuration error. */
export function stringListSetting(settings: DetectionSettings, name: string): ReadonlySet<string> {
  const value = settings[name] ?? [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new Error(`setting '${name}' must be a list of strings`);
  }
  return new Set(value as string[]);
}

/** A setting that must be a positive number. */
export function numberSetting(settings: DetectionSettings, name: string): number {
  const value = settings[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new Error(`setting '${name}' must be a positive number`);
  return value;
}
