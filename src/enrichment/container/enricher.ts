/**
 * @module enrichment/container/enricher
 * Fills `container` on node events whose source does not carry it (kernel audit, the /proc
 * sampler) and completes a bare container id with pod identity: pid → cgroup (read live from
 * /proc, or remembered for processes that have exited, or the parent's) → container id → pod
 * (from a PodDirectory). Processes whose cgroup names no container are host processes and stay
 * without `container`.
 */
import type { ContainerContext, NodeEvent, ProcessInfo } from '../../events/model.js';
import { CLOCK_TICKS_PER_SECOND, readBootTime, readStat } from '../../sources/procfs/proc.js';
import { BoundedCache } from '../../util/bounded-cache.js';
import { readCgroup, type CgroupInfo } from './cgroup.js';
import type { PodDirectory } from './directory.js';

export interface ContainerEnricherOptions {
  directory?: PodDirectory;
  /** Where the host's /proc is (default '/proc'). */
  procRoot?: string;
  /** Processes whose cgroup is remembered (default 65,536). */
  maxProcesses?: number;
  /** Container contexts remembered after the directory forgot them (default 4,096). */
  maxContainers?: number;
  /** How long remembered cgroups and contexts stay valid (default 10 minutes). */
  ttlMs?: number;
}

export interface ContainerEnricherStats {
  enriched: number;
  host: number;
  unresolved: number;
  fromCache: number;
  fromParent: number;
  cachedProcesses: number;
}

interface KnownCgroup {
  /** Start time in ms since the epoch, to tell a reused pid. */
  start?: number;
  cgroup: CgroupInfo;
}

/** Start times from /proc (whole-second boot time + 10 ms ticks) and from sources differ this much at most. */
const START_TOLERANCE_MS = 2000;

export class ContainerEnricher {
  private readonly procRoot: string;
  private readonly directory: PodDirectory | undefined;
  private readonly cgroups: BoundedCache<number, KnownCgroup>;
  private readonly contexts: BoundedCache<string, ContainerContext>;
  private readonly bootTime: number | undefined;
  private readonly counters = { enriched: 0, host: 0, unresolved: 0, fromCache: 0, fromParent: 0 };

  constructor(options: ContainerEnricherOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.directory = options.directory;
    const ttl = options.ttlMs ?? 600_000;
    this.cgroups = new BoundedCache(options.maxProcesses ?? 65_536, ttl);
    this.contexts = new BoundedCache(options.maxContainers ?? 4_096, ttl);
    this.bootTime = readBootTime(this.procRoot);
  }

  stats(): ContainerEnricherStats {
    return { ...this.counters, cachedProcesses: this.cgroups.size };
  }

  /** Returns the event, with `container` filled or completed when that can be known. */
  enrich(event: NodeEvent): NodeEvent {
    if (event.container) {
      if (event.container.id && !event.container.pod) {
        const context = this.context(event.container.id);
        if (context) event.container = { ...event.container, ...context };
      }
      return event;
    }
    let cgroup = this.cgroupOf(event.process);
    if (!cgroup) {
      // Gone before we looked, and never seen: its parent is almost always in the same cgroup.
      const parent = event.ancestors[0] ?? (event.process.ppid ? { pid: event.process.ppid } : undefined);
      cgroup = parent ? this.cgroupOf(parent as ProcessInfo) : undefined;
      if (cgroup) this.counters.fromParent++;
    }
    if (!cgroup) {
      this.counters.unresolved++;
      return event;
    }
    if (!cgroup.containerId) {
      this.counters.host++;
      return event;
    }
    const container: ContainerContext = { id: cgroup.containerId };
    if (cgroup.runtime) container.runtime = cgroup.runtime;
    if (cgroup.podUid) container.podUid = cgroup.podUid;
    const context = this.context(cgroup.containerId);
    event.container = context ? { ...container, ...context } : container;
    this.counters.enriched++;
    return event;
  }

  private context(containerId: string): ContainerContext | undefined {
    const found = this.directory?.lookup(containerId);
    if (found) {
      this.contexts.set(containerId, found);
      return found;
    }
    return this.contexts.get(containerId);
  }

  /** The cgroup of a process: live from /proc when the pid is still that process, else remembered. */
  private cgroupOf(process: Pick<ProcessInfo, 'pid' | 'startTime'>): CgroupInfo | undefined {
    const pid = process.pid;
    if (!(pid > 0)) return undefined;
    const known = this.cgroups.get(pid);
    if (known && sameStart(known.start, process.startTime)) {
      this.counters.fromCache++;
      return known.cgroup;
    }
    const stat = readStat(this.procRoot, pid);
    const cgroup = stat ? readCgroup(pid, this.procRoot) : undefined;
    if (!stat || !cgroup) return undefined;
    const start = this.bootTime === undefined ? undefined : this.bootTime + (stat.startTicks * 1000) / CLOCK_TICKS_PER_SECOND;
    // The pid now belongs to another process than the event's.
    if (!sameStart(start, process.startTime)) return undefined;
    this.cgroups.set(pid, start === undefined ? { cgroup } : { start, cgroup });
    return cgroup;
  }
}

function sameStart(a: number | undefined, b: number | undefined): boolean {
  return a === undefined || b === undefined || Math.abs(a - b) <= START_TOLERANCE_MS;
}
