/**
 * @module enrichment/container/cgroup
 * /proc/PID/cgroup → the container and pod a process belongs to. Kernel audit records and the
 * /proc sampler carry no container id; the cgroup path does, in shapes that depend on the runtime
 * (containerd, CRI-O, Docker/cri-dockerd, podman) and on the kubelet's cgroup driver (systemd:
 * `kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope`; cgroupfs:
 * `/kubepods/burstable/pod<uid>/<id>`). Host processes (system.slice, user.slice, init.scope)
 * belong to no container.
 */
import { readFileSync } from 'node:fs';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export interface CgroupInfo {
  /** The cgroup path the answer was read from. */
  path: string;
  /** 64-hex runtime container id; absent for host processes and runtime monitors (conmon). */
  containerId?: string;
  runtime?: 'containerd' | 'cri-o' | 'docker' | 'podman';
  /** Pod UID with dashes, for processes under kubepods. */
  podUid?: string;
  qos?: QosClass;
}

/** A path segment that names a container: `<runtime>-<id>.scope` (systemd) or a bare id (cgroupfs). */
const CONTAINER_SEGMENT = /^(?:(cri-containerd|crio|docker|libpod)-)?([0-9a-f]{64})(?:\.scope)?$/;
const RUNTIMES = { 'cri-containerd': 'containerd', crio: 'cri-o', docker: 'docker', libpod: 'podman' } as const;
/** `pod<uid>` (cgroupfs) or `kubepods-<qos>-pod<uid_>.slice` (systemd, dashes turned to underscores). */
const POD_SEGMENT = /(?:^|-)pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$/;

/** What one cgroup path says. */
export function parseCgroupPath(path: string): CgroupInfo {
  const info: CgroupInfo = { path };
  const segments = path.split('/');
  // The innermost container wins: pods of a kind node nest inside the node's own docker scope.
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    // CRI-O's monitor runs in the pod's cgroup but outside the container: not the container.
    if (segment.startsWith('crio-conmon-')) break;
    const match = CONTAINER_SEGMENT.exec(segment);
    if (match) {
      info.containerId = match[2];
      if (match[1]) info.runtime = RUNTIMES[match[1] as keyof typeof RUNTIMES];
      break;
    }
  }
  for (let i = segments.length - 1; i >= 0; i--) {
    const pod = POD_SEGMENT.exec(segments[i]);
    if (!pod) continue;
    info.podUid = pod[1].replace(/_/g, '-');
    const qos = /(?:^|[-/])(burstable|besteffort)(?:[-/.]|$)/.exec(segments.slice(0, i + 1).join('/'));
    info.qos = qos ? (qos[1] === 'burstable' ? 'Burstable' : 'BestEffort') : 'Guaranteed';
    break;
  }
  return info;
}

/**
 * What a /proc/PID/cgroup file says. On cgroup v2 there is one `0::<path>` line; on v1 and hybrid
 * hosts the `0::` line may be `/` while the memory, pids or name=systemd hierarchies hold the
 * path, so the first line that names a container (or else a pod) is taken.
 */
export function parseCgroupFile(text: string): CgroupInfo {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (line.slice(0, first) === '0' && controllers === '') paths.set('v2', path);
    else for (const controller of controllers.split(',')) paths.set(controller, path);
  }
  const candidates: string[] = [];
  for (const key of ['v2', 'memory', 'pids', 'name=systemd', 'cpu']) {
    const path = paths.get(key);
    if (path !== undefined) candidates.push(path);
  }
  for (const path of paths.values()) candidates.push(path);
  let podOnly: CgroupInfo | undefined;
  for (const path of candidates) {
    const info = parseCgroupPath(path);
    if (info.containerId) return info;
    podOnly ??= info.podUid ? info : undefined;
  }
  return podOnly ?? { path: candidates[0] ?? '' };
}

/** The cgroup of a live process; undefined when it has exited or /proc is not readable. */
export function readCgroup(pid: number, procRoot = '/proc'): CgroupInfo | undefined {
  try {
    return parseCgroupFile(readFileSync(`${procRoot}/${pid}/cgroup`, 'utf8'));
  } catch {
    return undefined;
  }
}
