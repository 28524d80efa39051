/**
 * @module rules/dry-run
 * Try a new rule or exception on recorded data before enabling it: replays the inputs through the
 * built-in detections and the user rules with the exceptions of a config, and reports what would
 * have fired (by type, with examples) and what each exception would have silenced (with examples),
 * expired exceptions included. Nothing is stored or sent.
 */
import { summarise } from '../alerts/entities.js';
import type { ExceptionSpec } from '../alerts/exceptions.js';
import type { DetectionSettings } from '../engine/detection.js';
import type { Indicators } from '../indicators/indicators.js';
import { scan, type ScanResult } from '../scan/scan.js';
import type { LoadedRules } from './ruleset.js';

const MAX_EXAMPLES = 3;

export interface DryRunOptions {
  paths: readonly string[];
  format?: string;
  rules?: LoadedRules;
  exceptions?: readonly ExceptionSpec[];
  settings?: Readonly<Record<string, DetectionSettings>>;
  indicators?: Indicators;
  /** Report only the user rules' alerts (what a new rule adds), not the built-in ones. */
  onlyRules?: boolean;
}

export interface DryRunReport {
  eventsRead: number;
  rejected: number;
  fired: { type: string; title: string; severity: string; userRule: boolean; alerts: number; events: number; examples: string[] }[];
  silenced: { type: string; exceptionType: string; reason: string; expires?: string; findings: number; examples: string[] }[];
  expired: { type: string; reason: string; expires: string; hits: number }[];
  fileErrors: ScanResult['fileErrors'];
}

export async function dryRun(options: DryRunOptions): Promise<DryRunReport> {
  const silenced = new Map<string, DryRunReport['silenced'][number]>();
  const specIds = new Map<ExceptionSpec, number>();
  const result = await scan({
    paths: options.paths,
    format: options.format,
    rules: options.rules,
    exceptions: options.exceptions,
    settings: options.settings,
    indicators: options.indicators,
    onSilence: (spec, type, event) => {
      if (!specIds.has(spec)) specIds.set(spec, specIds.size);
      const key = `${specIds.get(spec)}|${type}`;
      let entry = silenced.get(key);
      if (!entry) {
        entry = { type, exceptionType: spec.type, reason: spec.reason, expires: spec.expires?.toISOString(), findings: 0, examples: [] };
        silenced.set(key, entry);
      }
      entry.findings++;
      if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(`${event.origin ?? event.id}: ${summarise(event)}`);
    },
  });
  const userTypes = new Set(options.rules?.rules.map((r) => r.id) ?? []);
  const fired = new Map<string, DryRunReport['fired'][number]>();
  for (const alert of result.alerts) {
    if (options.onlyRules && !userTypes.has(alert.type)) continue;
    let entry = fired.get(alert.type);
    if (!entry) {
      entry = { type: alert.type, title: alert.title, severity: alert.severity, userRule: userTypes.has(alert.type), alerts: 0, events: 0, examples: [] };
      fired.set(alert.type, entry);
    }
    entry.alerts++;
    entry.events += alert.count;
    if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(`${alert.description} [${alert.evidence.map((e) => e.origin ?? e.id).slice(0, 3).join(', ')}]`);
  }
  return {
    eventsRead: result.stats.eventsRead,
    rejected: result.stats.rejected,
    fired: [...fired.values()].sort((a, b) => Number(b.userRule) - Number(a.userRule) || a.type.localeCompare(b.type)),
    silenced: [...silenced.values()],
    expired: result.stats.expiredExceptions,
    fileErrors: result.fileErrors,
  };
}

export function formatDryRun(report: DryRunReport): string {
  const lines = [`dry run over ${report.eventsRead} event(s)${report.rejected ? ` (${report.rejected} rejected)` : ''}`, ''];
  lines.push(report.fired.length ? 'would fire:' : 'would fire: nothing');
  for (const f of report.fired) {
    lines.push(`  ${f.type}${f.userRule ? ' (user rule)' : ''}  ${f.severity}  ${f.alerts} alert(s) from ${f.events} event(s)  ${f.title}`);
    for (const e of f.examples) lines.push(`      ${e}`);
  }
  lines.push('', report.silenced.length ? 'would be silenced:' : 'would be silenced: nothing');
  for (const s of report.silenced) {
    lines.push(`  ${s.type}: ${s.findings} finding(s) by the exception for ${s.exceptionType} ("${s.reason}"${s.expires ? `, until ${s.expires}` : ''})`);
    for (const e of s.examples) lines.push(`      ${e}`);
  }
  for (const e of report.expired) {
    lines.push('', `expired: the exception for ${e.type} ("${e.reason}") expired on ${e.expires}; it no longer silences anything (${e.hits} finding(s) it would have matched)`);
  }
  return lines.join('\n') + '\n';
}
