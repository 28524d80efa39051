/**
 * @module agent/linux-audit/container
 * Which container a live process is in: audit records carry no container id, so the agent reads
 * /proc/<pid>/cgroup while the process (or its parent) still exists and matches the runtime's
 * cgroup path shapes (containerd, CRI-O, Docker; systemd and cgroupfs drivers).
 */
import { readFileSync } from 'node:fs';
import type { ContainerContext } from '../../events/model.js';

const SCOPE = /(cri-containerd|crio|docker)-([0-9a-f]{64})\.scope$/;
const CGROUPFS = /\/kubepods\/(?:[a-z]+\/)?pod[0-9a-f-]{36}\/([0-9a-f]{64})$/;
const POD_UID = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/;
const RUNTIMES: Record<string, string> = { 'cri-containerd': 'containerd', crio: 'cri-o', docker: 'docker' };

/** The container a cgroup path names, if any (`crio-conmon-…` is the runtime's monitor, not the container). */
export function containerFromCgroupPath(path: string): ContainerContext | undefined {
  let id: string | undefined;
  let runtime: string | undefined;
  const scope = SCOPE.exec(path);
  if (scope) {
    id = scope[2];
    runtime = RUNTIMES[scope[1]];
  } else {
    const plain = CGROUPFS.exec(path);
    if (plain) id = plain[1];
  }
  if (!id) return undefined;
  const context: ContainerContext = { id };
  if (runtime) context.runtime = runtime;
  const pod = POD_UID.exec(path);
  if (pod) context.podUid = pod[1].replace(/_/g, '-');
  return context;
}

/**
 * The container of a process from its /proc/<pid>/cgroup: the v2 line (`0::`) or, on cgroup v1,
 * any hierarchy's line that names a container.
 */
export function containerOfPid(pid: number, proc = '/proc'): ContainerContext | undefined {
  let text: string;
  try {
    text = readFileSync(`${proc}/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    const found = containerFromCgroupPath(path);
    if (found) return found;
  }
  return undefined;
}
