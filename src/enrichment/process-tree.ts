/**
 * @module enrichment/process-tree
 * A bounded table of the processes a node stream has seen exec, so that each new node event gets
 * its ancestors (parent, grandparent… up to 8) although the source only gives a ppid.
 *
 * Entries are keyed by pid and remember when the process image started. PIDs are reused: an
 * entry is believed for a later event only if it started at or before that event, and a new exec
 * of the same pid replaces the old image (the same process re-exec'ing, or a new process reusing
 * the pid — either way the newest image is what that pid is now). Least recently used entries go
 * first when the table is full.
 */
import type { ProcessInfo } from '../events/model.js';

export interface ProcessTreeOptions {
  /** Most processes remembered (default 32,768, the kernel's default pid_max). */
  maxProcesses?: number;
  /** Most ancestors returned (default 8). */
  maxDepth?: number;
}

export class ProcessTree {
  private readonly table = new Map<number, ProcessInfo>();
  private readonly maxProcesses: number;
  private readonly maxDepth: number;

  constructor(options: ProcessTreeOptions = {}) {
    this.maxProcesses = Math.max(1, options.maxProcesses ?? 32_768);
    this.maxDepth = Math.max(0, options.maxDepth ?? 8);
  }

  get size(): number {
    return this.table.size;
  }

  /**
   * Remembers a process image. `startTime` (ms) orders images of a reused pid; an image older
   * than the one already held (records read out of order) does not replace it.
   */
  recordExec(process: ProcessInfo): void {
    const held = this.table.get(process.pid);
    if (held && held.startTime !== undefined && process.startTime !== undefined && held.startTime > process.startTime) return;
    this.table.delete(process.pid);
    this.table.set(process.pid, process);
    if (this.table.size > this.maxProcesses) {
      const oldest = this.table.keys().next().value as number;
      this.table.delete(oldest);
    }
  }

  /**
   * The process image `pid` had at `time` (ms), if known. With `ppid`, an image whose parent
   * differs belongs to an earlier holder of the pid and is not returned.
   */
  lookup(pid: number, time?: number, ppid?: number): ProcessInfo | undefined {
    const info = this.table.get(pid);
    if (!info) return undefined;
    if (time !== undefined && info.startTime !== undefined && info.startTime > time) return undefined;
    if (ppid !== undefined && info.ppid !== undefined && info.ppid !== ppid) return undefined;
    this.table.delete(pid);
    this.table.set(pid, info);
    return info;
  }

  /** Parent first, then grandparent…, as far as the table knows, up to maxDepth. */
  ancestors(ppid: number | undefined, time?: number): ProcessInfo[] {
    const chain: ProcessInfo[] = [];
    const seen = new Set<number>();
    let next = ppid;
    while (next !== undefined && next > 0 && chain.length < this.maxDepth && !seen.has(next)) {
      // A cycle can only come from pid reuse that the start times could not rule out: stop there.
      seen.add(next);
      const info = this.lookup(next, time);
      if (!info) break;
      chain.push(info);
      next = info.ppid;
    }
    return chain;
  }

  /** Forgets a process (it exited, when the source says so). */
  forget(pid: number): void {
    this.table.delete(pid);
  }
}
