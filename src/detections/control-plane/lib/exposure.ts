/**
 * @module detections/control-plane/lib/exposure
 * What the "exposed service" detections share: whether a Service is reachable from the Internet
 * through a cloud load balancer, which containers its ports reach, which application those
 * containers run (from the data lists data/indicators/exposed-apps.yaml and sensitive-services.yaml),
 * what environment and mounted ConfigMap files they see, and — the core — which request or snapshot
 * made a Service newly exposed, whichever piece arrived last (the Service, the workload it selects,
 * a ConfigMap the workload reads, the namespace that makes the exposure matter).
 *
 * Decisions, for every detection built on this module:
 * - Exposed means `type: LoadBalancer`, as in Defender's alerts. NodePort and `externalIPs` are not
 *   counted: whether node addresses are reachable from the Internet is outside what the API shows.
 *   An Ingress is out of scope too: it routes to ClusterIP Services and usually carries its own
 *   authentication; it would need its own detection.
 * - A load balancer made internal by its cloud's annotation, or whose source ranges are all
 *   private/non-Internet addresses, is not Internet exposure.
 * - Refused and failed requests changed nothing and yield nothing; deletions expose nothing.
 * - A finding is raised only when the verdict turns from "no" to "yes", so re-applies and the
 *   ReplicaSets and Pods a Deployment creates after it do not repeat it.
 */
import type { AlertEntities } from '../../../alerts/alert.js';
import { auditEntities } from '../../../alerts/entities.js';
import type { DetectionContext, Finding } from '../../../engine/detection.js';
import type { K8sAuditEvent, K8sObject, K8sObjectEvent } from '../../../events/model.js';
import type { IndicatorList } from '../../../indicators/indicators.js';
import { cidrContains, parseCidr, type Cidr } from '../../../indicators/ip.js';
import { endsWithSegments, parseImageRef } from '../../../inventory/image-ref.js';
import type { Inventory } from '../../../inventory/inventory.js';
import {
  containersOf,
  isRecord,
  podLabelsOf,
  podSpecOf,
  selectorMatches,
  WORKLOAD_RESOURCES,
  type ContainerSpec,
  type PodSpec,
} from '../../../inventory/pod-spec.js';

/** Attacker-controlled text longer than this is cut before matching. */
export const MAX_MATCH_CHARS = 4096;
const MAX_CONFIG_FILE_CHARS = 64 * 1024;
const MAX_RANGES = 256;

/** Audit index: the requests that can complete an exposure. */
export function exposureAuditIndex(extra: readonly string[] = []) {
  return { verbs: ['create', 'update', 'patch'], resources: ['services', ...WORKLOAD_RESOURCES, ...extra] } as const;
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** Address space no Internet client comes from (RFC 1918, CGNAT, loopback, link-local, ULA). */
const NON_INTERNET = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', 'fc00::/7', 'fe80::/10', '::1/128'].map(
  (c) => parseCidr(c)!,
);

export function isNonInternetRange(cidr: Cidr): boolean {
  return NON_INTERNET.some((range) => cidrContains(range, cidr));
}

// ---------------------------------------------------------------------------------------------
// Is a Service exposed?

export interface ServicePort {
  name?: string;
  port: number;
  /** Container port number or name; the Service port when unset. */
  targetPort: number | string;
  protocol: string;
}

export interface Exposure {
  /** The source ranges the load balancer admits, as written; empty means every address. */
  sourceRanges: string[];
  rangesFrom?: 'spec.loadBalancerSourceRanges' | typeof SOURCE_RANGES_ANNOTATION;
  ports: ServicePort[];
}

export const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

/**
 * Annotations by which a cloud makes a load balancer internal, and the values that do it (compared
 * lower-case). The in-tree AWS provider treats any value but "false" as internal.
 */
const INTERNAL_ANNOTATIONS: readonly [string, (value: string) => boolean][] = [
  ['service.beta.kubernetes.io/azure-load-balancer-internal', (v) => v === 'true'],
  ['service.beta.kubernetes.io/aws-load-balancer-internal', (v) => v !== '' && v !== 'false'],
  ['service.beta.kubernetes.io/aws-load-balancer-scheme', (v) => v === 'internal'],
  ['networking.gke.io/load-balancer-type', (v) => v === 'internal'],
  ['cloud.google.com/load-balancer-type', (v) => v === 'internal'],
  ['service.beta.kubernetes.io/oci-load-balancer-internal', (v) => v === 'true'],
  ['service.beta.kubernetes.io/openstack-internal-load-balancer', (v) => v === 'true'],
  ['service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type', (v) => v === 'private'],
  ['service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type', (v) => v === 'intranet'],
];

function isInternal(service: K8sObject, spec: Record<string, unknown>): boolean {
  const annotations = service.metadata.annotations ?? {};
  const value = (key: string) => (typeof annotations[key] === 'string' ? annotations[key].trim().toLowerCase() : undefined);
  if (INTERNAL_ANNOTATIONS.some(([key, internal]) => value(key) !== undefined && internal(value(key)!))) return true;
  // The AWS Load Balancer Controller makes internal NLBs unless told `internet-facing` (v2.2+).
  const awsType = value('service.beta.kubernetes.io/aws-load-balancer-type');
  const byController = spec.loadBalancerClass === 'service.k8s.aws/nlb' || awsType === 'external' || awsType === 'nlb-ip';
  return byController && value('service.beta.kubernetes.io/aws-load-balancer-scheme') !== 'internet-facing' && value('service.beta.kubernetes.io/aws-load-balancer-internal') !== 'false';
}

function portsOf(spec: Record<string, unknown>): ServicePort[] {
  if (!Array.isArray(spec.ports)) return [];
  const out: ServicePort[] = [];
  for (const raw of spec.ports.slice(0, 256)) {
    if (!isRecord(raw) || typeof raw.port !== 'number') continue;
    const target = typeof raw.targetPort === 'number' || (typeof raw.targetPort === 'string' && raw.targetPort !== '') ? raw.targetPort : raw.port;
    // A numeric target written as a string ("8443") is a number to the API server.
    const targetPort = typeof target === 'string' && /^\d{1,5}$/.test(target) ? Number(target) : target;
    out.push({ name: typeof raw.name === 'string' ? raw.name : undefined, port: raw.port, targetPort, protocol: typeof raw.protocol === 'string' ? raw.protocol : 'TCP' });
  }
  return out;
}

/**
 * The Service's Internet exposure through a load balancer, or undefined when it has none. Source
 * ranges come from `spec.loadBalancerSourceRanges`, else from the annotation (the field wins, as in
 * the cloud providers).
 */
export function loadBalancerExposure(service: K8sObject | undefined): Exposure | undefined {
  if (!service || service.kind !== 'Service') return undefined;
  const spec = isRecord(service.spec) ? service.spec : {};
  if (spec.type !== 'LoadBalancer' || isInternal(service, spec)) return undefined;
  let sourceRanges: string[] = [];
  let rangesFrom: Exposure['rangesFrom'];
  if (Array.isArray(spec.loadBalancerSourceRanges) && spec.loadBalancerSourceRanges.length > 0) {
    sourceRanges = spec.loadBalancerSourceRanges.filter((r): r is string => typeof r === 'string').slice(0, MAX_RANGES);
    rangesFrom = 'spec.loadBalancerSourceRanges';
  } else {
    const annotation = service.metadata.annotations?.[SOURCE_RANGES_ANNOTATION];
    if (typeof annotation === 'string' && annotation.trim()) {
      sourceRanges = annotation.slice(0, MAX_MATCH_CHARS).split(',').map((r) => r.trim()).filter(Boolean).slice(0, MAX_RANGES);
      rangesFrom = SOURCE_RANGES_ANNOTATION;
    }
  }
  const parsed = sourceRanges.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  if (parsed.length > 0 && parsed.every(isNonInternetRange)) return undefined;
  return { sourceRanges, rangesFrom, ports: portsOf(spec) };
}

/** "open to every address" or "admitting 203.0.113.0/28, …", for descriptions. */
export function describeRanges(exposure: Exposure): string {
  if (exposure.sourceRanges.length === 0) return 'open to every address (no loadBalancerSourceRanges)';
  const shown = exposure.sourceRanges.slice(0, 5).join(', ');
  return `admitting ${shown}${exposure.sourceRanges.length > 5 ? ', …' : ''} (${exposure.rangesFrom})`;
}

// ---------------------------------------------------------------------------------------------
// The cluster as it stands before and after a change

/** What the judgements read: the inventory, or the inventory with one object replaced. */
export interface ClusterView {
  get(kind: string, namespace: string | undefined, name: string): K8sObject | undefined;
  selectedBy(service: K8sObject): K8sObject[];
  namespaceExists(name: string): boolean;
}

function sameObject(a: K8sObject, b: K8sObject): boolean {
  return a.kind === b.kind && (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '') && a.metadata.name === b.metadata.name;
}

function selectorOf(service: K8sObject): Record<string, string> | undefined {
  const spec = isRecord(service.spec) ? service.spec : {};
  return isRecord(spec.selector) ? (spec.selector as Record<string, string>) : undefined;
}

/** The inventory as the change leaves it (the inventory itself is updated only after detection). */
function overlay(inventory: Inventory, changed: K8sObject): ClusterView {
  const changedNamespace = changed.metadata.namespace ?? '';
  return {
    get: (kind, namespace, name) =>
      kind === changed.kind && (namespace ?? '') === changedNamespace && name === changed.metadata.name ? changed : inventory.get(kind, namespace, name),
    selectedBy(service) {
      const selected = inventory.selectedBy(service).filter((w) => !sameObject(w, changed));
      if (podSpecOf(changed) && changedNamespace === (service.metadata.namespace ?? '') && selectorMatches(selectorOf(service), podLabelsOf(changed))) {
        selected.push(changed);
      }
      return selected;
    },
    namespaceExists: (name) => (changed.kind === 'Namespace' && changed.metadata.name === name) || inventory.namespaceExists(name),
  };
}

// ---------------------------------------------------------------------------------------------
// Where a Service's ports lead

export interface Target {
  servicePort: ServicePort;
  workload: K8sObject;
  spec: PodSpec;
  container: ContainerSpec;
  /** The container port the traffic reaches. */
  port: number;
  /** The container declares that port; otherwise it is one of the pod's containers that may listen on it. */
  declared: boolean;
}

/** Controllers first, so that a finding names the Deployment rather than one of its Pods. */
const KIND_RANK: Record<string, number> = { ReplicaSet: 1, Job: 1, Pod: 2 };

/**
 * The containers the Service's ports lead to, in the workloads it selects. A named target port
 * leads to the container that declares that name (none: the port leads nowhere); a numbered one to
 * the containers that declare it, or, if none does (declaring ports is optional), to every container
 * of the pod.
 */
export function targetsOf(service: K8sObject, exposure: Exposure, view: ClusterView): Target[] {
  const workloads = view.selectedBy(service).sort((a, b) => (KIND_RANK[a.kind] ?? 0) - (KIND_RANK[b.kind] ?? 0));
  const out: Target[] = [];
  const seen = new Set<string>();
  for (const workload of workloads) {
    const spec = podSpecOf(workload);
    if (!spec) continue;
    const containers = containersOf(spec).filter((c) => c.role !== 'ephemeralContainer');
    for (const servicePort of exposure.ports) {
      const found: [ContainerSpec, number, boolean][] = [];
      for (const container of containers) {
        for (const p of Array.isArray(container.ports) ? container.ports : []) {
          if (!isRecord(p) || typeof p.containerPort !== 'number') continue;
          if (servicePort.targetPort === p.containerPort || (typeof servicePort.targetPort === 'string' && servicePort.targetPort === p.name)) {
            found.push([container, p.containerPort, true]);
          }
        }
      }
      if (found.length === 0 && typeof servicePort.targetPort === 'number') {
        for (const container of containers) found.push([container, servicePort.targetPort, false]);
      }
      for (const [container, port, declared] of found) {
        const key = `${container.name}|${container.image}|${port}|${servicePort.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ servicePort, workload, spec, container, port, declared });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Which application a target runs (data: exposed-apps.yaml, sensitive-services.yaml)

export interface AppEntry {
  /** An image repository pattern, a port number or an object name, per `match`. */
  value: string;
  match: 'image' | 'port' | 'name';
  app: string;
  /** The ports the application listens on by default. */
  ports?: number[];
  /** For `port` entries: the image must contain this text. */
  imageContains?: string;
  /** For `image` entries: the tag must contain this text ('dind'). */
  tagContains?: string;
  /** One of these words must appear in the container's command or args ('server'). */
  args?: string[];
  /** For `port` entries: only pods on the node's network (the port is the node's). */
  hostNetwork?: boolean;
  /** Why exposing it matters, for descriptions. */
  why?: string;
}

function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) ? value.filter((n): n is number => typeof n === 'number') : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase()) : undefined;
}

/** The entries of an indicator list as application matchers (malformed fields are ignored). */
export function appEntries(ctx: DetectionContext, list: string): AppEntry[] {
  return ctx.indicators.compiled(list, compileAppEntries);
}

function compileAppEntries(list: IndicatorList): AppEntry[] {
  return list.entries.map((e) => ({
    value: e.value.toLowerCase(),
    match: e.match === 'port' || e.match === 'name' ? e.match : 'image',
    app: typeof e.app === 'string' ? e.app : e.value,
    ports: numbers(e.ports),
    imageContains: typeof e.imageContains === 'string' ? e.imageContains.toLowerCase() : undefined,
    tagContains: typeof e.tagContains === 'string' ? e.tagContains.toLowerCase() : undefined,
    args: strings(e.args),
    hostNetwork: e.hostNetwork === true,
    why: typeof e.why === 'string' ? e.why : undefined,
  }));
}

/** Words of the container's command and args (`--auth-mode=server` gives `--auth-mode` and `server`). */
export function argWords(container: ContainerSpec): string[] {
  const words: string[] = [];
  for (const arg of [...(Array.isArray(container.command) ? container.command : []), ...(Array.isArray(container.args) ? container.args : [])]) {
    if (typeof arg !== 'string') continue;
    for (const word of arg.slice(0, MAX_MATCH_CHARS).toLowerCase().split(/[\s=]+/)) if (word) words.push(word);
  }
  return words;
}

/** The entry whose application the target runs and reaches on its port, if any. */
export function matchTarget(target: Target, entries: readonly AppEntry[]): AppEntry | undefined {
  const image = parseImageRef(target.container.image);
  const imageText = target.container.image.toLowerCase().slice(0, MAX_MATCH_CHARS);
  for (const entry of entries) {
    if (entry.args && !entry.args.some((a) => argWords(target.container).includes(a))) continue;
    if (entry.match === 'image') {
      if (!image || !endsWithSegments(image.path, entry.value)) continue;
      if (entry.tagContains && !(image.tag ?? '').toLowerCase().includes(entry.tagContains)) continue;
      if (onApplicationPort(target, entry)) return entry;
    } else if (entry.match === 'port') {
      if (String(target.port) !== entry.value) continue;
      if (entry.imageContains && !imageText.includes(entry.imageContains)) continue;
      if (entry.hostNetwork && target.spec.hostNetwork !== true) continue;
      return entry;
    }
  }
  return undefined;
}

/**
 * Whether the target port is where the application listens: one of its default ports; or, for a
 * container that declares none of them (the application was moved, `--port 7000`), a port it
 * declares. A sidecar's or a second listener's port (Ray's 6379 beside its 8265) is not.
 */
function onApplicationPort(target: Target, entry: AppEntry): boolean {
  if (!entry.ports) return target.declared;
  if (entry.ports.includes(target.port)) return true;
  const declared = (Array.isArray(target.container.ports) ? target.container.ports : []).map((p) => (isRecord(p) ? p.containerPort : undefined));
  return target.declared && !entry.ports.some((p) => declared.includes(p));
}

/** `name` entries: the Service itself, or a workload it selects, bears the application's name. */
export function matchName(service: K8sObject, targets: readonly Target[], entries: readonly AppEntry[]): { entry: AppEntry; target?: Target } | undefined {
  for (const entry of entries) {
    if (entry.match !== 'name') continue;
    const target = targets.find((t) => t.workload.metadata.name?.toLowerCase() === entry.value);
    if (target) return { entry, target };
    if (service.metadata.name?.toLowerCase() === entry.value) return { entry };
  }
  return undefined;
}

/** The first target running one of `app`'s entries (of `list`), with the entry. */
export function findApp(ctx: DetectionContext, list: string, app: string, targets: readonly Target[]): { target: Target; entry: AppEntry } | undefined {
  const entries = appEntries(ctx, list).filter((e) => e.app === app);
  for (const target of targets) {
    const entry = matchTarget(target, entries);
    if (entry) return { target, entry };
  }
  return undefined;
}

/** The targets that reach Postgres, as the two Postgres detections agree on it (exposed-apps.yaml, app `postgres`). */
export function postgresTargets(ctx: DetectionContext, targets: readonly Target[]): Target[] {
  const entries = appEntries(ctx, 'exposed-apps').filter((e) => e.app === 'postgres');
  return targets.filter((t) => matchTarget(t, entries) !== undefined);
}

// ---------------------------------------------------------------------------------------------
// What a container sees: environment and mounted ConfigMap files

export interface EnvValue {
  /** The value when the spec or a ConfigMap gives it; undefined when it comes from a Secret or elsewhere. */
  value?: string;
  /** 'env', 'ConfigMap ns/name', 'Secret name', … */
  from: string;
}

/** The container's environment as Kubernetes builds it: `envFrom` first, `env` overriding. */
export function environmentOf(container: ContainerSpec, namespace: string, view: ClusterView): Map<string, EnvValue> {
  const env = new Map<string, EnvValue>();
  for (const source of (Array.isArray(container.envFrom) ? container.envFrom : []) as unknown[]) {
    if (!isRecord(source)) continue;
    const prefix = typeof source.prefix === 'string' ? source.prefix : '';
    const cmName = isRecord(source.configMapRef) && typeof source.configMapRef.name === 'string' ? source.configMapRef.name : undefined;
    if (cmName) {
      const data = configMapData(view.get('ConfigMap', namespace, cmName));
      for (const [key, value] of Object.entries(data)) env.set(prefix + key, { value, from: `ConfigMap ${namespace}/${cmName}` });
    }
  }
  for (const item of (Array.isArray(container.env) ? container.env : []) as unknown[]) {
    if (!isRecord(item) || typeof item.name !== 'string') continue;
    if (typeof item.value === 'string') {
      env.set(item.name, { value: item.value, from: 'env' });
      continue;
    }
    const from = isRecord(item.valueFrom) ? item.valueFrom : {};
    const ref = isRecord(from.configMapKeyRef) ? from.configMapKeyRef : undefined;
    if (ref && typeof ref.name === 'string' && typeof ref.key === 'string') {
      const value = configMapData(view.get('ConfigMap', namespace, ref.name))[ref.key];
      env.set(item.name, { value, from: `ConfigMap ${namespace}/${ref.name}` });
    } else if (isRecord(from.secretKeyRef)) {
      env.set(item.name, { from: `Secret ${String(from.secretKeyRef.name ?? '')}` });
    } else {
      env.set(item.name, { value: item.value === undefined ? undefined : String(item.value), from: 'env' });
    }
  }
  return env;
}

function configMapData(configMap: K8sObject | undefined): Record<string, string> {
  if (!configMap || !isRecord(configMap.data)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(configMap.data)) if (typeof value === 'string') out[key] = value.slice(0, MAX_CONFIG_FILE_CHARS);
  return out;
}

export interface MountedFile {
  /** Where the container sees it. */
  path: string;
  configMap: string;
  key: string;
  content: string;
}

/** ConfigMap keys the container sees as files (configMap and projected volumes, subPath, items). */
export function mountedConfigFiles(container: ContainerSpec, spec: PodSpec, namespace: string, view: ClusterView): MountedFile[] {
  const volumes = new Map<string, unknown>();
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) if (isRecord(v) && typeof v.name === 'string') volumes.set(v.name, v);
  const out: MountedFile[] = [];
  for (const mount of (Array.isArray(container.volumeMounts) ? container.volumeMounts : []) as unknown[]) {
    if (!isRecord(mount) || typeof mount.name !== 'string' || typeof mount.mountPath !== 'string') continue;
    const volume = volumes.get(mount.name);
    if (!isRecord(volume)) continue;
    const sources: unknown[] = isRecord(volume.configMap) ? [volume.configMap] : isRecord(volume.projected) && Array.isArray(volume.projected.sources) ? volume.projected.sources.map((s) => (isRecord(s) ? s.configMap : undefined)) : [];
    const subPath = typeof mount.subPath === 'string' && mount.subPath ? mount.subPath : undefined;
    for (const source of sources) {
      if (!isRecord(source) || typeof source.name !== 'string') continue;
      const data = configMapData(view.get('ConfigMap', namespace, source.name));
      // With `items`, only the listed keys appear, each under its `path`.
      const files: [string, string][] = Array.isArray(source.items)
        ? source.items.filter((i) => isRecord(i) && typeof i.key === 'string' && typeof i.path === 'string').map((i) => [(i as { key: string }).key, (i as { path: string }).path])
        : Object.keys(data).map((k) => [k, k]);
      for (const [key, file] of files) {
        if (data[key] === undefined) continue;
        if (subPath && subPath !== file) continue;
        const path = subPath ? mount.mountPath : `${mount.mountPath.replace(/\/+$/, '')}/${file}`;
        out.push({ path, configMap: `${namespace}/${source.name}`, key, content: data[key] });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Which change made a Service exposed

export interface ExposureRule<V> {
  /** The verdict on a Service as it stands in `view`: undefined when the detection has nothing to say. */
  judge(service: K8sObject, exposure: Exposure, view: ClusterView): V | undefined;
  /** ConfigMaps can complete the exposure (their content is judged). */
  configMaps?: boolean;
  /** Namespaces whose appearance can complete it. */
  namespaces?: readonly string[];
}

export interface ExposureChange<V> {
  service: K8sObject;
  exposure: Exposure;
  verdict: V;
  /** Entities of the alert: the Service as resource, the actor of the change. */
  entities: AlertEntities;
  /** What completed the exposure: 'patch of Service shop/db by alice', 'snapshot of Deployment shop/db'. */
  trigger: string;
  /** Who made the change, or 'the cluster snapshot'. */
  user: string;
}

function objectName(object: K8sObject): string {
  return `${object.metadata.namespace ? object.metadata.namespace + '/' : ''}${object.metadata.name ?? ''}`;
}

/**
 * The Services this event newly makes exposed in the detection's sense: the verdict holds with the
 * event's result and did not hold before it. Works the same for audit requests and for snapshot or
 * watch objects.
 */
export function exposureChanges<V>(event: K8sAuditEvent | K8sObjectEvent, ctx: DetectionContext, rule: ExposureRule<V>): ExposureChange<V>[] {
  const changed = event.kind === 'k8s.audit' ? ctx.inventory.resultOf(event) : event.change === 'deleted' ? undefined : event.object;
  if (!changed || !changed.metadata?.name) return [];
  const inventory = ctx.inventory;
  const namespace = changed.metadata.namespace ?? '';
  let candidates: K8sObject[];
  if (changed.kind === 'Service') candidates = [changed];
  else if (podSpecOf(changed)) {
    const labels = podLabelsOf(changed);
    candidates = inventory.list('Service', namespace).filter((s) => selectorMatches(selectorOf(s), labels));
  } else if (changed.kind === 'ConfigMap' && rule.configMaps) candidates = inventory.list('Service', namespace);
  else if (changed.kind === 'Namespace' && rule.namespaces?.includes(changed.metadata.name)) candidates = inventory.list('Service');
  else return [];

  const after = overlay(inventory, changed);
  const out: ExposureChange<V>[] = [];
  for (const service of candidates) {
    const exposure = loadBalancerExposure(service);
    if (!exposure) continue;
    const verdict = rule.judge(service, exposure, after);
    if (verdict === undefined) continue;
    const before = inventory.get('Service', service.metadata.namespace, service.metadata.name ?? '');
    const beforeExposure = loadBalancerExposure(before);
    if (before && beforeExposure && rule.judge(before, beforeExposure, inventory) !== undefined) continue;
    out.push(describeChange(event, changed, service, exposure, verdict));
  }
  return out;
}

function describeChange<V>(event: K8sAuditEvent | K8sObjectEvent, changed: K8sObject, service: K8sObject, exposure: Exposure, verdict: V): ExposureChange<V> {
  const resource = { kind: 'Service', namespace: service.metadata.namespace, name: service.metadata.name };
  if (event.kind === 'k8s.audit') {
    const entities = { ...auditEntities(event), namespace: service.metadata.namespace, resource };
    const user = entities.user ?? 'unknown';
    return { service, exposure, verdict, entities, user, trigger: `${event.verb} of ${changed.kind} ${objectName(changed)} by ${user}` };
  }
  const entities: AlertEntities = { cluster: event.cluster, namespace: service.metadata.namespace, resource };
  return { service, exposure, verdict, entities, user: 'the cluster snapshot', trigger: `${event.change} of ${changed.kind} ${objectName(changed)}` };
}

/** "80→8443/TCP, 443→8443/TCP" */
export function describePorts(exposure: Exposure): string {
  return exposure.ports.map((p) => `${p.port}→${p.targetPort}/${p.protocol}`).join(', ') || 'no ports';
}

/** "Deployment kubernetes-dashboard" */
export function describeWorkload(target: Target | undefined): string {
  return target ? `${target.workload.kind} ${target.workload.metadata.name ?? ''}` : 'workload not in the inventory';
}

/**
 * The finding for a change, with the facts every exposure summary uses ({service}, {exposure},
 * {ports}, {trigger}, {user}, {workload}, {image}, {container}) plus the detection's own. One alert
 * per Service and type: re-applies aggregate instead of multiplying.
 */
export function exposureFinding<V>(
  event: K8sAuditEvent | K8sObjectEvent,
  change: ExposureChange<V>,
  target: Target | undefined,
  facts: Finding['facts'] = {},
): Finding {
  const { service } = change;
  const entities: AlertEntities = { ...change.entities };
  if (target) {
    entities.container = target.container.name;
    entities.image = target.container.image || undefined;
  }
  return {
    entities,
    facts: {
      service: objectName(service),
      exposure: `a load balancer ${describeRanges(change.exposure)}`,
      ports: describePorts(change.exposure),
      trigger: change.trigger,
      user: change.user,
      workload: describeWorkload(target),
      image: target?.container.image || 'unknown',
      container: target?.container.name ?? 'unknown',
      ...facts,
    },
    key: `Service/${event.cluster ?? ''}/${service.metadata.namespace ?? ''}/${service.metadata.name ?? ''}`,
  };
}
