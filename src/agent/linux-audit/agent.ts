/**
 * @module agent/linux-audit/agent
 * `vigil agent --source linux-audit`: installs Vigil's audit rules, reads auditd's records (log
 * file or af_unix plugin), decodes them, adds the container a process runs in, polls the kernel's
 * lost counter, and on stop() removes exactly its rules and restores what it changed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { PipelineLossEvent, VigilEvent } from '../../events/model.js';
import { isNodeEvent } from '../../events/model.js';
import { ContainerEnricher } from '../../enrichment/container/enricher.js';
import type { DecoderSink } from '../../sources/format.js';
import { LinuxAuditDecoder } from '../../sources/linux-audit/decoder.js';
import { auditctl, auditStatus, type AuditStatus } from './auditctl.js';
import { LogFileReader, PLUGIN_SOCKETS, PluginSocketReader, type RecordReader } from './readers.js';
import { installRules, planRules, removeVigilRules, type AuditRule } from './rules.js';

export interface LinuxAuditAgentOptions {
  /** Where events and decode issues go. */
  sink: DecoderSink;
  /**
   * 'file' follows `logPath`; 'plugin' connects to the af_unix socket; 'auto' (default) uses
   * the plugin socket when one exists, else the log file.
   */
  mode?: 'auto' | 'file' | 'plugin';
  logPath?: string;
  socketPath?: string;
  /** Read the log file from its start instead of its end (default false). */
  fromStart?: boolean;
  node?: string;
  cluster?: string;
  /** Install Vigil's rules on start and remove them on stop (default true). */
  manageRules?: boolean;
  /** How often to read `auditctl -s` for lost records (default 10 s). */
  statusIntervalMs?: number;
  /** Raise the kernel backlog to at least this many records while running (default 8192; 0 leaves it). */
  minBacklogLimit?: number;
  /** Operational messages (rules skipped, rotation, reconnects); default: stderr. */
  log?: (message: string) => void;
  auditctlPath?: string;
  /**
   * Where the host's filesystem is (default '/'): an agent in a container mounts it read-only,
   * e.g. at /host, for its watches, its view of /proc and the default log path.
   */
  hostRoot?: string;
  /** Fills in each event's container and pod (default: cgroups read under the host's /proc). */
  enricher?: ContainerEnricher;
}

export interface AgentStartReport {
  mode: 'file' | 'plugin';
  source: string;
  installed: AuditRule[];
  refused: { rule: AuditRule; reason: string }[];
  /** Watched paths that do not exist on this node. */
  missing: string[];
  status: AuditStatus;
}

export class LinuxAuditAgent {
  private readonly decoder: LinuxAuditDecoder;
  private readonly node: string;
  private reader: RecordReader | undefined;
  private timers: NodeJS.Timeout[] = [];
  private restore: { enabled?: number; backlogLimit?: number } = {};
  private rulesInstalled = false;
  private lastLost: number | undefined;
  private readonly log: (message: string) => void;
  private readonly enricher: ContainerEnricher;

  constructor(private readonly options: LinuxAuditAgentOptions) {
    this.enricher = options.enricher ?? new ContainerEnricher({ procRoot: join(options.hostRoot ?? '/', 'proc') });
    this.node = options.node ?? hostname();
    this.log = options.log ?? ((m) => process.stderr.write(`vigil linux-audit: ${m}\n`));
    const decoderSink: DecoderSink = { event: (e) => options.sink.event(this.withContainer(e)), issue: (i) => options.sink.issue(i) };
    const decoderOptions: ConstructorParameters<typeof LinuxAuditDecoder>[1] = { node: this.node };
    if (options.cluster !== undefined) decoderOptions.cluster = options.cluster;
    this.decoder = new LinuxAuditDecoder(decoderSink, decoderOptions);
  }

  async start(): Promise<AgentStartReport> {
    const bin = this.options.auditctlPath;
    const before = await auditStatus(bin);
    if (before.enabled === 2) throw new Error('kernel audit rules are locked (enabled 2, "-e 2"); Vigil cannot add its rules until reboot');
    this.lastLost = before.lost;
    let installed: AuditRule[] = [];
    let refused: AgentStartReport['refused'] = [];
    const plan = planRules({ root: this.options.hostRoot ?? '/' });
    try {
      if (this.options.manageRules !== false) {
        // Rules from an earlier run that did not stop cleanly would double every record.
        await removeVigilRules(bin);
        ({ installed, refused } = await installRules(plan.rules, bin));
        this.rulesInstalled = true;
        for (const r of refused) this.log(`rule skipped: ${r.reason}`);
        for (const path of plan.missing) this.log(`not watching ${path}: it does not exist on this node`);
        const minBacklog = this.options.minBacklogLimit ?? 8192;
        if (minBacklog > 0 && before.backlogLimit < minBacklog) {
          await auditctl(['-b', String(minBacklog)], bin);
          this.restore.backlogLimit = before.backlogLimit;
        }
        if (before.enabled === 0) {
          await auditctl(['-e', '1'], bin);
          this.restore.enabled = 0;
        }
      }
      const { reader, mode, source } = this.chooseReader();
      this.reader = reader;
      await reader.start(
        (text, origin) => this.decoder.line(text, origin),
        (message) => this.log(message),
      );
      this.timers.push(setInterval(() => this.decoder.expire(Date.now()), 500));
      this.timers.push(setInterval(() => void this.pollStatus(), this.options.statusIntervalMs ?? 10_000));
      return { mode, source, installed, refused, missing: plan.missing, status: await auditStatus(bin) };
    } catch (error) {
      await this.stop().catch((e: Error) => this.log(`cleanup after a failed start: ${e.message}`));
      throw error;
    }
  }

  /** Stops reading, flushes open events, removes Vigil's rules and restores the audit settings. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.reader?.stop();
    this.reader = undefined;
    this.decoder.end();
    const bin = this.options.auditctlPath;
    const failures: string[] = [];
    const attempt = async (what: string, run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        failures.push(`${what}: ${(error as Error).message}`);
      }
    };
    if (this.rulesInstalled) {
      await attempt('remove rules', () => removeVigilRules(bin));
      this.rulesInstalled = false;
    }
    if (this.restore.backlogLimit !== undefined) await attempt('restore backlog limit', () => auditctl(['-b', String(this.restore.backlogLimit)], bin));
    if (this.restore.enabled !== undefined) await attempt('restore enabled flag', () => auditctl(['-e', String(this.restore.enabled)], bin));
    this.restore = {};
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  /** Reads `auditctl -s` now; an increase of `lost` becomes a pipeline.loss event. */
  async pollStatus(): Promise<AuditStatus | undefined> {
    let status: AuditStatus;
    try {
      status = await auditStatus(this.options.auditctlPath);
    } catch (error) {
      this.log((error as Error).message);
      return undefined;
    }
    const before = this.lastLost ?? status.lost;
    this.lastLost = status.lost;
    // A counter that went down was reset (auditctl --reset-lost): all of it is new.
    const count = status.lost >= before ? status.lost - before : status.lost;
    if (count > 0) {
      const event: PipelineLossEvent = {
        kind: 'pipeline.loss',
        id: `${this.node}:audit_lost:${status.lost}`,
        time: Date.now(),
        source: 'linux-audit',
        reason: 'kernel-audit-lost',
        count,
        node: this.node,
        detail: `the kernel dropped ${count} audit record(s) (auditctl -s: lost ${status.lost}, backlog ${status.backlog}/${status.backlogLimit})`,
      };
      if (this.options.cluster !== undefined) event.cluster = this.options.cluster;
      this.options.sink.event(event);
    }
    return status;
  }

  private chooseReader(): { reader: RecordReader; mode: 'file' | 'plugin'; source: string } {
    const mode = this.options.mode ?? 'auto';
    const socket = this.options.socketPath ?? PLUGIN_SOCKETS.find((p) => existsSync(p));
    if (mode === 'plugin' || (mode === 'auto' && socket !== undefined)) {
      if (!socket) throw new Error(`no af_unix plugin socket found (looked at ${PLUGIN_SOCKETS.join(', ')}); see docs/linux-audit.md`);
      return { reader: new PluginSocketReader(socket), mode: 'plugin', source: socket };
    }
    const path = this.options.logPath ?? join(this.options.hostRoot ?? '/', 'var/log/audit/audit.log');
    return { reader: new LogFileReader(path, this.options.fromStart ?? false), mode: 'file', source: path };
  }

  /** The container (and pod, when the enricher has a directory) of a node event's process. */
  private withContainer(event: VigilEvent): VigilEvent {
    return isNodeEvent(event) ? this.enricher.enrich(event) : event;
  }
}
