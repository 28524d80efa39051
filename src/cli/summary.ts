/**
 * @module cli/summary
 * The end-of-scan summary: what was read, what was rejected and why, what was found, how fast.
 */
import pc from 'picocolors';
import type { ScanResult } from '../scan/scan.js';
import { escapeControl } from '../util/escape.js';

export function formatSummary(result: ScanResult, shown: number, colour: boolean): string {
  const c = colour ? pc : pc.createColors(false);
  const s = result.stats;
  const seconds = s.durationMs / 1000;
  const lines: string[] = [];
  lines.push(c.bold('Summary'));
  lines.push(`  inputs       ${s.files} file(s)${s.totalBytes ? `, ${(s.totalBytes / 1048576).toFixed(1)} MiB` : ''}`);
  lines.push(`  events read  ${s.eventsRead}${Object.keys(s.byKind).length ? ' (' + Object.entries(s.byKind).map(([k, n]) => `${k} ${n}`).join(', ') + ')' : ''}`);
  lines.push(`  rejected     ${s.rejected}`);
  for (const reason of s.firstRejections.slice(0, 5)) lines.push(`    ${c.dim(escapeControl(reason))}`);
  const byType = Object.entries(s.alertsByType).sort((a, b) => b[1] - a[1]);
  lines.push(`  alerts       ${result.alerts.length}${shown !== result.alerts.length ? ` (${shown} shown)` : ''}`);
  for (const severity of ['high', 'medium', 'low', 'informational']) {
    if (s.alertsBySeverity[severity]) lines.push(`    ${severity.padEnd(14)} ${s.alertsBySeverity[severity]}`);
  }
  for (const [type, n] of byType) lines.push(`    ${c.dim(type.padEnd(44))} ${n}`);
  if (s.detectionErrors) {
    lines.push(`  ${c.red('detection errors')} ${s.detectionErrors}`);
    for (const e of s.firstDetectionErrors) lines.push(`    ${escapeControl(e)}`);
  }
  const suppressed = Object.entries(s.suppressed);
  if (suppressed.length) lines.push(`  silenced by exceptions: ${suppressed.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (s.stateEvictions) lines.push(`  state entries evicted by bounds: ${s.stateEvictions}`);
  lines.push(`  time         ${seconds.toFixed(2)} s, ${seconds > 0 ? Math.round(s.eventsRead / seconds) : s.eventsRead} events/s`);
  return lines.join('\n') + '\n';
}
