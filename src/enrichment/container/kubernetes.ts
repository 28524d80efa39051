/**
 * @module enrichment/container/kubernetes
 * PodDirectory from the Kubernetes API: list and watch the pods scheduled on this node
 * (fieldSelector spec.nodeName=NODE, the same query the kubelet's own view rests on) and index
 * their containers by runtime id. Containers of deleted pods stay known for a while, since the
 * last events of their processes are read after the pod is gone.
 */
import { CoreV1Api, KubeConfig, ListWatch, Watch, type V1Pod } from '@kubernetes/client-node';
import type { ContainerContext } from '../../events/model.js';
import { BoundedCache } from '../../util/bounded-cache.js';
import { podContainers, type PodDirectory } from './directory.js';

export interface KubernetesPodDirectoryOptions {
  /** This node's name, as in spec.nodeName. */
  nodeName: string;
  /** Default: the in-cluster service account, or ~/.kube/config. */
  kubeConfig?: KubeConfig;
  /** How long containers of deleted pods stay known (default 10 minutes). */
  keepDeletedMs?: number;
  /** Delay before re-listing after the watch failed (default 5 s). */
  retryMs?: number;
  /** Called with each watch or list failure (they are retried). */
  onError?: (error: Error) => void;
}

export class KubernetesPodDirectory implements PodDirectory {
  private readonly live = new Map<string, ContainerContext>();
  /** pod uid → its container ids, to drop them when the pod changes or goes. */
  private readonly byPod = new Map<string, string[]>();
  private readonly deleted: BoundedCache<string, ContainerContext>;
  private informer: ListWatch<V1Pod> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  errors = 0;

  constructor(private readonly options: KubernetesPodDirectoryOptions) {
    this.deleted = new BoundedCache(16_384, options.keepDeletedMs ?? 600_000);
  }

  lookup(containerId: string): ContainerContext | undefined {
    return this.live.get(containerId) ?? this.deleted.get(containerId);
  }

  get size(): number {
    return this.live.size;
  }

  async start(): Promise<void> {
    const kc = this.options.kubeConfig ?? defaultKubeConfig();
    const api = kc.makeApiClient(CoreV1Api);
    const fieldSelector = `spec.nodeName=${this.options.nodeName}`;
    this.stopped = false;
    await new Promise<void>((resolve, reject) => {
      let first = true;
      const listPods = async () => {
        const list = await api.listPodForAllNamespaces({ fieldSelector });
        // ListWatch indexes the items right after this promise settles: answer after that.
        if (first) setImmediate(() => ((first = false), resolve()));
        return list;
      };
      const informer = new ListWatch<V1Pod>('/api/v1/pods', new Watch(kc), listPods, false, undefined, fieldSelector);
      informer.on('add', (pod) => this.index(pod));
      informer.on('update', (pod) => this.index(pod));
      informer.on('delete', (pod) => this.remove(pod));
      informer.on('error', (error: Error) => {
        this.errors++;
        this.options.onError?.(error);
        if (first) {
          first = false;
          reject(new Error(`KubernetesPodDirectory: cannot list pods of node ${this.options.nodeName}: ${error.message}`));
          return;
        }
        // ListWatch stops on an error; start over (a fresh list) after a pause.
        if (!this.stopped) this.retry = setTimeout(() => void informer.start(), this.options.retryMs ?? 5000);
      });
      this.informer = informer;
      void informer.start();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.informer?.stop();
  }

  private index(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    for (const id of this.byPod.get(uid) ?? []) this.live.delete(id);
    const containers = podContainers(pod);
    for (const ctx of containers) this.live.set(ctx.id, ctx);
    this.byPod.set(uid, containers.map((c) => c.id));
  }

  private remove(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    for (const id of this.byPod.get(uid) ?? []) {
      const ctx = this.live.get(id);
      if (ctx) this.deleted.set(id, ctx);
      this.live.delete(id);
    }
    this.byPod.delete(uid);
  }
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
