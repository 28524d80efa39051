/**
 * @module sources/tetragon/kprobe
 * What a kprobe (or LSM hook) event means in the model, decided by the hooked function's name
 * and the typed arguments the policy asked for. The shipped policies in deploy/tetragon/ hook
 * exactly these functions; a policy of the operator's own that hooks others is reported once per
 * function and otherwise ignored.
 */
import type { FileAccessEvent, FileOperation, NamespaceChangeEvent, NetConnectEvent } from '../../events/model.js';
import { canonicalIp } from '../../indicators/ip.js';
import { isRecord, num, record, str, type Json } from './process.js';

/** The fields an event of the model takes from a hook: the model's own, not a restatement. */
type Meaning<E extends { kind: string }, K extends keyof E> = Pick<E, 'kind' | K>;

export type KprobeMeaning =
  | Meaning<FileAccessEvent, 'operation' | 'path' | 'targetPath' | 'success'>
  | (Meaning<NetConnectEvent, 'family' | 'remoteAddress' | 'remotePort' | 'protocol' | 'success'> & {
      /** Tetragon's socket cookie, to report a connection once however many sendmsg calls it sees. */
      socket?: string;
    })
  | Meaning<NamespaceChangeEvent, 'operation' | 'namespaces' | 'success'>
  /** A hook we know but whose arguments do not say enough (the policy omitted the path). */
  | { kind: 'invalid'; reason: string }
  /** A hook with no meaning in the model. */
  | { kind: 'unmapped' };

/** `__x64_sys_unshare`, `__arm64_sys_setns`, `ksys_unshare`, `sys_unshare` → `sys_unshare`. */
export function normaliseFunction(name: string): string {
  return name.replace(/^(?:__(?:x64|ia32|arm64|riscv|s390x)_)?(?:__se_|__do_)?(?:k|compat_)?sys_/, 'sys_');
}

type FileHook = FileOperation | 'mask' | 'mmap';

/** Hooks whose operation is fixed by the hook, or read from its access mask / mmap protection. */
const FILE_HOOKS: ReadonlyMap<string, FileHook> = new Map<string, FileHook>([
  ['security_file_permission', 'mask'],
  ['security_inode_permission', 'mask'],
  ['security_mmap_file', 'mmap'],
  ['security_file_open', 'open'],
  ['fd_install', 'open'],
  ['sys_open', 'open'],
  ['sys_openat', 'open'],
  ['sys_openat2', 'open'],
  ['security_path_truncate', 'truncate'],
  ['security_file_truncate', 'truncate'],
  ['do_truncate', 'truncate'],
  ['vfs_truncate', 'truncate'],
  ['sys_truncate', 'truncate'],
  ['sys_ftruncate', 'truncate'],
  ['security_path_unlink', 'unlink'],
  ['security_inode_unlink', 'unlink'],
  ['security_path_rmdir', 'unlink'],
  ['security_inode_rmdir', 'unlink'],
  ['vfs_unlink', 'unlink'],
  ['do_unlinkat', 'unlink'],
  ['sys_unlink', 'unlink'],
  ['sys_unlinkat', 'unlink'],
  ['sys_rmdir', 'unlink'],
  ['security_path_rename', 'rename'],
  ['security_inode_rename', 'rename'],
  ['vfs_rename', 'rename'],
  ['sys_rename', 'rename'],
  ['sys_renameat', 'rename'],
  ['sys_renameat2', 'rename'],
  ['security_path_link', 'link'],
  ['security_inode_link', 'link'],
  ['sys_link', 'link'],
  ['sys_linkat', 'link'],
  ['security_path_symlink', 'symlink'],
  ['security_inode_symlink', 'symlink'],
  ['sys_symlink', 'symlink'],
  ['sys_symlinkat', 'symlink'],
  ['security_path_chmod', 'chmod'],
  ['chmod_common', 'chmod'],
  ['sys_chmod', 'chmod'],
  ['sys_fchmodat', 'chmod'],
  ['sys_fchmodat2', 'chmod'],
  ['security_path_chown', 'chown'],
  ['chown_common', 'chown'],
  ['sys_chown', 'chown'],
  ['sys_lchown', 'chown'],
  ['sys_fchownat', 'chown'],
  ['security_inode_create', 'create'],
  ['security_inode_mkdir', 'create'],
  ['security_inode_mknod', 'create'],
  ['security_path_mknod', 'create'],
  ['security_path_mkdir', 'create'],
  ['sys_utime', 'utimes'],
  ['sys_utimes', 'utimes'],
  ['sys_utimensat', 'utimes'],
  ['sys_futimesat', 'utimes'],
  ['vfs_utimes', 'utimes'],
  ['do_utimes', 'utimes'],
]);

const MAY_WRITE = 2;
const MAY_READ = 4;
const MAY_APPEND = 8;
const PROT_WRITE = 2;
const MAP_SHARED = 1;

const CLONE_NEW: readonly [number, string][] = [
  [0x00020000, 'mnt'],
  [0x02000000, 'cgroup'],
  [0x04000000, 'uts'],
  [0x08000000, 'ipc'],
  [0x10000000, 'user'],
  [0x20000000, 'pid'],
  [0x40000000, 'net'],
  [0x00000080, 'time'],
];

/** CLONE_NEW* bits → namespace names; 0 (setns "any type") gives none. */
export function namespaceNames(flags: number): string[] {
  return CLONE_NEW.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

interface Arg {
  label?: string;
  key: string;
  value: unknown;
}

function readArgs(args: unknown): Arg[] {
  if (!Array.isArray(args)) return [];
  const out: Arg[] = [];
  for (const arg of args) {
    if (!isRecord(arg)) continue;
    const label = str(arg.label);
    for (const key of Object.keys(arg)) {
      if (key === 'label') continue;
      out.push(label ? { label, key, value: arg[key] } : { key, value: arg[key] });
      break;
    }
  }
  return out;
}

/** Integer arguments in policy order (int/uint as numbers, long/size as strings). */
function ints(args: Arg[]): { label?: string; value: number }[] {
  const out: { label?: string; value: number }[] = [];
  for (const arg of args) {
    if (arg.key !== 'int_arg' && arg.key !== 'uint_arg' && arg.key !== 'long_arg' && arg.key !== 'size_arg') continue;
    const value = num(arg.value);
    if (value !== undefined) out.push(arg.label ? { label: arg.label, value } : { value });
  }
  return out;
}

/** Paths in policy order: file/path/binprm arguments, and string arguments that look like paths (syscall hooks). */
function paths(args: Arg[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (arg.key === 'file_arg' || arg.key === 'path_arg' || arg.key === 'linux_binprm_arg') {
      const path = str(record(arg.value)?.path);
      if (path) out.push(path);
    } else if (arg.key === 'string_arg') {
      const text = str(arg.value);
      if (text && text.startsWith('/')) out.push(text);
    }
  }
  return out;
}

/**
 * Whether the hooked call went through: a negative return is an error, except EINPROGRESS (a
 * non-blocking connect under way); an enforcement action (override, kill) stopped it.
 */
function succeeded(payload: Json): boolean {
  const action = str(payload.action);
  if (action === 'KPROBE_ACTION_OVERRIDE' || action === 'KPROBE_ACTION_SIGKILL') return false;
  const ret = record(payload.return);
  const value = ret ? num(ret.int_arg ?? ret.long_arg) : undefined;
  return value === undefined || value >= 0 || value === -115;
}

function fileOperation(hook: FileHook, args: Arg[]): FileOperation {
  const numbers = ints(args);
  if (hook === 'mask') {
    const mask = (numbers.find((n) => n.label === 'mask') ?? numbers[0])?.value;
    if (mask === undefined) return 'open';
    if (mask & (MAY_WRITE | MAY_APPEND)) return 'write';
    return mask & MAY_READ ? 'read' : 'open';
  }
  if (hook === 'mmap') {
    const prot = (numbers.find((n) => n.label === 'prot') ?? numbers[0])?.value;
    const flags = (numbers.find((n) => n.label === 'flags') ?? numbers[1])?.value;
    // A writable private mapping never reaches the file.
    const shared = flags === undefined || (flags & MAP_SHARED) !== 0;
    return prot !== undefined && prot & PROT_WRITE && shared ? 'write' : 'read';
  }
  return hook;
}

const FAMILIES: Record<string, 'inet' | 'inet6' | 'unix'> = {
  AF_INET: 'inet',
  AF_INET6: 'inet6',
  AF_UNIX: 'unix',
  AF_LOCAL: 'unix',
};

function netMeaning(fn: string, args: Arg[], payload: Json): KprobeMeaning {
  for (const arg of args) {
    const value = record(arg.value);
    if (!value) continue;
    let family: 'inet' | 'inet6' | 'unix' | undefined;
    let address: string | undefined;
    let port: number | undefined;
    let protocol: 'tcp' | 'udp' | undefined;
    let socket: string | undefined;
    if (arg.key === 'sock_arg' || arg.key === 'skb_arg') {
      family = FAMILIES[str(value.family) ?? ''];
      address = str(value.daddr);
      port = num(value.dport);
      const proto = str(value.protocol) ?? str(value.proto);
      protocol = proto === 'IPPROTO_TCP' ? 'tcp' : proto === 'IPPROTO_UDP' ? 'udp' : undefined;
      socket = str(value.cookie);
    } else if (arg.key === 'sockaddr_arg') {
      family = FAMILIES[str(value.family) ?? ''];
      address = str(value.addr);
      port = num(value.port);
    } else if (arg.key === 'sockaddrun_arg') {
      family = 'unix';
      address = str(value.path);
    } else continue;
    if (!address) continue;
    if (family !== 'unix') {
      const ip = canonicalIp(address);
      if (!ip) return { kind: 'invalid', reason: `${fn}: destination '${address.slice(0, 64)}' is not an IP address` };
      address = ip;
      family ??= ip.includes(':') ? 'inet6' : 'inet';
    }
    protocol ??= fn.startsWith('tcp_') ? 'tcp' : fn.startsWith('udp_') ? 'udp' : undefined;
    const meaning: KprobeMeaning = { kind: 'net.connect', family: family ?? 'unix', remoteAddress: address, success: succeeded(payload) };
    if (port !== undefined) meaning.remotePort = port;
    if (protocol) meaning.protocol = protocol;
    if (socket) meaning.socket = socket;
    return meaning;
  }
  return { kind: 'invalid', reason: `${fn}: no socket or sockaddr argument with a destination` };
}

/**
 * The meaning of a process_kprobe (or process_lsm, whose hook names lack the `security_`
 * prefix) payload.
 */
export function kprobeMeaning(payload: Json, lsm: boolean): KprobeMeaning {
  const raw = str(payload.function_name) ?? '';
  const fn = normaliseFunction(lsm && !raw.startsWith('security_') ? `security_${raw}` : raw);
  const args = readArgs(payload.args);

  const fileHook = FILE_HOOKS.get(fn);
  if (fileHook) {
    const found = paths(args);
    if (found.length === 0) return { kind: 'invalid', reason: `${raw}: no file, path or path-like string argument` };
    const meaning: KprobeMeaning = { kind: 'file.access', operation: fileOperation(fileHook, args), path: found[0], success: succeeded(payload) };
    if (found.length > 1 && (fileHook === 'rename' || fileHook === 'link' || fileHook === 'symlink')) meaning.targetPath = found[1];
    return meaning;
  }

  if (fn === 'sys_unshare' || fn === 'sys_setns') {
    const numbers = ints(args);
    // unshare(flags); setns(fd, nstype): the policy may pass the fd too, so take the last integer.
    const flags = fn === 'sys_unshare'
      ? (numbers.find((n) => n.label === 'flags') ?? numbers[0])?.value
      : (numbers.find((n) => n.label === 'nstype') ?? numbers[numbers.length - 1])?.value;
    return {
      kind: 'process.namespace',
      operation: fn === 'sys_unshare' ? 'unshare' : 'setns',
      namespaces: flags === undefined ? [] : namespaceNames(flags),
      success: succeeded(payload),
    };
  }

  if (/connect|sendmsg/.test(fn) && !fn.includes('disconnect')) return netMeaning(raw, args, payload);
  return { kind: 'unmapped' };
}
