/**
 * @module agent/linux-audit/auditctl
 * Talking to the kernel's audit configuration through auditctl(8): running it, and reading the
 * status it prints for `-s` (enabled flag, lost and backlog counters). Needs root or
 * CAP_AUDIT_CONTROL.
 */
import { execFile } from 'node:child_process';

export interface AuditStatus {
  /** 0 off, 1 on, 2 on and locked (rules immutable until reboot). */
  enabled: number;
  /** auditd's pid as the kernel knows it; 0 when no daemon is registered. */
  pid: number;
  /** Records the kernel dropped since boot (or since --reset-lost). */
  lost: number;
  /** Records waiting in the kernel queue now. */
  backlog: number;
  backlogLimit: number;
  /** Kernel rate limit in records per second; 0 = none. Records over it are lost. */
  rateLimit: number;
}

export class AuditctlError extends Error {}

/** Runs auditctl with `args` (no shell); resolves with its stdout, rejects with its stderr. */
export function auditctl(args: readonly string[], binary = 'auditctl'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? `${binary} is not installed (Debian/Ubuntu: apt-get install auditd)` : String(stderr || error.message).trim();
        reject(new AuditctlError(`auditctl ${args.join(' ')}: ${why}`));
      } else resolve(String(stdout));
    });
  });
}

/** Parses `auditctl -s` output ("enabled 1\nfailure 1\npid 812\n…lost 0\nbacklog 0\n…"). */
export function parseStatus(text: string): AuditStatus {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)\s+(\d+)/.exec(line.trim());
    if (m) values.set(m[1], Number(m[2]));
  }
  const need = (name: string): number => {
    const v = values.get(name);
    if (v === undefined) throw new AuditctlError(`auditctl -s printed no "${name}"`);
    return v;
  };
  return { enabled: need('enabled'), pid: need('pid'), lost: need('lost'), backlog: need('backlog'), backlogLimit: need('backlog_limit'), rateLimit: need('rate_limit') };
}

export async function auditStatus(binary?: string): Promise<AuditStatus> {
  return parseStatus(await auditctl(['-s'], binary));
}
