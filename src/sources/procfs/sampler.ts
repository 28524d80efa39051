/**
 * @module sources/procfs/sampler
 * The built-in /proc sampler, for nodes with neither auditd nor Tetragon: it polls /proc for new
 * processes (and re-executions, seen as a changed task name) and new outbound TCP connections,
 * and reports them as process.exec and net.connect events. It sees what exists at sample time:
 * processes that start and end between two samples are missed (docs/procfs.md gives figures).
 *
 * Tables hold only what the last sample saw (live processes, open connections), each capped.
 * Reads are synchronous: a sample is a few milliseconds of small reads, cheaper than the promise
 * machinery of async fs for thousands of tiny files.
 */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import type { ContainerContext, NetConnectEvent, ProcessExecEvent, ProcessInfo } from '../../events/model.js';
import { parseCgroupFile } from '../../enrichment/container/cgroup.js';
import { CLOCK_TICKS_PER_SECOND, linkInode, readBootTime, readCmdline, readIds, readLink, readStat } from './proc.js';
import { outboundConnections, parseTcpTable, type TcpSocket } from './tcp.js';

export interface ProcfsSamplerOptions {
  /** Milliseconds between samples (default 100). */
  intervalMs?: number;
  /** Where /proc is (default '/proc'; '/host/proc' when the agent mounts the host's). */
  procRoot?: string;
  /** Node name stamped on events (default the host name). */
  node?: string;
  cluster?: string;
  /**
   * Milliseconds between reads of the TCP tables (default 500). Reading /proc/net/tcp walks the
   * kernel's whole TCP hash table, milliseconds per namespace on large machines, so connections
   * are sampled less often than processes.
   */
  connectionIntervalMs?: number;
  /** Processes tracked at most (default 65,536); more are counted in stats.skipped. */
  maxProcesses?: number;
  /** Open connections tracked at most (default 65,536). */
  maxConnections?: number;
  /** Report the processes and connections present at the first sample too (default false). */
  reportExisting?: boolean;
}

export interface ProcfsStats {
  samples: number;
  /** New processes and re-executions reported. */
  processesSeen: number;
  connectionsSeen: number;
  /** Connections whose owning process was found through its socket inode. */
  connectionsAttributed: number;
  processesTracked: number;
  connectionsTracked: number;
  /** Processes or connections left out because a table was full. */
  skipped: number;
  lastSampleMs: number;
  meanSampleMs: number;
  maxSampleMs: number;
  errors: number;
  lastError?: string;
}

export type ProcfsEvent = ProcessExecEvent | NetConnectEvent;

interface Tracked {
  startTicks: number;
  comm: string;
  ppid: number;
  info: ProcessInfo;
  container?: ContainerContext;
  /** Network namespace inode, read once per process. */
  netns?: string;
}

const MAX_DEPTH = 32;

export class ProcfsSampler {
  private readonly intervalMs: number;
  private readonly connectionIntervalMs: number;
  private lastConnectionSample = -Infinity;
  private readonly procRoot: string;
  private readonly node: string;
  private readonly cluster: string | undefined;
  private readonly maxProcesses: number;
  private readonly maxConnections: number;
  private readonly reportExisting: boolean;
  private readonly bootTime: number | undefined;
  private processes = new Map<number, Tracked>();
  private connections = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private onEvent: ((event: ProcfsEvent) => void) | undefined;
  private totalSampleMs = 0;
  private readonly counters: ProcfsStats = {
    samples: 0,
    processesSeen: 0,
    connectionsSeen: 0,
    connectionsAttributed: 0,
    processesTracked: 0,
    connectionsTracked: 0,
    skipped: 0,
    lastSampleMs: 0,
    meanSampleMs: 0,
    maxSampleMs: 0,
    errors: 0,
  };

  constructor(options: ProcfsSamplerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 100;
    if (!(this.intervalMs >= 1)) throw new RangeError(`ProcfsSampler: intervalMs must be at least 1, got ${options.intervalMs}`);
    this.connectionIntervalMs = options.connectionIntervalMs ?? 500;
    this.procRoot = options.procRoot ?? '/proc';
    this.node = options.node ?? hostname();
    this.cluster = options.cluster;
    this.maxProcesses = options.maxProcesses ?? 65_536;
    this.maxConnections = options.maxConnections ?? 65_536;
    this.reportExisting = options.reportExisting ?? false;
    this.bootTime = readBootTime(this.procRoot);
  }

  /** Takes a first sample (silent unless reportExisting) and then one every interval. */
  start(onEvent: (event: ProcfsEvent) => void): void {
    if (this.timer) throw new Error('ProcfsSampler: already started');
    this.onEvent = this.reportExisting ? onEvent : undefined;
    this.sample();
    this.onEvent = onEvent;
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.onEvent = undefined;
  }

  stats(): ProcfsStats {
    return { ...this.counters, processesTracked: this.processes.size, connectionsTracked: this.connections.size };
  }

  /** One pass over /proc. Never throws: a failure is counted and the next sample goes on. */
  sample(): void {
    const started = performance.now();
    try {
      this.sampleProcesses();
      // Half an interval of slack, so that timer jitter does not skip every other turn.
      if (started - this.lastConnectionSample >= this.connectionIntervalMs - this.intervalMs / 2) {
        this.lastConnectionSample = started;
        this.sampleConnections();
      }
    } catch (error) {
      this.counters.errors++;
      this.counters.lastError = (error as Error).message;
    }
    const ms = performance.now() - started;
    const c = this.counters;
    c.samples++;
    c.lastSampleMs = ms;
    c.maxSampleMs = Math.max(c.maxSampleMs, ms);
    this.totalSampleMs += ms;
    c.meanSampleMs = this.totalSampleMs / c.samples;
  }

  private sampleProcesses(): void {
    const previous = this.processes;
    const current = new Map<number, Tracked>();
    const fresh: number[] = [];
    for (const name of readdirSync(this.procRoot)) {
      const code = name.charCodeAt(0);
      if (code < 48 || code > 57) continue;
      const pid = Number(name);
      const stat = readStat(this.procRoot, pid);
      if (!stat || stat.kernelThread) continue;
      const known = previous.get(pid);
      // Same pid and start time: the same process; a changed name means it called execve again.
      if (known && known.startTicks === stat.startTicks && known.comm === stat.comm) {
        current.set(pid, known);
        continue;
      }
      if (current.size >= this.maxProcesses) {
        this.counters.skipped++;
        continue;
      }
      const tracked = this.readProcess(pid, stat.startTicks, stat.comm, stat.ppid, known?.startTicks === stat.startTicks ? known : undefined);
      if (!tracked) continue;
      current.set(pid, tracked);
      fresh.push(pid);
    }
    this.processes = current;
    if (!this.onEvent) return;
    const now = Date.now();
    for (const pid of fresh) {
      const tracked = current.get(pid) as Tracked;
      const event: ProcessExecEvent = {
        kind: 'process.exec',
        id: tracked.info.execId as string,
        time: now,
        source: 'procfs',
        node: this.node,
        process: tracked.info,
        ancestors: this.ancestors(tracked),
      };
      if (this.cluster) event.cluster = this.cluster;
      if (tracked.container) event.container = tracked.container;
      this.counters.processesSeen++;
      this.onEvent(event);
    }
  }

  private readProcess(pid: number, startTicks: number, comm: string, ppid: number, before: Tracked | undefined): Tracked | undefined {
    const args = readCmdline(this.procRoot, pid);
    if (args === undefined) return undefined;
    const exe = readLink(`${this.procRoot}/${pid}/exe`);
    const argv = args.length > 0 ? args : [comm];
    const info: ProcessInfo = {
      pid,
      ppid,
      // exe is unreadable without CAP_SYS_PTRACE over the process; argv[0] is the claim it made.
      executable: exe ?? argv[0],
      args: argv,
      commandLine: argv.join(' '),
      comm,
      execId: `${pid}:${startTicks}`,
    };
    const cwd = readLink(`${this.procRoot}/${pid}/cwd`);
    if (cwd !== undefined) info.cwd = cwd;
    Object.assign(info, readIds(this.procRoot, pid));
    if (this.bootTime !== undefined) info.startTime = this.bootTime + Math.round((startTicks * 1000) / CLOCK_TICKS_PER_SECOND);
    const tracked: Tracked = { startTicks, comm, ppid, info };
    // A re-execution keeps its cgroup and namespaces.
    if (before) {
      if (before.container) tracked.container = before.container;
      if (before.netns) tracked.netns = before.netns;
      return tracked;
    }
    try {
      const cgroup = parseCgroupFile(readFileSync(`${this.procRoot}/${pid}/cgroup`, 'latin1'));
      if (cgroup.containerId) {
        tracked.container = { id: cgroup.containerId };
        if (cgroup.podUid) tracked.container.podUid = cgroup.podUid;
        if (cgroup.runtime) tracked.container.runtime = cgroup.runtime;
      }
    } catch {
      // Exited since; the event still says what was read.
    }
    const netns = linkInode(readLink(`${this.procRoot}/${pid}/ns/net`), 'net');
    if (netns) tracked.netns = netns;
    return tracked;
  }

  /** Parent first, from this sample's table; a parent that has exited ends the chain. */
  private ancestors(tracked: Tracked): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    let ppid = tracked.ppid;
    while (ppid > 0 && out.length < MAX_DEPTH) {
      const parent = this.processes.get(ppid);
      if (!parent) break;
      out.push(parent.info);
      ppid = parent.ppid;
    }
    return out;
  }

  private sampleConnections(): void {
    // One reader per network namespace: the sampler's own (/proc/net) and one live process of each other.
    const own = linkInode(readLink(`${this.procRoot}/self/ns/net`), 'net');
    const namespaces = new Map<string, { dir: string; owner?: Tracked }>();
    namespaces.set(own ?? 'self', { dir: `${this.procRoot}/net` });
    for (const [pid, tracked] of this.processes) {
      if (tracked.netns && !namespaces.has(tracked.netns)) namespaces.set(tracked.netns, { dir: `${this.procRoot}/${pid}/net`, owner: tracked });
    }
    const previous = this.connections;
    const current = new Set<string>();
    const fresh: { socket: TcpSocket; netns: string; owner?: Tracked }[] = [];
    for (const [netns, { dir, owner }] of namespaces) {
      const sockets = [...readTable(`${dir}/tcp`), ...readTable(`${dir}/tcp6`)];
      for (const socket of outboundConnections(sockets)) {
        const key = socket.inode !== '0' ? socket.inode : `${netns}:${socket.localAddress}:${socket.localPort}:${socket.remoteAddress}:${socket.remotePort}`;
        if (current.has(key)) continue;
        if (current.size >= this.maxConnections) {
          this.counters.skipped++;
          continue;
        }
        current.add(key);
        if (!previous.has(key)) fresh.push(owner ? { socket, netns, owner } : { socket, netns });
      }
    }
    this.connections = current;
    if (!this.onEvent || fresh.length === 0) return;
    const owners = this.socketOwners(new Set(fresh.map((f) => f.socket.inode).filter((i) => i !== '0')), new Set(fresh.map((f) => f.netns)));
    const now = Date.now();
    for (const { socket, owner: nsOwner } of fresh) {
      const owner = owners.get(socket.inode);
      if (owner) this.counters.connectionsAttributed++;
      const event: NetConnectEvent = {
        kind: 'net.connect',
        id: `${socket.inode}:${socket.localPort}`,
        time: now,
        source: 'procfs',
        node: this.node,
        process: owner?.info ?? { pid: 0, executable: '', args: [], commandLine: '', uid: socket.uid },
        ancestors: owner ? this.ancestors(owner) : [],
        family: socket.remoteAddress.includes(':') ? 'inet6' : 'inet',
        remoteAddress: socket.remoteAddress,
        remotePort: socket.remotePort,
        protocol: 'tcp',
        // Established, or a connect under way (SYN_SENT): an attempt counts, as with EINPROGRESS.
        success: true,
      };
      if (this.cluster) event.cluster = this.cluster;
      // Without an owner, a pod's namespace still tells which pod: its containers share it.
      const container = owner?.container ?? nsOwner?.container;
      if (container) event.container = container;
      this.counters.connectionsSeen++;
      this.onEvent(event);
    }
  }

  /**
   * Socket inode → owning process, by reading the fd links of the processes in the namespaces
   * concerned, newest first (a new connection most often comes from a new process), stopping as
   * soon as every inode is found.
   */
  private socketOwners(inodes: Set<string>, netns: Set<string>): Map<string, Tracked> {
    const found = new Map<string, Tracked>();
    if (inodes.size === 0) return found;
    const candidates = [...this.processes.entries()].filter(([, t]) => !t.netns || netns.has(t.netns)).sort((a, b) => b[0] - a[0]);
    for (const [pid, tracked] of candidates) {
      let fds: string[];
      try {
        fds = readdirSync(`${this.procRoot}/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        const inode = linkInode(readLink(`${this.procRoot}/${pid}/fd/${fd}`), 'socket');
        if (inode && inodes.has(inode) && !found.has(inode)) {
          found.set(inode, tracked);
          if (found.size === inodes.size) return found;
        }
      }
    }
    return found;
  }
}

function readTable(path: string): TcpSocket[] {
  try {
    return parseTcpTable(readFileSync(path, 'latin1'));
  } catch {
    return [];
  }
}
