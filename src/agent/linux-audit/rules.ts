/**
 * @module agent/linux-audit/rules
 * The audit rules Vigil needs, and installing / removing exactly them. Every rule carries one of
 * Vigil's keys (`vigil_*`), so stop() removes them with `auditctl -D -k KEY` and leaves the
 * node's other rules alone. Watches (`-w`) take no wildcards: per-user files are enumerated from
 * what exists now, and paths that do not exist are skipped and said so.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_VIGIL_KEYS, VIGIL_KEYS } from '../../sources/linux-audit/keys.js';
import { auditctl } from './auditctl.js';

export interface AuditRule {
  /** auditctl arguments, e.g. ['-a', 'always,exit', '-F', 'arch=b64', '-S', 'execve', '-k', 'vigil_exec']. */
  args: string[];
  key: string;
  /** Why Vigil wants it, for logs and docs. */
  purpose: string;
}

export interface RulePlan {
  rules: AuditRule[];
  /** Paths Vigil would watch but that do not exist on this node. */
  missing: string[];
}

export interface PlanOptions {
  /** Node's architecture (default process.arch): arm64 has no unlink/rename/utimes syscalls. */
  arch?: string;
  /** Root of the filesystem to look at (default '/'): the agent may see the host under /host. */
  root?: string;
}

const CLONE_NEW_MASK = '0x7e020000';

const KUBE_CREDENTIALS = [
  '/etc/kubernetes/kubelet.conf',
  '/etc/kubernetes/bootstrap-kubelet.conf',
  '/etc/kubernetes/admin.conf',
  '/etc/kubernetes/super-admin.conf',
  '/etc/kubernetes/controller-manager.conf',
  '/etc/kubernetes/scheduler.conf',
  '/var/lib/kubelet/kubeconfig',
  '/var/lib/kubelet/pki',
  '/root/.kube/config',
];

const HISTORY_FILES = ['.bash_history', '.zsh_history', '.ash_history', '.sh_history', '.history', '.python_history'];

/** The rules for this node: syscall rules per ABI, and watches on the files that exist. */
export function planRules(options: PlanOptions = {}): RulePlan {
  const arch = options.arch ?? process.arch;
  const root = options.root ?? '/';
  // Watches and dir filters name an inode through a path in auditctl's own mount namespace: an
  // agent in a container reaches the host's files through the host root it mounts.
  const onHost = (path: string) => (root === '/' ? path : join(root, path));
  const rules: AuditRule[] = [];
  const missing: string[] = [];
  // arm64's native table (asm-generic) has only the *at forms of the path calls.
  const legacy = arch === 'x64';

  for (const abi of ['b64', 'b32']) {
    // b32 on x86_64 is the i386 ABI (always present); on arm64 it exists only with compat,
    // so a refused b32 rule there is skipped, not fatal.
    const syscall = (names: string[], key: string, purpose: string, extra: string[] = []) =>
      rules.push({ args: ['-a', 'always,exit', '-F', `arch=${abi}`, '-S', names.join(','), ...extra, '-k', key], key, purpose });
    const wide = legacy || abi === 'b32';
    syscall(['execve', 'execveat'], VIGIL_KEYS.exec, 'process execution');
    // No success filter: non-blocking clients get EINPROGRESS and would be missed.
    syscall(['connect'], VIGIL_KEYS.connect, 'outbound connections (IPv4, IPv6, unix)');
    syscall(['unshare', 'setns'], VIGIL_KEYS.namespace, 'namespace changes (container escape primitives)');
    syscall(['clone'], VIGIL_KEYS.namespace, 'clone with CLONE_NEW* flags', ['-F', `a0&${CLONE_NEW_MASK}`]);
    const logCalls = wide
      ? ['unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'truncate', 'ftruncate', ...(abi === 'b32' ? ['truncate64', 'ftruncate64'] : [])]
      : ['unlinkat', 'renameat', 'renameat2', 'truncate', 'ftruncate'];
    syscall(logCalls, VIGIL_KEYS.logTamper, 'log deletion, renaming and truncation under /var/log', ['-F', `dir=${onHost('/var/log')}`]);
    syscall(wide ? ['utimensat', 'utimes', 'futimesat'] : ['utimensat'], VIGIL_KEYS.timestamps, 'file timestamp changes (timestomping)');
  }

  const watch = (path: string, perms: string, key: string, purpose: string) => {
    if (existsSync(join(root, path))) rules.push({ args: ['-w', onHost(path), '-p', perms, '-k', key], key, purpose });
    else missing.push(path);
  };
  watch('/etc/shadow', 'rwa', VIGIL_KEYS.credentials, 'password hashes read or changed');
  watch('/etc/gshadow', 'rwa', VIGIL_KEYS.credentials, 'group password hashes read or changed');
  watch('/etc/passwd', 'wa', VIGIL_KEYS.identity, 'accounts changed');
  watch('/etc/sudoers', 'wa', VIGIL_KEYS.sudoers, 'sudo rights changed');
  watch('/etc/sudoers.d', 'wa', VIGIL_KEYS.sudoers, 'sudo rights changed');
  watch('/root/.ssh', 'rwa', VIGIL_KEYS.sshKeys, "root's SSH keys read or changed");
  for (const file of HISTORY_FILES) watch(`/root/${file}`, 'wa', VIGIL_KEYS.shellHistory, 'shell history cleared or edited');
  for (const home of homeDirs(root)) {
    watch(`${home}/.ssh/authorized_keys`, 'wa', VIGIL_KEYS.sshKeys, 'SSH authorized keys changed');
    for (const file of HISTORY_FILES) {
      if (existsSync(join(root, home, file))) watch(`${home}/${file}`, 'wa', VIGIL_KEYS.shellHistory, 'shell history cleared or edited');
    }
  }
  for (const path of KUBE_CREDENTIALS) watch(path, 'rwa', VIGIL_KEYS.kubeconfig, 'node Kubernetes credentials read or changed');
  return { rules, missing };
}

function homeDirs(root: string): string[] {
  try {
    return readdirSync(join(root, 'home'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `/home/${d.name}`);
  } catch {
    return [];
  }
}

export interface InstallResult {
  installed: AuditRule[];
  /** Rules auditctl refused, with its reason (no 32-bit compat, old kernel…). */
  refused: { rule: AuditRule; reason: string }[];
}

/** Installs the plan's rules one by one, so that one refused rule does not cost the others. */
export async function installRules(rules: readonly AuditRule[], binary?: string): Promise<InstallResult> {
  const result: InstallResult = { installed: [], refused: [] };
  for (const rule of rules) {
    try {
      await auditctl(rule.args, binary);
      result.installed.push(rule);
    } catch (error) {
      result.refused.push({ rule, reason: (error as Error).message });
    }
  }
  return result;
}

/** Removes every rule carrying one of Vigil's keys, and nothing else. */
export async function removeVigilRules(binary?: string): Promise<void> {
  const failures: string[] = [];
  for (const key of ALL_VIGIL_KEYS) {
    try {
      await auditctl(['-D', '-k', key], binary);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) throw new Error(`could not remove all of Vigil's audit rules: ${failures.join('; ')}`);
}
