/**
 * @module sinks/format/table
 * Alerts for a person at a terminal: one block per alert, the most severe first, colour when the
 * stream is a terminal, every piece of cluster-supplied text escaped.
 */
import pc from 'picocolors';
import type { Alert } from '../../alerts/alert.js';
import { SEVERITIES, type Severity } from '../../events/model.js';
import { escapeControl } from '../../util/escape.js';

const SEVERITY_COLOUR: Record<Severity, (s: string) => string> = {
  high: (s) => pc.bold(pc.red(s)),
  medium: pc.yellow,
  low: pc.cyan,
  informational: pc.dim,
};

function mainEntity(alert: Alert): string {
  const e = alert.entities;
  if (e.pod) return `pod ${e.namespace ? e.namespace + '/' : ''}${e.pod}${e.container ? ' container ' + e.container : ''}`;
  if (e.resource) return `${e.resource.kind} ${e.resource.namespace ? e.resource.namespace + '/' : ''}${e.resource.name ?? ''}`.trim();
  if (e.node) return `node ${e.node}`;
  if (e.identity) return `identity ${e.identity.name ?? e.identity.id}`;
  return e.user ?? '';
}

export function formatTable(alerts: readonly Alert[], colour: boolean): string {
  const c = colour ? pc : pc.createColors(false);
  const paint = (severity: Severity, text: string) => (colour ? SEVERITY_COLOUR[severity](text) : text);
  const sorted = [...alerts].sort(
    (a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.firstSeen.localeCompare(b.firstSeen),
  );
  const out: string[] = [];
  for (const alert of sorted) {
    const times = alert.count > 1 ? `${alert.firstSeen} … ${alert.lastSeen} (×${alert.count})` : alert.firstSeen;
    out.push(`${paint(alert.severity, alert.severity.toUpperCase().padEnd(13))} ${c.bold(alert.type)}  ${escapeControl(alert.title)}`);
    out.push(`  ${c.dim('what')}    ${escapeControl(mainEntity(alert))}`);
    out.push(`  ${c.dim('when')}    ${times}`);
    if (alert.entities.user) out.push(`  ${c.dim('who')}     ${escapeControl(alert.entities.user)}${alert.entities.sourceIPs ? ' from ' + escapeControl(alert.entities.sourceIPs.join(', ')) : ''}`);
    if (alert.entities.process) out.push(`  ${c.dim('process')} ${escapeControl(alert.entities.process.commandLine)}`);
    out.push(`  ${c.dim('detail')}  ${escapeControl(alert.description)}`);
    out.push(`  ${c.dim('evidence')} ${escapeControl(alert.evidence.map((e) => e.id).slice(0, 3).join(', '))}${alert.evidence.length > 3 ? ` (+${alert.evidence.length - 3})` : ''}`);
    out.push('');
  }
  return out.join('\n');
}
