/**
 * @module cli/commands/rules
 * `vigil rules list`: the catalogue, with per alert type whether Vigil implements it and from
 * which sources it can fire (a source that produces the right events but cannot show what the
 * detection needs, like GKE for some audit detections, is listed as unable, with the reason).
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { loadCatalog } from '../../catalog/catalog.js';
import { discoverDetections } from '../../detections/registry.js';
import type { AnyDetection } from '../../engine/detection.js';
import { FORMATS } from '../../sources/registry.js';

export interface RuleRow {
  type: string;
  title: string;
  severity: string;
  evidence: string;
  implemented: boolean;
  module?: string;
  sources: string[];
  unsupported: { source: string; reason: string }[];
  settings?: Record<string, unknown>;
}

export async function ruleRows(): Promise<RuleRow[]> {
  const catalog = loadCatalog();
  const detections = new Map<string, { detection: AnyDetection; module: string }>();
  for (const d of await discoverDetections()) detections.set(d.detection.type, d);
  return [...catalog.values()].map((entry) => {
    const found = detections.get(entry.type);
    const sources: string[] = [];
    const unsupported: RuleRow['unsupported'] = [];
    if (found) {
      for (const format of FORMATS) {
        if (!format.kinds.some((k) => found.detection.kinds.includes(k))) continue;
        const reason = format.unsupported?.[entry.type];
        if (reason) unsupported.push({ source: format.name, reason });
        else sources.push(format.name);
      }
    }
    return {
      type: entry.type,
      title: entry.title,
      severity: entry.severity,
      evidence: entry.evidence,
      implemented: Boolean(found),
      module: found ? `src/detections/${found.module}.ts` : undefined,
      sources,
      unsupported,
      settings: found?.detection.defaults,
    };
  });
}

export function registerRules(program: Command, setExit: (code: number) => void): void {
  const rules = program.command('rules').description('the alert catalogue and the detections behind it');
  rules
    .command('list')
    .description('every alert type: implemented or not, and from which sources it can fire')
    .option('--json', 'as JSON')
    .action(async (flags: { json?: boolean }) => {
      const rows = await ruleRows();
      if (flags.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return setExit(0);
      }
      const c = process.stdout.isTTY ? pc : pc.createColors(false);
      const implemented = rows.filter((r) => r.implemented).length;
      const lines = [c.bold(`${implemented} of ${rows.length} alert types implemented`), ''];
      for (const row of rows) {
        const mark = row.implemented ? c.green('yes') : c.red('no ');
        lines.push(`${mark}  ${row.type.padEnd(44)} ${row.severity.padEnd(13)} ${row.title}`);
        if (row.implemented) {
          lines.push(`       sources: ${row.sources.join(', ') || '(none yet)'}`);
          for (const u of row.unsupported) lines.push(`       ${c.yellow('cannot fire from ' + u.source)}: ${u.reason}`);
          if (row.settings && Object.keys(row.settings).length) lines.push(`       settings: ${JSON.stringify(row.settings)}`);
        }
      }
      process.stdout.write(lines.join('\n') + '\n');
      setExit(0);
    });
}
