/**
 * @module dashboard/format
 * How alert fields read on screen: severities in order with their labels, times, the one entity
 * that names what an alert is about, and a severity badge.
 */
import { h } from './dom.js';
import type { Alert, AlertStatus, Severity } from './types.js';

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'informational'];
export const STATUSES: readonly AlertStatus[] = ['active', 'resolved', 'dismissed'];

export const SEVERITY_RANK: Record<Severity, number> = { high: 3, medium: 2, low: 1, informational: 0 };

const SEVERITY_LABEL: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low', informational: 'Info' };

export function severityBadge(severity: Severity): HTMLElement {
  return h('span', { class: `badge sev-${severity}` }, SEVERITY_LABEL[severity] ?? String(severity));
}

export function statusBadge(status: AlertStatus): HTMLElement {
  return h('span', { class: `status status-${status}` }, status);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 2026-03-14 09:21:07 in the browser's time zone. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "3 min ago", "2 h ago", "5 d ago". */
export function ago(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 60) return seconds < 0 ? 'in the future' : 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** A time element with the exact time as a tooltip. */
export function timeCell(iso: string): HTMLElement {
  return h('time', { attrs: { datetime: iso, title: formatTime(iso) } }, ago(iso));
}

/** What the alert is about, most specific first: {kind: 'pod', name: 'payments/api-7c9f'}. */
export function mainEntity(alert: Alert): { kind: string; name: string } | undefined {
  const e = alert.entities ?? {};
  const inNamespace = (name: string, namespace?: string) => (namespace ? `${namespace}/${name}` : name);
  if (e.pod) return { kind: 'pod', name: inNamespace(e.pod, e.namespace) };
  if (e.resource?.name) return { kind: e.resource.kind, name: inNamespace(e.resource.name, e.resource.namespace) };
  if (e.node) return { kind: 'node', name: e.node };
  if (e.serviceAccount) return { kind: 'service account', name: e.serviceAccount };
  if (e.user) return { kind: 'user', name: e.user };
  if (e.identity) return { kind: 'identity', name: e.identity.name ?? e.identity.id };
  if (e.remoteAddress) return { kind: 'address', name: e.remoteAddress };
  if (e.namespace) return { kind: 'namespace', name: e.namespace };
  if (e.cluster) return { kind: 'cluster', name: e.cluster };
  return undefined;
}

/** MITRE ATT&CK tactic names as the catalogue spells them, with spaces for reading. */
export function tacticLabel(tactic: string): string {
  return tactic.replace(/([a-z])([A-Z])/g, '$1 $2');
}
