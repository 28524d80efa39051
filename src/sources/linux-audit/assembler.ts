/**
 * @module sources/linux-audit/assembler
 * Groups records into events by (node, timestamp, serial). Records of different events interleave
 * (several CPUs write at once), so open events wait in a table until one of these closes them:
 *  - an EOE record (auditd passes EOE to plugins, not to its log file);
 *  - a PROCTITLE record: the kernel writes it last in audit_log_exit(), right before EOE, so a
 *    file reader need not wait for the timeout to finish syscall events;
 *  - a record of a newer event arriving when the open event is older than the timeout (2 s of
 *    event time, auditd's end_of_event_timeout — the heuristic auparse uses);
 *  - expire(now) from a live reader's clock, so a quiet node does not hold its last event back;
 *  - the table being full (the oldest event is closed), and flush() at the end of input.
 * Userspace records (USER_*, CRED_*, DAEMON_*…) are single-record events and pass straight through.
 */
import type { Origin } from '../format.js';
import type { AuditRecord } from './record.js';

export interface AssembledEvent {
  /** The audit id as auditd prints it: "1741944067.412:48213". */
  id: string;
  node?: string;
  time: number;
  records: AuditRecord[];
  /** Where the event's first record was read. */
  origin: Origin;
  /** Records dropped because the event passed its size bound. */
  dropped: number;
}

export interface AssemblerOptions {
  /** Event-time age (ms) after which an open event is closed when newer records arrive. */
  timeoutMs?: number;
  /** Most events open at once. */
  maxOpen?: number;
  /** Most records kept per event (a 2 MiB argv is ~300 EXECVE records). */
  maxRecords?: number;
}

const STANDALONE = /^(?:USER_|CRED_|DAEMON_|SERVICE_|ADD_|DEL_|GRP_|ACCT_|CHGRP_|CHUSER_|ROLE_|LABEL_|SYSTEM_)/;

export class Assembler {
  private readonly open = new Map<string, AssembledEvent>();
  private readonly timeoutMs: number;
  private readonly maxOpen: number;
  private readonly maxRecords: number;

  constructor(
    private readonly emit: (event: AssembledEvent) => void,
    options: AssemblerOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.maxOpen = Math.max(1, options.maxOpen ?? 4096);
    this.maxRecords = Math.max(1, options.maxRecords ?? 1024);
  }

  /** Events still waiting for their last record. */
  get pending(): number {
    return this.open.size;
  }

  add(record: AuditRecord, origin: Origin): void {
    const id = `${record.stamp}:${record.serial}`;
    const key = record.node === undefined ? id : `${record.node}\u0000${id}`;
    let event = this.open.get(key);
    if (record.type === 'EOE') {
      if (event) this.close(key, event);
      return;
    }
    if (!event) {
      if (STANDALONE.test(record.type)) {
        this.emit(newEvent(id, record, origin));
        return;
      }
      this.expireBefore(record.time - this.timeoutMs);
      if (this.open.size >= this.maxOpen) {
        const [oldestKey, oldest] = this.open.entries().next().value as [string, AssembledEvent];
        this.close(oldestKey, oldest);
      }
      event = newEvent(id, record, origin);
      this.open.set(key, event);
    } else if (event.records.length < this.maxRecords) {
      event.records.push(record);
    } else {
      event.dropped++;
    }
    if (record.type === 'PROCTITLE') this.close(key, event);
  }

  /** Closes events whose event time is before `now - timeout` (a live reader's clock, in ms). */
  expire(now: number): void {
    this.expireBefore(now - this.timeoutMs);
  }

  /** Closes every open event, oldest first. */
  flush(): void {
    for (const [key, event] of this.open) this.close(key, event);
  }

  private expireBefore(limit: number): void {
    // Insertion order is nearly time order; stopping at the first young event keeps this cheap,
    // and a straggler behind it is closed by a later call or the size bound.
    for (const [key, event] of this.open) {
      if (event.time >= limit) break;
      this.close(key, event);
    }
  }

  private close(key: string, event: AssembledEvent): void {
    this.open.delete(key);
    this.emit(event);
  }
}

function newEvent(id: string, record: AuditRecord, origin: Origin): AssembledEvent {
  const event: AssembledEvent = { id, time: record.time, records: [record], origin, dropped: 0 };
  if (record.node !== undefined) event.node = record.node;
  return event;
}
