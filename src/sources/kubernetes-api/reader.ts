/**
 * @module sources/kubernetes-api/reader
 * Cluster objects read live through the Kubernetes API with @kubernetes/client-node, as
 * `k8s.object` events into the same inventory and detections as snapshots:
 *   - `snapshot()`: one pass, every kind listed (paginated) → change `snapshot` (vigil scan --live);
 *   - `start()`: list then watch each kind, resuming from the last resourceVersion when the server
 *     closes the stream, listing afresh on 410 Gone, and retrying after a pause on other failures
 *     (the analyser's continuous reading) → changes `added` / `modified` / `deleted`.
 * The kubeconfig (a file and context, or the in-cluster service account) decides where and as whom.
 */
import { KubeConfig, ListWatch, Watch, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { K8sObject, K8sObjectEvent } from '../../events/model.js';
import type { DecoderSink } from '../format.js';
import { objectEvents } from '../k8s-objects/format.js';
import { LIVE_RESOURCES, type ListPage, type LiveResource } from './resources.js';

const PAGE_SIZE = 500;

export interface KubeConfigChoice {
  /** A kubeconfig file; default: $KUBECONFIG or ~/.kube/config. */
  file?: string;
  /** A context of that file; default its current context. */
  context?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST and the mounted token). */
  inCluster?: boolean;
}

export function loadKubeConfig(choice: KubeConfigChoice): KubeConfig {
  const kc = new KubeConfig();
  if (choice.inCluster) kc.loadFromCluster();
  else if (choice.file) kc.loadFromFile(choice.file);
  else kc.loadFromDefault();
  if (choice.context) {
    if (!kc.getContextObject(choice.context)) throw new Error(`no context '${choice.context}' in the kubeconfig`);
    kc.setCurrentContext(choice.context);
  }
  if (!kc.getCurrentCluster()) throw new Error('the kubeconfig names no cluster');
  return kc;
}

export interface ReaderOptions {
  kubeConfig: KubeConfig;
  /** Cluster name stamped on the events (default: the kubeconfig's current context). */
  cluster?: string;
  resources?: readonly LiveResource[];
  /** Pause before starting a failed watch over (default 5 s). */
  retryMs?: number;
}

/** The API's typed objects hold Dates; detections read the JSON the API sent. */
function asJson(item: object, resource: LiveResource): K8sObject {
  const object = JSON.parse(JSON.stringify(item)) as K8sObject;
  object.kind ??= resource.kind;
  object.apiVersion ??= resource.apiVersion;
  return object;
}

export class ClusterObjectReader {
  private readonly informers: ListWatch<KubernetesObject>[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;
  readonly cluster: string;
  errors = 0;

  constructor(private readonly options: ReaderOptions) {
    this.cluster = options.cluster ?? options.kubeConfig.getCurrentContext();
  }

  private get resources(): readonly LiveResource[] {
    return this.options.resources ?? LIVE_RESOURCES;
  }

  private emit(object: object, resource: LiveResource, change: K8sObjectEvent['change'], sink: DecoderSink): void {
    objectEvents(asJson(object, resource), { origin: { file: `api:${resource.path}`, line: 0 }, path: '', source: 'kubernetes-api', cluster: this.cluster, readTime: Date.now(), change }, sink);
  }

  /** Every page of one kind's list, with the list's resourceVersion. */
  private async listAll(resource: LiveResource): Promise<ListPage> {
    const items: object[] = [];
    let resourceVersion: string | undefined;
    let token: string | undefined;
    do {
      const page = await resource.list(this.options.kubeConfig, { limit: PAGE_SIZE, _continue: token });
      items.push(...page.items);
      resourceVersion ??= page.metadata?.resourceVersion;
      token = page.metadata?._continue || undefined;
    } while (token);
    return { metadata: { resourceVersion }, items };
  }

  /**
   * One pass over every kind. A kind that cannot be listed (forbidden, not served) is reported
   * through `sink.issue` and the others are still read; when none can be listed, the cluster is
   * unreadable and this throws.
   */
  async snapshot(sink: DecoderSink): Promise<void> {
    let firstFailure: string | undefined;
    let failures = 0;
    for (const resource of this.resources) {
      try {
        const list = await this.listAll(resource);
        for (const item of list.items) this.emit(item, resource, 'snapshot', sink);
      } catch (error) {
        this.errors++;
        failures++;
        const reason = `cannot list ${resource.kind}: ${describe(error)}`;
        firstFailure ??= reason;
        sink.issue({ origin: { file: `api:${resource.path}`, line: 0 }, reason });
      }
    }
    if (failures === this.resources.length) throw new Error(`cluster ${this.cluster} unreadable: ${firstFailure}`);
  }

  /** Lists then watches every kind until stop(); resolves once every first list is in. */
  async start(sink: DecoderSink): Promise<void> {
    this.stopped = false;
    const watch = new Watch(this.options.kubeConfig);
    await Promise.all(
      this.resources.map(
        (resource) =>
          new Promise<void>((resolve) => {
            let first = true;
            const listFn = async () => {
              const list = await this.listAll(resource);
              if (first) setImmediate(() => ((first = false), resolve()));
              return list as KubernetesListObject<KubernetesObject>;
            };
            const informer = new ListWatch<KubernetesObject>(resource.path, watch, listFn, false);
            informer.on('add', (o) => this.emit(o, resource, 'added', sink));
            informer.on('update', (o) => this.emit(o, resource, 'modified', sink));
            informer.on('delete', (o) => this.emit(o, resource, 'deleted', sink));
            informer.on('error', (error: unknown) => {
              this.errors++;
              sink.issue({ origin: { file: `api:${resource.path}`, line: 0 }, reason: `watch of ${resource.kind} failed (${describe(error)}); retrying` });
              if (first) {
                first = false;
                resolve();
              }
              if (this.stopped) return;
              const timer = setTimeout(() => {
                this.retries.delete(timer);
                if (!this.stopped) void informer.start();
              }, this.options.retryMs ?? 5000);
              this.retries.add(timer);
            });
            this.informers.push(informer);
            void informer.start();
          }),
      ),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    await Promise.all(this.informers.map((i) => i.stop()));
    this.informers.length = 0;
  }
}

function describe(error: unknown): string {
  const e = error as { code?: number; statusCode?: number; message?: string };
  const code = e.code ?? e.statusCode;
  const message = (e.message ?? String(error)).split('\n')[0]!.slice(0, 300);
  return typeof code === 'number' ? `HTTP ${code}: ${message}` : message;
}
