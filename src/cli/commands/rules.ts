/**
 * @module cli/commands/rules
 * `vigil rules list`: the catalogue, with per alert type whether Vigil implements it and from
 * which sources it can fire (a source that produces the right events but cannot show what the
 * detection needs, like GKE for some audit detections, is listed as unable, with the reason).
 * `vigil rules test DIR`: every user rule's examples and the built-in detections' fixtures.
 * `vigil rules dry-run`: what new rules and exceptions would fire or silence on recorded data.
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { loadCatalog } from '../../catalog/catalog.js';
import { discoverDetections } from '../../detections/registry.js';
import type { AnyDetection } from '../../engine/detection.js';
import { loadConfig } from '../../config/config.js';
import { Indicators } from '../../indicators/indicators.js';
import { dryRun, formatDryRun } from '../../rules/dry-run.js';
import { builtinCases, userRuleCases, type CaseResult } from '../../rules/harness.js';
import { loadRules, type LoadedRules } from '../../rules/ruleset.js';
import { FORMATS } from '../../sources/registry.js';
import { EXIT_ALERT, EXIT_OK, EXIT_USAGE } from '../main.js';

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
  const rules = program.command('rules').description('the alert catalogue, the detections behind it, and user rules');
  registerRuleTools(rules, setExit);
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

function loadOrReport(command: string, dir: string): LoadedRules | undefined {
  const loaded = loadRules(dir);
  for (const error of loaded.errors) process.stderr.write(`vigil rules ${command}: ${error.message}\n`);
  return loaded.errors.length ? undefined : loaded;
}

/** Runs user rule examples (and the built-in fixtures unless told not to); the readable report and whether all passed. */
export async function runRuleTests(dir: string | undefined, builtins: boolean): Promise<{ report: string; passed: boolean } | undefined> {
  const results: CaseResult[] = [];
  let catalog = loadCatalog();
  if (dir) {
    const loaded = loadOrReport('test', dir);
    if (!loaded) return undefined;
    catalog = loaded.catalog;
    results.push(...(await userRuleCases(loaded)));
  }
  if (builtins) {
    for (const c of await builtinCases(catalog)) {
      const [positive, negative] = [await c.positive(), await c.negative()];
      results.push({ name: positive.name, failures: [...positive.failures, ...negative.failures] });
    }
  }
  const failed = results.filter((r) => r.failures.length);
  const lines = results.map((r) => (r.failures.length ? `FAIL ${r.name}\n${r.failures.map((f) => `  - ${f}`).join('\n')}` : `ok   ${r.name}`));
  lines.push('', `${results.length - failed.length} passed, ${failed.length} failed`);
  return { report: lines.join('\n') + '\n', passed: failed.length === 0 };
}

export function registerRuleTools(rules: Command, setExit: (code: number) => void): void {
  rules
    .command('test')
    .description("run every rule's positive and negative examples (user rules in DIR, and the built-in detections' fixtures)")
    .argument('[dir]', 'folder of user rule files')
    .option('--no-builtin', "skip the built-in detections' fixtures")
    .action(async (dir: string | undefined, flags: { builtin: boolean }) => {
      const outcome = await runRuleTests(dir, flags.builtin);
      if (!outcome) return setExit(EXIT_USAGE);
      process.stdout.write(outcome.report);
      setExit(outcome.passed ? EXIT_OK : EXIT_ALERT);
    });
  rules
    .command('dry-run')
    .description('what rules and exceptions would fire or silence on recorded data (nothing is stored or sent)')
    .argument('<paths...>', 'recorded inputs, as for vigil scan')
    .option('--rules <dir>', 'folder of user rule files to try')
    .option('--config <file>', 'vigil.yaml whose exceptions to try')
    .option('--format <format>', 'input format, as for vigil scan', 'auto')
    .option('--only-rules', "report only the user rules' alerts")
    .option('--json', 'as JSON')
    .action(async (paths: string[], flags: { rules?: string; config?: string; format: string; onlyRules?: boolean; json?: boolean }) => {
      let config;
      try {
        config = loadConfig(flags.config);
      } catch (error) {
        process.stderr.write(`vigil rules dry-run: ${(error as Error).message}\n`);
        return setExit(EXIT_USAGE);
      }
      const rules = flags.rules ? loadOrReport('dry-run', flags.rules) : undefined;
      if (flags.rules && !rules) return setExit(EXIT_USAGE);
      const report = await dryRun({
        paths,
        format: flags.format,
        rules,
        exceptions: config.exceptions,
        settings: config.detections,
        indicators: new Indicators(undefined, config.indicators),
        onlyRules: flags.onlyRules,
      });
      process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatDryRun(report));
      for (const { path, reason } of report.fileErrors) process.stderr.write(`vigil rules dry-run: ${path}: ${reason}\n`);
      setExit(report.fileErrors.length ? EXIT_USAGE : EXIT_OK);
    });
}
