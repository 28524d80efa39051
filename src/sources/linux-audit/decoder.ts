/**
 * @module sources/linux-audit/decoder
 * The stateful decoder for one auditd stream: lines → records → assembled events → the model.
 * It keeps the process tree of the stream (ancestors come from earlier execs) and turns the
 * kernel's lost-record counters into pipeline.loss events.
 */
import { hostname } from 'node:os';
import type { PipelineLossEvent } from '../../events/model.js';
import { ProcessTree } from '../../enrichment/process-tree.js';
import type { Decoder, DecoderOptions, DecoderSink, Origin } from '../format.js';
import { originText } from '../format.js';
import { Assembler, type AssembledEvent, type AssemblerOptions } from './assembler.js';
import { decimal } from './fields.js';
import { normalise, type NormaliseContext } from './normalise.js';
import { parseRecord } from './record.js';

export interface LinuxAuditDecoderOptions extends DecoderOptions, AssemblerOptions {
  /** A process tree shared with other readers of the same node; by default one per stream. */
  tree?: ProcessTree;
}

/**
 * A real record is at most ~9 KB (MAX_AUDIT_MESSAGE_LENGTH) plus its ENRICHED suffix; anything
 * far longer is not auditd's and is refused before it is scanned.
 */
const MAX_LINE = 64 * 1024;
/** The kernel's printk when it drops records, as dmesg, journald or syslog show it. */
const KERNEL_LOST = /\baudit: audit_lost=(\d{1,20})\b/;

export class LinuxAuditDecoder implements Decoder {
  private readonly assembler: Assembler;
  private readonly ctx: NormaliseContext;
  /** The last lost counter seen per node: the kernel's counter is cumulative since boot. */
  private readonly lostSeen = new Map<string, number>();
  private lastTime = 0;

  constructor(
    private readonly sink: DecoderSink,
    options: LinuxAuditDecoderOptions = {},
  ) {
    this.ctx = {
      node: options.node ?? hostname(),
      tree: options.tree ?? new ProcessTree(),
      warn: (event, reason) => sink.issue({ origin: event.origin, reason: `audit event ${event.id}: ${reason}` }),
    };
    if (options.cluster !== undefined) this.ctx.cluster = options.cluster;
    this.assembler = new Assembler((event) => this.finish(event), options);
  }

  line(text: string, origin: Origin): void {
    if (text.length > MAX_LINE) {
      this.sink.issue({ origin, reason: `line of ${text.length} characters is longer than any auditd record (${MAX_LINE})` });
      return;
    }
    const parsed = parseRecord(text);
    if ('error' in parsed) {
      const lost = KERNEL_LOST.exec(text);
      if (lost) this.lost(this.ctx.node, Number(lost[1]), this.lastTime || Date.now(), origin, text.trim());
      else if (text.trim() !== '') this.sink.issue({ origin, reason: parsed.error });
      return;
    }
    const record = parsed.record;
    if (record.time > this.lastTime) this.lastTime = record.time;
    const lostField = decimal(record.fields.audit_lost);
    if (lostField !== undefined) this.lost(record.node ?? this.ctx.node, lostField, record.time, origin, `${record.type} record`);
    this.assembler.add(record, origin);
  }

  /** Live readers call this with the wall clock so a quiet node's last event is not held back. */
  expire(now: number = Date.now()): void {
    this.assembler.expire(now);
  }

  end(): void {
    this.assembler.flush();
  }

  /** Events waiting for their last record. */
  get pending(): number {
    return this.assembler.pending;
  }

  /**
   * Reports an increase of a cumulative lost counter (the kernel's `audit_lost`, `auditctl -s`'s
   * `lost`). A counter that went down was reset (reboot, --reset-lost): its whole value is new.
   */
  lost(node: string, total: number, time: number, origin: Origin | undefined, detail: string): void {
    const before = this.lostSeen.get(node) ?? 0;
    const count = total >= before ? total - before : total;
    this.lostSeen.set(node, total);
    if (count <= 0) return;
    const event: PipelineLossEvent = {
      kind: 'pipeline.loss',
      id: `${node}:audit_lost:${total}`,
      time,
      source: 'linux-audit',
      reason: 'kernel-audit-lost',
      count,
      node,
      detail: `the kernel dropped ${count} audit record(s) (audit_lost=${total}): ${detail}`,
    };
    if (origin) event.origin = originText(origin);
    if (this.ctx.cluster !== undefined) event.cluster = this.ctx.cluster;
    this.sink.event(event);
  }

  private finish(event: AssembledEvent): void {
    let normalised;
    try {
      normalised = normalise(event, this.ctx);
    } catch (error) {
      // normalise() is written not to throw; this guard keeps one bad event from ending a stream.
      this.sink.issue({ origin: event.origin, reason: `audit event ${event.id}: ${(error as Error).message}` });
      return;
    }
    if (normalised) this.sink.event(normalised);
  }
}
