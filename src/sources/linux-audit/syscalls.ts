/**
 * @module sources/linux-audit/syscalls
 * Syscall numbers by audit arch, for the syscalls Vigil normalises. Numbers differ per ABI
 * (x86_64 execve is 59, aarch64's is 221), so the SYSCALL record's `arch` picks the table;
 * ENRICHED logs carry the name already and win.
 */

/** AUDIT_ARCH values as auditd writes them (lower-case hex). */
export const ARCH = {
  x86_64: 'c000003e',
  aarch64: 'c00000b7',
  i386: '40000003',
  arm: '40000028',
} as const;

const X86_64: Record<number, string> = {
  2: 'open', 42: 'connect', 56: 'clone', 59: 'execve', 76: 'truncate', 77: 'ftruncate', 82: 'rename',
  84: 'rmdir', 85: 'creat', 86: 'link', 87: 'unlink', 88: 'symlink', 90: 'chmod', 91: 'fchmod', 92: 'chown',
  93: 'fchown', 94: 'lchown', 132: 'utime', 235: 'utimes', 257: 'openat', 260: 'fchownat', 261: 'futimesat',
  263: 'unlinkat', 264: 'renameat', 265: 'linkat', 266: 'symlinkat', 268: 'fchmodat', 272: 'unshare',
  280: 'utimensat', 308: 'setns', 316: 'renameat2', 322: 'execveat', 435: 'clone3', 437: 'openat2',
  452: 'fchmodat2',
};

/** The generic table (asm-generic/unistd.h) that arm64 uses. */
const AARCH64: Record<number, string> = {
  35: 'unlinkat', 36: 'symlinkat', 37: 'linkat', 38: 'renameat', 45: 'truncate', 46: 'ftruncate',
  52: 'fchmod', 53: 'fchmodat', 54: 'fchownat', 55: 'fchown', 56: 'openat', 88: 'utimensat', 97: 'unshare',
  203: 'connect', 220: 'clone', 221: 'execve', 268: 'setns', 276: 'renameat2', 281: 'execveat',
  435: 'clone3', 437: 'openat2', 452: 'fchmodat2',
};

const I386: Record<number, string> = {
  5: 'open', 8: 'creat', 9: 'link', 10: 'unlink', 11: 'execve', 15: 'chmod', 30: 'utime', 38: 'rename',
  40: 'rmdir', 83: 'symlink', 92: 'truncate', 93: 'ftruncate', 94: 'fchmod', 120: 'clone', 193: 'truncate64',
  194: 'ftruncate64', 198: 'lchown32', 207: 'fchown32', 212: 'chown32', 271: 'utimes', 295: 'openat',
  298: 'fchownat', 299: 'futimesat', 301: 'unlinkat', 302: 'renameat', 303: 'linkat', 304: 'symlinkat',
  306: 'fchmodat', 310: 'unshare', 320: 'utimensat', 346: 'setns', 353: 'renameat2', 358: 'execveat',
  362: 'connect', 435: 'clone3', 437: 'openat2', 452: 'fchmodat2',
};

/** 32-bit arm (EABI), for compat tasks on arm64 nodes. */
const ARM: Record<number, string> = {
  5: 'open', 8: 'creat', 9: 'link', 10: 'unlink', 11: 'execve', 15: 'chmod', 38: 'rename', 40: 'rmdir',
  83: 'symlink', 92: 'truncate', 93: 'ftruncate', 94: 'fchmod', 120: 'clone', 193: 'truncate64',
  194: 'ftruncate64', 269: 'utimes', 283: 'connect', 322: 'openat', 325: 'fchownat', 326: 'futimesat',
  328: 'unlinkat', 329: 'renameat', 330: 'linkat', 331: 'symlinkat', 333: 'fchmodat', 337: 'unshare',
  348: 'utimensat', 375: 'setns', 382: 'renameat2', 387: 'execveat', 435: 'clone3', 437: 'openat2',
  452: 'fchmodat2',
};

const TABLES: Record<string, Record<number, string>> = {
  [ARCH.x86_64]: X86_64,
  [ARCH.aarch64]: AARCH64,
  [ARCH.i386]: I386,
  [ARCH.arm]: ARM,
};

/** The syscall's name, from ENRICHED's `SYSCALL=` when present, else from arch and number. */
export function syscallName(arch: string | undefined, number: string | undefined, enriched: string | undefined): string | undefined {
  if (enriched && /^[a-z0-9_]+$/.test(enriched)) return enriched;
  if (arch === undefined || number === undefined) return undefined;
  const table = TABLES[arch.toLowerCase()];
  return table ? table[Number(number)] : undefined;
}
