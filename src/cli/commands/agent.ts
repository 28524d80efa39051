/**
 * @module cli/commands/agent
 * `vigil agent --source …`: node telemetry → container context → the same detections as scan,
 * alerts written as they are raised. Stops cleanly on SIGTERM/SIGINT: sources stopped (audit rules
 * removed), open alerts flushed with their final counts.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LinuxAuditAgent } from '../../agent/linux-audit/agent.js';
import { AgentMetrics } from '../../agent/metrics.js';
import { EventShipper } from '../../agent/shipper.js';
import { CrictlPodDirectory } from '../../enrichment/container/crictl.js';
import { ContainerEnricher } from '../../enrichment/container/enricher.js';
import { KubernetesPodDirectory } from '../../enrichment/container/kubernetes.js';
import { isNodeEvent } from '../../events/model.js';
import { ProcfsSampler } from '../../sources/procfs/sampler.js';
import { FileFollower } from '../../sources/tail/follow.js';
import { openTetragon } from '../../sources/tetragon/format.js';
import { loadConfig } from '../../config/config.js';
import { LiveEngine } from '../../engine/live.js';
import type { VigilEvent } from '../../events/model.js';
import { formatOne, OUTPUT_FORMATS, type OutputFormat } from '../../sinks/format/formats.js';
import type { DecodeIssue, DecoderSink } from '../../sources/format.js';
import { originText } from '../../sources/format.js';
import { EXIT_OK, EXIT_USAGE } from '../main.js';
import { oneOf } from '../options.js';

interface AgentFlags {
  source: string[];
  output: OutputFormat;
  config?: string;
  cluster?: string;
  node?: string;
  auditMode: 'auto' | 'file' | 'plugin';
  analyser?: string;
  token?: string;
  spoolDir: string;
  hostRoot: string;
  pods: 'kubernetes' | 'crictl' | 'none';
  metrics?: string;
}

/** A running source: how the agent stops it. */
interface RunningSource {
  name: string;
  stop(): Promise<void>;
}

export function registerAgent(program: Command, setExit: (code: number) => void): void {
  program
    .command('agent')
    .description('watch this node: processes, files and connections in containers and on the host')
    .requiredOption('--source <source>', 'linux-audit, tetragon:FILE or procfs (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--output <output>', `${OUTPUT_FORMATS.filter((f) => f !== 'table' && f !== 'json').join('|')} for locally detected alerts`, oneOf(['jsonl', 'ocsf', 'cef'] as const, '--output'), 'jsonl')
    .option('--config <file>', 'vigil.yaml with detection settings and exceptions')
    .option('--cluster <name>', 'cluster name to stamp on events')
    .option('--node <name>', 'node name (default: the host name)')
    .option('--analyser <url>', 'ship events to this analyser (POST /v1/events) instead of detecting locally')
    .option('--token <token>', 'bearer token for the analyser (or env VIGIL_TOKEN)')
    .option('--spool-dir <dir>', 'where events wait while the analyser is unreachable (bounded)', './vigil-data/spool')
    .option('--metrics <host:port>', 'serve Prometheus metrics (events, undecodable records, losses, shipping) at http://HOST:PORT/metrics')
    .option('--host-root <dir>', "where the host's filesystem is mounted when the agent runs in a container (its /proc, audit log and watched files)", '/')
    .option('--pods <directory>', 'where container ids are matched to pods: kubernetes (this node\'s pods through the API), crictl, or none', oneOf(['kubernetes', 'crictl', 'none'] as const, '--pods'), process.env.KUBERNETES_SERVICE_HOST ? 'kubernetes' : 'none')
    .option('--audit-mode <mode>', 'linux-audit delivery: auto, file (tail audit.log) or plugin (af_unix socket)', oneOf(['auto', 'file', 'plugin'] as const, '--audit-mode'), 'auto')
    .action(async (flags: AgentFlags) => setExit(await runAgent(flags)));
}

async function runAgent(flags: AgentFlags): Promise<number> {
  let config;
  try {
    config = loadConfig(flags.config);
  } catch (error) {
    process.stderr.write(`vigil agent: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  const unknown = flags.source.filter((s) => s !== 'linux-audit' && s !== 'procfs' && !/^tetragon:.+/.test(s));
  if (unknown.length) {
    process.stderr.write(`vigil agent: unknown --source ${unknown.join(', ')} (known: linux-audit, tetragon:FILE, procfs)\n`);
    return EXIT_USAGE;
  }
  if (flags.analyser) {
    try {
      new URL(flags.analyser);
    } catch {
      process.stderr.write(`vigil agent: --analyser must be a URL, got '${flags.analyser}'\n`);
      return EXIT_USAGE;
    }
  }
  const shipper = flags.analyser
    ? new EventShipper({ url: flags.analyser, token: flags.token ?? process.env.VIGIL_TOKEN, spoolDir: flags.spoolDir, node: flags.node })
    : undefined;
  const live = await LiveEngine.create({
    settings: config.detections,
    exceptions: config.exceptions,
    indicators: config.indicators,
    onAlert: (alert) => process.stdout.write(formatOne(alert, flags.output) + '\n'),
  });
  let issues = 0;
  // Sources that do not name a process's container (kernel audit, /proc) get it from its cgroup,
  // and its pod from the pod directory.
  const node = flags.node ?? hostname();
  const directory = flags.pods === 'kubernetes' ? new KubernetesPodDirectory({ nodeName: node, onError: (e) => process.stderr.write(`vigil agent: pods: ${e.message}\n`) }) : flags.pods === 'crictl' ? new CrictlPodDirectory() : undefined;
  try {
    await directory?.start();
  } catch (error) {
    process.stderr.write(`vigil agent: --pods ${flags.pods}: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  const enricher = new ContainerEnricher({ directory, procRoot: join(flags.hostRoot, 'proc') });
  const metrics = new AgentMetrics(shipper ? () => shipper.stats : undefined);
  if (flags.metrics) {
    try {
      process.stderr.write(`vigil agent: metrics at ${await metrics.listen(flags.metrics)}\n`);
    } catch (error) {
      process.stderr.write(`vigil agent: --metrics: ${(error as Error).message}\n`);
      await directory?.stop();
      return EXIT_USAGE;
    }
  }
  const sink = {
    event: (event: VigilEvent) => {
      metrics.event(event);
      const enriched = isNodeEvent(event) ? enricher.enrich(event) : event;
      if (shipper) shipper.push(enriched);
      else live.process(enriched);
    },
    issue: (issue: DecodeIssue) => {
      metrics.issue(issue.origin.file);
      // Bounded: the first few decode problems are shown, the rest only counted.
      if (++issues <= 20) process.stderr.write(`vigil agent: ${originText(issue.origin)}: ${issue.reason}\n`);
    },
  };
  const running: RunningSource[] = [];
  try {
    for (const source of flags.source) running.push(await startSource(source, { ...flags, node }, sink, enricher));
  } catch (error) {
    process.stderr.write(`vigil agent: ${(error as Error).message}\n`);
    await Promise.allSettled(running.map((r) => r.stop()));
    return EXIT_USAGE;
  }
  live.start();
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  let failed = false;
  for (const r of running) {
    try {
      await r.stop();
    } catch (error) {
      failed = true;
      process.stderr.write(`vigil agent: stopping ${r.name}: ${(error as Error).message}\n`);
    }
  }
  live.stop();
  await directory?.stop();
  await metrics.close();
  if (shipper) {
    await shipper.stop();
    const st = shipper.stats;
    process.stderr.write(`vigil agent: shipped ${st.sent} events; ${st.spoolBytes} bytes left in the spool; ${st.dropped} dropped\n`);
  } else process.stderr.write(`vigil agent: stopped after ${live.engine.stats.events} events${issues ? `, ${issues} undecodable record(s)` : ''}\n`);
  return failed ? EXIT_USAGE : EXIT_OK;
}

async function startSource(source: string, flags: AgentFlags, sink: DecoderSink, enricher: ContainerEnricher): Promise<RunningSource> {
  if (source === 'linux-audit') {
    const agent = new LinuxAuditAgent({ sink, mode: flags.auditMode, node: flags.node, cluster: flags.cluster, hostRoot: flags.hostRoot, enricher });
    const report = await agent.start();
    process.stderr.write(`vigil agent: linux-audit reading ${report.source} (${report.mode}); ${report.installed.length} audit rules installed\n`);
    return { name: source, stop: () => agent.stop() };
  }
  if (source === 'procfs') {
    const sampler = new ProcfsSampler({ node: flags.node, cluster: flags.cluster, procRoot: join(flags.hostRoot, 'proc') });
    sampler.start((event) => sink.event(event));
    process.stderr.write('vigil agent: procfs sampling /proc (short-lived processes can be missed: docs/procfs.md)\n');
    return { name: source, stop: async () => sampler.stop() };
  }
  const file = source.slice('tetragon:'.length);
  const decoder = openTetragon(sink, { node: flags.node, cluster: flags.cluster });
  const follower = new FileFollower(file, {
    line: (text, line) => decoder.line(text, { file, line }),
    notice: (message) => process.stderr.write(`vigil agent: ${file}: ${message}\n`),
  });
  await follower.start();
  process.stderr.write(`vigil agent: tetragon following ${file}\n`);
  return {
    name: source,
    stop: async () => {
      await follower.stop();
      decoder.end();
    },
  };
}
