/**
 * @module testing/kernel
 * For tests that use the real kernel audit subsystem and cgroups: finding the binaries, waiting,
 * a cgroup shaped like a Kubernetes container, and a machine-wide lock so that test files run in
 * parallel never change audit rules or auditd under each other.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function which(binary: string): string | undefined {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) if (existsSync(join(dir, binary))) return join(dir, binary);
  return undefined;
}

export function alive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); its state letter in /proc says it is gone.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function waitFor<T>(what: string, find: () => T | undefined, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A cgroup v2 directory tree shaped like a containerd pod container under the systemd driver. */
export function makeContainerCgroup(): { procs: string; id: string; podUid: string; remove: () => void } {
  const root = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  assert.ok(existsSync(join(root, 'cgroup.procs')), `no cgroup v2 hierarchy at ${root}`);
  const id = randomBytes(32).toString('hex');
  const podUid = randomUUID();
  const pod = podUid.replace(/-/g, '_');
  const levels = ['kubepods.slice', 'kubepods-besteffort.slice', `kubepods-besteffort-pod${pod}.slice`, `cri-containerd-${id}.scope`];
  const made: string[] = [];
  let dir = root;
  for (const level of levels) {
    dir = join(dir, level);
    if (!existsSync(dir)) {
      mkdirSync(dir);
      made.push(dir);
    }
  }
  return {
    procs: join(dir, 'cgroup.procs'),
    id,
    podUid,
    remove: () => {
      for (const d of made.reverse()) rmdirSync(d);
    },
  };
}

const LOCK = '/tmp/vigil-kernel-audit-test.lock';

/**
 * Takes the machine-wide kernel-audit test lock (a directory: mkdir is atomic); returns its
 * release. A lock left by a crashed run is broken after two minutes.
 */
export async function kernelAuditLock(): Promise<() => void> {
  const until = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch {
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // gone between the two calls: try again
      }
      if (Date.now() > until) throw new Error(`could not take ${LOCK} in 5 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
