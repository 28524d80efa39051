/**
 * @module cli/commands/scan
 * `vigil scan [PATH ...]`: offline replay of audit logs, node telemetry, cloud activity and cluster
 * snapshots. Alerts to stdout; progress and the summary to stderr on a terminal.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import type { Severity } from '../../events/model.js';
import { Indicators } from '../../indicators/indicators.js';
import { loadRules, type LoadedRules } from '../../rules/ruleset.js';
import { scan, type ScanOptions } from '../../scan/scan.js';
import { formatAll, OUTPUT_FORMATS, type OutputFormat } from '../../sinks/format/formats.js';
import { ClusterObjectReader, loadKubeConfig } from '../../sources/kubernetes-api/reader.js';
import { FORMATS } from '../../sources/registry.js';
import { EXIT_ALERT, EXIT_OK, EXIT_USAGE } from '../main.js';
import { atLeast, oneOf, parseSeverity } from '../options.js';
import { formatSummary } from '../summary.js';

interface ScanFlags {
  format: string;
  output?: OutputFormat;
  minSeverity: Severity;
  failOn?: Severity;
  rules?: string;
  state?: string;
  config?: string;
  cluster?: string;
  live?: boolean;
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  summary?: boolean;
  progress: boolean;
}

/** Show a progress bar only for inputs big enough to need one. */
const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

export function registerScan(program: Command, setExit: (code: number) => void): void {
  program
    .command('scan')
    .description('scan audit logs, node telemetry, cloud activity or cluster snapshots for attacks')
    .argument('[paths...]', 'files (plain or .gz), folders (recursively), or - for stdin (the default without --live)')
    .option('--format <format>', `auto or one of: ${FORMATS.map((f) => f.name).join(', ')}`, 'auto')
    .option('--output <output>', `${OUTPUT_FORMATS.join('|')} (default: table on a terminal, jsonl otherwise)`, oneOf(OUTPUT_FORMATS, '--output'))
    .option('--min-severity <severity>', 'hide alerts below this severity', parseSeverity, 'informational')
    .option('--fail-on <severity>', 'exit 1 if any alert is at or above this severity', parseSeverity)
    .option('--rules <dir>', 'folder of user rule files (YAML with CEL conditions, see docs/rules.md)')
    .option('--state <file>', 'SQLite file where learned baselines are kept between runs')
    .option('--config <file>', 'vigil.yaml with detection settings and indicator extensions')
    .option('--cluster <name>', 'cluster name for inputs that do not carry one')
    .option('--live', "also read the cluster's objects as they stand through the Kubernetes API (one pass, read-only)")
    .option('--kubeconfig <file>', 'with --live: kubeconfig file (default $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'with --live: kubeconfig context (default the current one)')
    .option('--in-cluster', "with --live: the pod's service account instead of a kubeconfig")
    .option('--summary', 'print the end summary to stderr even when it is not a terminal')
    .option('--no-progress', 'no progress bar')
    .action(async (paths: string[], flags: ScanFlags) => setExit(await runScan(paths, flags)));
}

async function runScan(given: string[], flags: ScanFlags): Promise<number> {
  const paths = given.length || flags.live ? given : ['-'];
  if (!flags.live && (flags.kubeconfig || flags.context || flags.inCluster)) {
    process.stderr.write('vigil scan: --kubeconfig, --context and --in-cluster go with --live\n');
    return EXIT_USAGE;
  }
  let readers: ScanOptions['readers'];
  if (flags.live) {
    try {
      const kubeConfig = loadKubeConfig({ file: flags.kubeconfig, context: flags.context, inCluster: flags.inCluster });
      const reader = new ClusterObjectReader({ kubeConfig, cluster: flags.cluster });
      readers = [{ name: `kubernetes-api (${reader.cluster})`, read: (sink) => reader.snapshot(sink) }];
    } catch (error) {
      process.stderr.write(`vigil scan: --live: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  if (flags.format !== 'auto' && !FORMATS.some((f) => f.name === flags.format)) {
    process.stderr.write(`vigil scan: unknown --format '${flags.format}' (known: auto, ${FORMATS.map((f) => f.name).join(', ')})\n`);
    return EXIT_USAGE;
  }
  let rules: LoadedRules | undefined;
  if (flags.rules) {
    rules = loadRules(flags.rules);
    for (const error of rules.errors) process.stderr.write(`vigil scan: ${error.message}\n`);
    if (rules.errors.length) return EXIT_USAGE;
  }
  let config;
  try {
    config = loadConfig(flags.config);
  } catch (error) {
    process.stderr.write(`vigil scan: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  const interactive = Boolean(process.stderr.isTTY);
  const output: OutputFormat = flags.output ?? (process.stdout.isTTY ? 'table' : 'jsonl');
  let bar: SingleBar | undefined;
  let readBytes = 0;
  const result = await scan({
    paths,
    format: flags.format,
    statePath: flags.state,
    cluster: flags.cluster,
    rules,
    readers,
    settings: config.detections,
    exceptions: config.exceptions,
    indicators: new Indicators(undefined, config.indicators),
    onBytes: (bytes) => {
      readBytes += bytes;
      bar?.update(readBytes);
    },
    onStart: (totalBytes) => {
      if (interactive && flags.progress && totalBytes >= PROGRESS_MIN_BYTES) {
        bar = new SingleBar({ stream: process.stderr, format: 'scanning [{bar}] {percentage}% | {value}/{total} bytes | eta {eta}s', hideCursor: true });
        bar.start(totalBytes, 0);
      }
    },
  });
  bar?.stop();
  const shown = result.alerts.filter((a) => atLeast(a.severity, flags.minSeverity));
  process.stdout.write(formatAll(shown, output, Boolean(process.stdout.isTTY)));
  for (const { path, reason } of result.fileErrors) process.stderr.write(`vigil scan: ${path}: ${reason}\n`);
  for (const e of result.stats.expiredExceptions) {
    process.stderr.write(`vigil scan: exception for ${e.type} ("${e.reason}") expired on ${e.expires}; it no longer applies (${e.hits} finding(s) it would have silenced)\n`);
  }
  if (interactive || flags.summary) process.stderr.write(formatSummary(result, shown.length, interactive));
  else if (result.stats.rejected > 0) {
    process.stderr.write(`vigil scan: ${result.stats.rejected} event(s) rejected; first: ${result.stats.firstRejections[0]}\n`);
  }
  if (result.fileErrors.length > 0) return EXIT_USAGE;
  if (flags.failOn && shown.some((a) => atLeast(a.severity, flags.failOn!))) return EXIT_ALERT;
  return EXIT_OK;
}
