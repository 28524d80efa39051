/**
 * @module sources/linux-audit/normalise
 * An assembled audit event → the event model: execve → process.exec, connect → net.connect,
 * file syscalls → file.access, unshare/setns/clone with CLONE_NEW* → process.namespace.
 * The syscall is named by ENRICHED's SYSCALL= or by arch+number; when neither knows it, the rule
 * key Vigil tagged the rule with decides. Everything else (USER_*, CONFIG_CHANGE…) yields nothing.
 */
import { posix } from 'node:path';
import type {
  FileOperation,
  NamespaceChangeEvent,
  NetConnectEvent,
  NodeEvent,
  ProcessInfo,
} from '../../events/model.js';
import type { ProcessTree } from '../../enrichment/process-tree.js';
import { originText } from '../format.js';
import type { AssembledEvent } from './assembler.js';
import { rebuildArgv } from './execve.js';
import { auditId, decimal, isNullValue, proctitleArgs, signedDecimal, syscallArg, untrusted } from './fields.js';
import { FILE_KEYS, splitKeys, VIGIL_KEYS } from './keys.js';
import type { AuditRecord } from './record.js';
import { decodeSockaddr } from './sockaddr.js';
import { syscallName } from './syscalls.js';

export interface NormaliseContext {
  /** Node name when the record has no `node=`. */
  node: string;
  cluster?: string;
  tree: ProcessTree;
  /** Something worth reporting about an event that still normalised (lost argv records…). */
  warn(event: AssembledEvent, reason: string): void;
}

const EINPROGRESS = -115;

const FILE_OPS: Record<string, FileOperation | 'open-flags'> = {
  open: 'open-flags', openat: 'open-flags', openat2: 'open-flags', creat: 'create',
  unlink: 'unlink', unlinkat: 'unlink', rmdir: 'unlink',
  rename: 'rename', renameat: 'rename', renameat2: 'rename',
  link: 'link', linkat: 'link', symlink: 'symlink', symlinkat: 'symlink',
  chmod: 'chmod', fchmod: 'chmod', fchmodat: 'chmod', fchmodat2: 'chmod',
  chown: 'chown', fchown: 'chown', lchown: 'chown', fchownat: 'chown', chown32: 'chown', fchown32: 'chown', lchown32: 'chown',
  truncate: 'truncate', ftruncate: 'truncate', truncate64: 'truncate', ftruncate64: 'truncate',
  utime: 'utimes', utimes: 'utimes', utimensat: 'utimes', futimesat: 'utimes',
};

// open(2) flags: identical on x86_64 and the generic (arm64) ABI.
const O_ACCMODE = 3n;
const O_CREAT = 0o100n;
const O_TRUNC = 0o1000n;

// CLONE_NEW* flags (linux/sched.h). CLONE_NEWTIME (0x80) overlaps clone()'s exit-signal byte,
// so it counts only for unshare and setns.
const NAMESPACE_FLAGS: [bigint, string][] = [
  [0x00020000n, 'mnt'],
  [0x02000000n, 'cgroup'],
  [0x04000000n, 'uts'],
  [0x08000000n, 'ipc'],
  [0x10000000n, 'user'],
  [0x20000000n, 'pid'],
  [0x40000000n, 'net'],
];
const CLONE_NEWTIME = 0x80n;

/** Normalises one assembled event; undefined when it is not one Vigil models. */
export function normalise(event: AssembledEvent, ctx: NormaliseContext): NodeEvent | undefined {
  const syscall = event.records.find((r) => r.type === 'SYSCALL');
  if (!syscall) return undefined;
  const f = syscall.fields;
  const name = syscallName(f.arch, f.syscall, syscall.interp.SYSCALL);
  const keys = splitKeys(f.key === undefined ? undefined : untrusted(f.key));
  const route = name ?? routeByKey(keys);
  if (route === undefined) return undefined;

  if (route === 'execve' || route === 'execveat') return execEvent(event, syscall, ctx);
  if (route === 'connect') return connectEvent(event, syscall, ctx);
  if (route === 'unshare' || route === 'setns' || route === 'clone') return namespaceEvent(event, syscall, route, ctx);
  const op = FILE_OPS[route];
  if (op !== undefined) return fileEvent(event, syscall, route, op, ctx);
  if (name === undefined && keys.some((k) => FILE_KEYS.has(k))) return fileEvent(event, syscall, route, 'open', ctx);
  return undefined;
}

function routeByKey(keys: string[]): string | undefined {
  for (const k of keys) {
    if (k === VIGIL_KEYS.exec) return 'execve';
    if (k === VIGIL_KEYS.connect) return 'connect';
    if (FILE_KEYS.has(k)) return 'file';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

function common(event: AssembledEvent, ctx: NormaliseContext, process: ProcessInfo, ancestors: ProcessInfo[]) {
  const base = {
    id: event.id,
    time: event.time,
    source: 'linux-audit',
    origin: originText(event.origin),
    node: event.node ?? ctx.node,
    process,
    ancestors,
  };
  return ctx.cluster === undefined ? base : { ...base, cluster: ctx.cluster };
}

function cwdOf(event: AssembledEvent): string | undefined {
  const cwd = event.records.find((r) => r.type === 'CWD')?.fields.cwd;
  return isNullValue(cwd) ? undefined : untrusted(cwd as string);
}

/** The process as the SYSCALL record describes it, with argv from `args`. */
function processFrom(syscall: AuditRecord, event: AssembledEvent, args: string[], executable: string | undefined): ProcessInfo {
  const f = syscall.fields;
  const exe = isNullValue(f.exe) ? undefined : untrusted(f.exe);
  const comm = isNullValue(f.comm) ? undefined : untrusted(f.comm);
  const info: ProcessInfo = {
    pid: decimal(f.pid) ?? 0,
    executable: exe ?? executable ?? comm ?? '',
    args,
    commandLine: args.join(' '),
  };
  const ppid = decimal(f.ppid);
  if (ppid !== undefined) info.ppid = ppid;
  const cwd = cwdOf(event);
  if (cwd !== undefined) info.cwd = cwd;
  setId(info, 'uid', f.uid);
  setId(info, 'euid', f.euid);
  setId(info, 'gid', f.gid);
  setId(info, 'auid', f.auid);
  if (!isNullValue(f.tty)) info.tty = f.tty;
  if (comm !== undefined) info.comm = comm;
  return info;
}

function setId(info: ProcessInfo, field: 'uid' | 'euid' | 'gid' | 'auid', value: string | undefined): void {
  const id = auditId(value);
  if (id !== undefined) info[field] = id;
}

/**
 * The acting process of a non-exec event: what the tree remembers of its exec (full argv, start)
 * refreshed with this record's ids and cwd; else the record alone with PROCTITLE's argv.
 */
function actingProcess(event: AssembledEvent, syscall: AuditRecord, ctx: NormaliseContext): ProcessInfo {
  const title = event.records.find((r) => r.type === 'PROCTITLE')?.fields.proctitle;
  const fallbackArgs = title === undefined ? [] : proctitleArgs(title);
  const current = processFrom(syscall, event, fallbackArgs, undefined);
  const known = ctx.tree.lookup(current.pid, event.time, current.ppid);
  if (!known) return current;
  const merged: ProcessInfo = { ...current, args: known.args, commandLine: known.commandLine };
  if (known.startTime !== undefined) merged.startTime = known.startTime;
  if (known.execId !== undefined) merged.execId = known.execId;
  if (merged.cwd === undefined && known.cwd !== undefined) merged.cwd = known.cwd;
  return merged;
}

function success(syscall: AuditRecord): boolean {
  return syscall.fields.success === 'yes';
}

// ---------------------------------------------------------------------------------------------

function execEvent(event: AssembledEvent, syscall: AuditRecord, ctx: NormaliseContext): NodeEvent | undefined {
  // A failed execve ran nothing: the process kept its old image.
  if (!success(syscall)) return undefined;
  const argv = rebuildArgv(event.records);
  if (argv && argv.missing > 0) ctx.warn(event, `${argv.missing} of the EXECVE arguments are missing (records lost or cut)`);
  if (event.dropped > 0) ctx.warn(event, `event had more than its bound of records; ${event.dropped} dropped`);
  const title = event.records.find((r) => r.type === 'PROCTITLE')?.fields.proctitle;
  const args = argv?.args ?? (title === undefined ? [] : proctitleArgs(title));
  const program = event.records.find((r) => r.type === 'PATH' && r.fields.item === '0')?.fields.name;
  const process = processFrom(syscall, event, args, isNullValue(program) ? undefined : untrusted(program as string));
  process.startTime = event.time;
  process.execId = `${process.pid}:${event.id}`;
  const ancestors = ctx.tree.ancestors(process.ppid, event.time);
  ctx.tree.recordExec(process);
  return { kind: 'process.exec', ...common(event, ctx, process, ancestors) };
}

function connectEvent(event: AssembledEvent, syscall: AuditRecord, ctx: NormaliseContext): NetConnectEvent | undefined {
  const saddr = event.records.find((r) => r.type === 'SOCKADDR')?.fields.saddr;
  if (saddr === undefined) return undefined;
  const addr = decodeSockaddr(saddr);
  if (!addr || addr.family === 'other') return undefined;
  const process = actingProcess(event, syscall, ctx);
  const ancestors = ctx.tree.ancestors(process.ppid, event.time);
  const exit = signedDecimal(syscall.fields.exit);
  const ok = success(syscall) || exit === EINPROGRESS;
  const base = common(event, ctx, process, ancestors);
  if (addr.family === 'unix') return { kind: 'net.connect', ...base, family: 'unix', remoteAddress: addr.path, success: ok };
  return { kind: 'net.connect', ...base, family: addr.family, remoteAddress: addr.address, remotePort: addr.port, success: ok };
}

function namespaceEvent(
  event: AssembledEvent,
  syscall: AuditRecord,
  op: 'unshare' | 'setns' | 'clone',
  ctx: NormaliseContext,
): NamespaceChangeEvent | undefined {
  const flags = syscallArg(op === 'setns' ? syscall.fields.a1 : syscall.fields.a0) ?? 0n;
  const namespaces = NAMESPACE_FLAGS.filter(([bit]) => (flags & bit) !== 0n).map(([, n]) => n);
  if (op !== 'clone' && (flags & CLONE_NEWTIME) !== 0n) namespaces.push('time');
  // clone/unshare without CLONE_NEW* is a plain fork or fd-table split; setns with nstype 0 joins
  // whatever namespace the fd is, which the record does not say (namespaces stays empty).
  if (namespaces.length === 0 && op !== 'setns') return undefined;
  const process = actingProcess(event, syscall, ctx);
  const ancestors = ctx.tree.ancestors(process.ppid, event.time);
  return { kind: 'process.namespace', ...common(event, ctx, process, ancestors), operation: op, namespaces, success: success(syscall) };
}

// ---------------------------------------------------------------------------------------------

interface PathItem {
  name: string;
  nametype: string;
}

function fileEvent(
  event: AssembledEvent,
  syscall: AuditRecord,
  name: string,
  op: FileOperation | 'open-flags',
  ctx: NormaliseContext,
): NodeEvent | undefined {
  const items: PathItem[] = [];
  for (const r of event.records) {
    if (r.type !== 'PATH' || isNullValue(r.fields.name)) continue;
    items.push({ name: untrusted(r.fields.name), nametype: r.fields.nametype ?? 'UNKNOWN' });
  }
  const f = syscall.fields;
  let operation: FileOperation;
  let path: PathItem | undefined;
  let target: PathItem | undefined;
  switch (op) {
    case 'open-flags': {
      path = items.find((i) => i.nametype === 'CREATE') ?? items.find((i) => i.nametype === 'NORMAL') ?? items[items.length - 1];
      operation = openOperation(name, f, path);
      break;
    }
    case 'unlink':
      path = items.find((i) => i.nametype === 'DELETE') ?? items[items.length - 1];
      operation = op;
      break;
    case 'rename':
      path = items.find((i) => i.nametype === 'DELETE') ?? items.find((i) => i.nametype === 'NORMAL');
      target = items.find((i) => i.nametype === 'CREATE');
      operation = op;
      break;
    case 'link':
      path = items.find((i) => i.nametype === 'NORMAL');
      target = items.find((i) => i.nametype === 'CREATE');
      operation = op;
      break;
    case 'create':
    case 'symlink':
      path = items.find((i) => i.nametype === 'CREATE') ?? items[items.length - 1];
      operation = op;
      break;
    default:
      path = items.find((i) => i.nametype === 'NORMAL') ?? items[0];
      operation = op;
  }
  // fd-based calls (ftruncate, fchmod) on a watched inode log no name: there is no path to report.
  if (!path) return undefined;
  const cwd = cwdOf(event);
  const atFdCwd = usesCwd(name, f);
  const process = actingProcess(event, syscall, ctx);
  const ancestors = ctx.tree.ancestors(process.ppid, event.time);
  const result: NodeEvent = {
    kind: 'file.access',
    ...common(event, ctx, process, ancestors),
    operation,
    path: resolvePath(path.name, cwd, atFdCwd),
    success: success(syscall),
  };
  if (target) result.targetPath = resolvePath(target.name, cwd, atFdCwd);
  return result;
}

function openOperation(name: string, f: Record<string, string>, path: PathItem | undefined): FileOperation {
  // openat2 passes a struct open_how pointer: its flags are not in the record.
  const flags = name === 'open' ? syscallArg(f.a1) : name === 'openat' ? syscallArg(f.a2) : undefined;
  if (flags === undefined) return path?.nametype === 'CREATE' ? 'create' : 'open';
  if ((flags & O_CREAT) !== 0n && (path === undefined || path.nametype === 'CREATE')) return 'create';
  if ((flags & O_TRUNC) !== 0n && (flags & O_ACCMODE) !== 0n) return 'truncate';
  if ((flags & O_ACCMODE) !== 0n) return 'write';
  return 'read';
}

/** The argument holding the directory fd of each *at call (symlinkat's comes second). */
const DIRFD_ARG: Record<string, 'a0' | 'a1'> = {
  openat: 'a0', openat2: 'a0', unlinkat: 'a0', renameat: 'a0', renameat2: 'a0', linkat: 'a0', symlinkat: 'a1',
  fchmodat: 'a0', fchmodat2: 'a0', fchownat: 'a0', utimensat: 'a0', futimesat: 'a0',
};

/**
 * Whether relative names are relative to the cwd: always for the classic calls; for *at calls
 * only when the directory fd is AT_FDCWD (-100), else the directory is unknown. The int fd shows
 * as `ffffff9c` or sign-extended `ffffffffffffff9c` depending on how libc loaded the register.
 */
function usesCwd(name: string, f: Record<string, string>): boolean {
  const arg = DIRFD_ARG[name];
  if (arg === undefined) return true;
  const dirfd = syscallArg(f[arg]);
  if (dirfd === undefined) return false;
  const high = dirfd >> 32n;
  return BigInt.asIntN(32, dirfd) === -100n && (high === 0n || high === 0xffffffffn);
}

function resolvePath(name: string, cwd: string | undefined, relativeToCwd: boolean): string {
  if (name.startsWith('/')) return posix.normalize(name);
  if (cwd !== undefined && cwd.startsWith('/') && relativeToCwd) return posix.join(cwd, name);
  return name;
}
