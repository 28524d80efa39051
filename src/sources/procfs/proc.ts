/**
 * @module sources/procfs/proc
 * Readers for the /proc files the sampler uses. Each returns undefined when the process is gone
 * or the file is unreadable (a race that is normal: processes exit between listing and reading).
 * Their contents are attacker-controlled (comm, cmdline) and are parsed without trusting them.
 */
import { readFileSync, readlinkSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** Kernel task name as /proc shows it (may contain spaces and parentheses). */
  comm: string;
  state: string;
  ppid: number;
  /** Field 22: start time in clock ticks since boot; with the pid it names one process. */
  startTicks: number;
  kernelThread: boolean;
}

const PF_KTHREAD = 0x00200000;

/** /proc/PID/stat; comm is found by the last ')' since the name itself may hold one. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const ppid = Number(rest[1]);
  const flags = Number(rest[6]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(startTicks)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state: rest[0], ppid, startTicks, kernelThread: (flags & PF_KTHREAD) !== 0 };
}

export function readStat(procRoot: string, pid: number | string): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** argv from /proc/PID/cmdline (NUL-separated, NUL-terminated); [] for zombies and kernel threads. */
export function parseCmdline(buffer: Buffer): string[] {
  let end = buffer.length;
  if (end > 0 && buffer[end - 1] === 0) end--;
  if (end === 0) return [];
  return buffer.toString('utf8', 0, end).split('\0');
}

export function readCmdline(procRoot: string, pid: number): string[] | undefined {
  try {
    return parseCmdline(readFileSync(`${procRoot}/${pid}/cmdline`));
  } catch {
    return undefined;
  }
}

export function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

export interface ProcIds {
  uid?: number;
  euid?: number;
  gid?: number;
}

/** Real and effective uid, real gid from /proc/PID/status. */
export function readIds(procRoot: string, pid: number): ProcIds {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/status`, 'latin1');
  } catch {
    return {};
  }
  const ids: ProcIds = {};
  const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(text);
  if (uid) {
    ids.uid = Number(uid[1]);
    ids.euid = Number(uid[2]);
  }
  const gid = /^Gid:\s+(\d+)/m.exec(text);
  if (gid) ids.gid = Number(gid[1]);
  return ids;
}

/** Boot time in ms since the epoch (`btime` of /proc/stat), to turn start ticks into a time. */
export function readBootTime(procRoot: string): number | undefined {
  try {
    const match = /^btime (\d+)$/m.exec(readFileSync(`${procRoot}/stat`, 'latin1'));
    return match ? Number(match[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: fixed at 100 by the Linux ABI on every architecture Kubernetes nodes run. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** The inode of a `socket:[12345]` or `net:[4026531840]` link, or undefined. */
export function linkInode(link: string | undefined, kind: 'socket' | 'net'): string | undefined {
  if (!link || !link.startsWith(kind + ':[') || !link.endsWith(']')) return undefined;
  return link.slice(kind.length + 2, -1);
}
