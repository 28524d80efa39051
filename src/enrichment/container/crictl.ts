/**
 * @module enrichment/container/crictl
 * PodDirectory from the container runtime, for agents without API access: `crictl ps -a -o json`
 * lists every container with the kubelet's labels (pod name, namespace, UID, container name), and
 * `crictl inspect -o json ID` tells whether a new container is privileged. Refreshed periodically
 * and, at most once a second, when a lookup misses (a container that just started).
 */
import { execFile } from 'node:child_process';
import type { ContainerContext } from '../../events/model.js';
import { BoundedCache } from '../../util/bounded-cache.js';
import type { PodDirectory } from './directory.js';

export interface CrictlPodDirectoryOptions {
  /** Default 'crictl' from PATH; it reads the runtime endpoint from /etc/crictl.yaml. */
  crictlPath?: string;
  /** Extra arguments before the command, e.g. ['--runtime-endpoint', 'unix:///run/containerd/containerd.sock']. */
  crictlArgs?: string[];
  refreshMs?: number;
  /** Containers remembered (default 16,384). */
  maxContainers?: number;
  onError?: (error: Error) => void;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The containers of `crictl ps -o json` output. Throws with the reason when it is not that. */
export function parseCrictlPs(output: string): ContainerContext[] {
  const doc = obj(JSON.parse(output));
  if (!doc || !Array.isArray(doc.containers)) throw new Error("crictl ps output has no 'containers' array");
  const out: ContainerContext[] = [];
  for (const item of doc.containers) {
    const c = obj(item);
    const id = text(c?.id);
    if (!c || !id) continue;
    const labels = obj(c.labels) ?? {};
    const ctx: ContainerContext = { id };
    const name = text(labels['io.kubernetes.container.name']) ?? text(obj(c.metadata)?.name);
    if (name) ctx.name = name;
    const image = text(obj(c.image)?.image);
    if (image) ctx.image = image;
    const imageRef = text(c.imageRef);
    if (imageRef) ctx.imageId = imageRef;
    const pod = text(labels['io.kubernetes.pod.name']);
    if (pod) ctx.pod = pod;
    const namespace = text(labels['io.kubernetes.pod.namespace']);
    if (namespace) ctx.namespace = namespace;
    const podUid = text(labels['io.kubernetes.pod.uid']);
    if (podUid) ctx.podUid = podUid;
    out.push(ctx);
  }
  return out;
}

/** `privileged` from `crictl inspect -o json` (containerd and CRI-O put it in `info`). */
export function parseCrictlPrivileged(output: string): boolean | undefined {
  const info = obj(obj(JSON.parse(output))?.info);
  const privileged = info?.privileged ?? obj(obj(info?.config)?.linux)?.security_context;
  if (typeof privileged === 'boolean') return privileged;
  const nested = obj(privileged)?.privileged;
  return typeof nested === 'boolean' ? nested : undefined;
}

export class CrictlPodDirectory implements PodDirectory {
  private readonly containers: BoundedCache<string, ContainerContext>;
  private timer: NodeJS.Timeout | undefined;
  private lastRefresh = 0;
  private refreshing: Promise<void> | undefined;
  errors = 0;

  constructor(private readonly options: CrictlPodDirectoryOptions = {}) {
    this.containers = new BoundedCache(options.maxContainers ?? 16_384);
  }

  lookup(containerId: string): ContainerContext | undefined {
    const found = this.containers.get(containerId);
    if (!found && Date.now() - this.lastRefresh > 1000) void this.refresh().catch(() => {});
    return found;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => {}), this.options.refreshMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.refreshing?.catch(() => {});
  }

  /** One `crictl ps`, then `crictl inspect` of the containers not seen before. */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    this.lastRefresh = Date.now();
    let listed: ContainerContext[];
    try {
      listed = parseCrictlPs(await this.crictl(['ps', '-a', '-o', 'json']));
    } catch (error) {
      this.fail(error as Error);
      throw error;
    }
    for (const ctx of listed) {
      const known = this.containers.get(ctx.id);
      if (known) {
        this.containers.set(ctx.id, { ...ctx, ...(known.privileged !== undefined ? { privileged: known.privileged } : {}) });
        continue;
      }
      try {
        const privileged = parseCrictlPrivileged(await this.crictl(['inspect', '-o', 'json', ctx.id]));
        if (privileged !== undefined) ctx.privileged = privileged;
      } catch (error) {
        this.fail(error as Error);
      }
      this.containers.set(ctx.id, ctx);
    }
  }

  private fail(error: Error): void {
    this.errors++;
    this.options.onError?.(error);
  }

  private crictl(args: string[]): Promise<string> {
    const path = this.options.crictlPath ?? 'crictl';
    const all = [...(this.options.crictlArgs ?? []), ...args];
    return new Promise((resolve, reject) => {
      execFile(path, all, { maxBuffer: 64 * 1024 * 1024, timeout: 10_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${path} ${all.join(' ')}: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      });
    });
  }
}
