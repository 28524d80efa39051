/**
 * @module sources/tetragon/process
 * Tetragon's `Process` and `Pod` messages → the model's ProcessInfo and ContainerContext, and the
 * per-input table of processes by exec_id that rebuilds ancestry when Tetragon's `parent` or
 * `ancestors` were filtered out of the export. Every field is optional: field filters strip any of
 * them, and the decoder must still produce what it can.
 */
import type { ContainerContext, ProcessInfo } from '../../events/model.js';
import { BoundedCache } from '../../util/bounded-cache.js';
import { baseName, splitArguments } from './args.js';

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A number, or a 64-bit integer that protobuf-JSON wrote as a string. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value !== '' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

export function record(value: unknown): Json | undefined {
  return isRecord(value) ? value : undefined;
}

/** RFC 3339 with nanoseconds → ms since the epoch; undefined when it is not a time. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

const AUID_UNSET = 4294967295;

/** The pid Tetragon encoded in an exec_id (base64 of "node:ktime:pid"), for processes whose pid was filtered out. */
function pidFromExecId(execId: string): number | undefined {
  const text = Buffer.from(execId, 'base64').toString('latin1');
  const match = /:(\d{1,10})$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

export function toProcessInfo(raw: Json): ProcessInfo {
  const execId = str(raw.exec_id);
  const binary = str(raw.binary) ?? '';
  const argText = str(raw.arguments);
  const name = baseName(binary);
  const creds = record(raw.process_credentials);
  const info: ProcessInfo = {
    pid: num(raw.pid) ?? (execId ? pidFromExecId(execId) : undefined) ?? 0,
    executable: binary,
    args: argText ? [name, ...splitArguments(argText)] : binary ? [name] : [],
    commandLine: argText ? `${name} ${argText}` : name,
  };
  const cwd = str(raw.cwd);
  if (cwd !== undefined) info.cwd = cwd;
  // Tetragon's `uid` is the effective uid; the real one is only known with --enable-process-cred.
  const uid = num(raw.uid);
  const realUid = num(creds?.uid) ?? uid;
  if (realUid !== undefined) info.uid = realUid;
  const euid = num(creds?.euid) ?? uid;
  if (euid !== undefined) info.euid = euid;
  const gid = num(creds?.gid);
  if (gid !== undefined) info.gid = gid;
  const auid = num(raw.auid);
  if (auid !== undefined && auid !== AUID_UNSET) info.auid = auid;
  const start = parseTime(raw.start_time);
  if (start !== undefined) info.startTime = start;
  if (execId) info.execId = execId;
  if (typeof raw.in_init_tree === 'boolean') info.inInitTree = raw.in_init_tree;
  return info;
}

const RUNTIME_PREFIX = /^(containerd|cri-o|docker):\/\//;

export function toContainer(raw: Json): ContainerContext | undefined {
  const pod = record(raw.pod);
  if (!pod) return undefined;
  const container = record(pod.container);
  const fullId = str(container?.id);
  const prefix = fullId ? RUNTIME_PREFIX.exec(fullId) : null;
  // `docker` is a truncated id prefix: better than nothing when the pod's container was filtered out.
  const id = fullId ? fullId.slice(prefix ? prefix[0].length : 0) : (str(raw.docker) ?? '');
  const ctx: ContainerContext = { id };
  if (prefix) ctx.runtime = prefix[1];
  const name = str(container?.name);
  if (name) ctx.name = name;
  const image = record(container?.image);
  const imageName = str(image?.name);
  if (imageName) ctx.image = imageName;
  const imageId = str(image?.id);
  if (imageId) ctx.imageId = imageId;
  const podName = str(pod.name);
  if (podName) ctx.pod = podName;
  const namespace = str(pod.namespace);
  if (namespace) ctx.namespace = namespace;
  const podUid = str(pod.uid);
  if (podUid) ctx.podUid = podUid;
  const workload = str(pod.workload);
  if (workload) ctx.workload = workload;
  const workloadKind = str(pod.workload_kind);
  if (workloadKind) ctx.workloadKind = workloadKind;
  const privileged = record(container?.security_context)?.privileged;
  if (typeof privileged === 'boolean') ctx.privileged = privileged;
  return ctx;
}

export function isExecProbe(raw: Json): boolean {
  return record(record(raw.pod)?.container)?.maybe_exec_probe === true;
}

interface KnownProcess {
  info: ProcessInfo;
  parentExecId?: string;
  container?: ContainerContext;
}

/** How far up ancestry is rebuilt from the table: deep enough for any real tree, bounded against cycles. */
const MAX_DEPTH = 32;

/**
 * Processes by exec_id, from exec events (including procFS inventory and skipped exec probes)
 * and the parent blocks seen on any event. Bounded: the least recently used are forgotten first.
 */
export class ProcessTable {
  private readonly table: BoundedCache<string, KnownProcess>;

  constructor(maxEntries: number) {
    this.table = new BoundedCache(maxEntries);
  }

  get size(): number {
    return this.table.size;
  }

  remember(raw: Json, info: ProcessInfo, container: ContainerContext | undefined): void {
    if (!info.execId) return;
    const known: KnownProcess = { info };
    const parentExecId = str(raw.parent_exec_id);
    if (parentExecId) known.parentExecId = parentExecId;
    if (container) known.container = container;
    this.table.set(info.execId, known);
  }

  /** Records a process only if it is not known yet (parent blocks are often abbreviated). */
  rememberIfNew(raw: Json): ProcessInfo {
    const info = toProcessInfo(raw);
    if (info.execId && !this.table.has(info.execId)) this.remember(raw, info, toContainer(raw));
    return info;
  }

  get(execId: string): KnownProcess | undefined {
    return this.table.get(execId);
  }

  forget(execId: string): void {
    this.table.delete(execId);
  }

  /**
   * Parent first, then grandparent…: Tetragon's own `parent` and `ancestors` when present, then
   * whatever the table knows above the last of them.
   */
  ancestry(process: Json, parent: Json | undefined, ancestors: unknown): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    let cursor = str(process.parent_exec_id);
    if (parent) {
      out.push(this.rememberIfNew(parent));
      cursor = str(parent.parent_exec_id);
      if (Array.isArray(ancestors)) {
        for (const ancestor of ancestors) {
          if (!isRecord(ancestor)) continue;
          out.push(this.rememberIfNew(ancestor));
          cursor = str(ancestor.parent_exec_id);
        }
      }
    }
    const seen = new Set<string>();
    while (cursor && out.length < MAX_DEPTH && !seen.has(cursor)) {
      seen.add(cursor);
      const known = this.table.get(cursor);
      if (!known) break;
      out.push(known.info);
      cursor = known.parentExecId;
    }
    return out;
  }
}
